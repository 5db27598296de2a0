// Every detector, one module per attack class.

import type { Detector } from '../detector.ts';
import { sqli } from './sqli.ts';

export const ALL_DETECTORS: readonly Detector[] = [sqli];
