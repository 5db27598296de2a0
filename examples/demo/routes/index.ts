// Every route of the demo. A new resource or flaw = a new file here and one line below.
import type { Route } from '../types.ts';
import { adminRoutes } from './admin.ts';
import { authRoutes } from './auth.ts';
import { avatarRoutes } from './avatar.ts';
import { debugRoutes } from './debug.ts';
import { legacyV1Routes } from './legacy-v1.ts';
import { meRoutes } from './me.ts';
import { metaRoutes } from './meta.ts';
import { noteRoutes } from './notes.ts';
import { orderRoutes } from './orders.ts';
import { productRoutes } from './products.ts';
import { userRoutes } from './users.ts';

export const allRoutes: readonly Route[] = [
  ...metaRoutes,
  ...authRoutes,
  ...userRoutes,
  ...meRoutes,
  ...avatarRoutes,
  ...orderRoutes,
  ...noteRoutes,
  ...productRoutes,
  ...adminRoutes,
  ...legacyV1Routes,
  ...debugRoutes,
];
