// The `audit:` section of portcullis.yaml (the config schema includes it) and its type.
import { durationSchema } from '../../config/units.ts';
import type { Duration } from '../../config/types.ts';

export interface AuditConfig {
  enabled: boolean;
  store: string;
  sampleAllowed: number;
  chain?: string;
  signingKey?: string;
  checkpointEvery: number;
  checkpointInterval: Duration;
  retention: Duration;
  bufferSize: number;
  batchSize: number;
  flushInterval: Duration;
  redact: string[];
}

const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });

export const auditSchema = {
  type: 'object',
  description: 'The audit trail: one tamper-evident event per security decision and per refused request (see docs/audit-trail.md).',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Write the audit trail.' },
    store: {
      type: 'string',
      default: '.portcullis/audit.db',
      description: 'Where events go: a SQLite file (relative to the config file; its folder is created) or a postgres:// URL (`?schema=name` picks the schema).',
    },
    sampleAllowed: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'Share of allowed requests (no denial, no finding) that also get an event: 0 none, 1 all. Decisions and refusals are always recorded.',
    },
    chain: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.:/-]{1,100}$',
      description: 'Name of this gateway\'s hash chain (default: the host name; cluster workers add "/w<slot>"). Each writer needs its own; a restart continues it.',
    },
    signingKey: { type: 'string', description: 'Path of the Ed25519 private key (PEM) that signs checkpoints (`portcullis audit-log keygen`). Without it checkpoints are unsigned.' },
    checkpointEvery: { type: 'integer', minimum: 1, default: 1000, description: 'Take a checkpoint after this many events.' },
    checkpointInterval: dur('...and at least this often while events arrive (and at shutdown).', '1m'),
    retention: dur('Delete events older than this (at a checkpoint boundary); 0 keeps them forever. `audit-log verify -c` checks the trail against it: a chain whose beginning is gone sooner (with 0: at all) fails.', '90d'),
    bufferSize: {
      type: 'integer',
      minimum: 10,
      default: 10000,
      description: 'Events held in memory while waiting for the store. Allowed-request events may use half of it (then they are dropped and counted); denials the rest (beyond: counted and logged as errors).',
    },
    batchSize: { type: 'integer', minimum: 1, maximum: 5000, default: 500, description: 'Events written per store transaction.' },
    flushInterval: dur('Longest time an event waits in memory before it is written.', '250ms'),
    redact: { type: 'array', items: { type: 'string' }, default: [], description: 'More evidence field names whose values are replaced by "[REDACTED]" (credentials, tokens and keys always are).' },
  },
} as const;
