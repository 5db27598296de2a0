import { commonProperties, type CommonConfig } from '../../auth/schema.ts';
import { introspectionRequired, introspectionSchemeProperties, type IntrospectionSchemeConfig } from '../../auth/introspection-schema.ts';

export const authIntrospectionSchema = {
  properties: { ...introspectionSchemeProperties, ...commonProperties },
  required: introspectionRequired,
} as const;

export type AuthIntrospectionConfig = IntrospectionSchemeConfig & CommonConfig;
