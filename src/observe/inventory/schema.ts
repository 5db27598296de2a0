// The `inventory:` section of portcullis.yaml (the config schema includes it) and its type.
import { durationSchema, sizeSchema } from '../../config/units.ts';
import type { Duration, Size } from '../../config/types.ts';

export interface InventoryConfig {
  enabled: boolean;
  schemas: { enabled: boolean; samples: number; maxBodySize: Size; streamedRate: number };
  persist: boolean;
  store?: string;
  saveInterval: Duration;
}

export const inventorySchema = {
  type: 'object',
  description: 'Discovery: what the gateway records of every endpoint called (see docs/inventory.md).',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: true, description: 'Record every endpoint called (the inventory, its shadow, zombie and unused lists). Off: nothing is recorded, kept or served.' },
    schemas: {
      type: 'object',
      description: 'Inference of JSON body structures for the OpenAPI draft (types, properties, required, formats; never values).',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Infer the structure of JSON request and response bodies.' },
        samples: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'Bodies sampled per endpoint, per request and per response status class; then sampling stops for it.' },
        maxBodySize: { ...sizeSchema, default: '64kb', description: `Larger bodies are not sampled. ${sizeSchema.description}` },
        streamedRate: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: 0,
          description:
            'Share of streamed JSON responses (no response policy buffers them) copied up to maxBodySize as they pass, for sampling: 0 samples only bodies a policy already holds. Request bodies are sampled only when a policy read them.',
        },
      },
    },
    persist: { type: 'boolean', default: true, description: 'Keep the inventory across restarts in `store` (saved every saveInterval and at shutdown, loaded at start).' },
    store: {
      type: 'string',
      description: 'Where the inventory is kept: a SQLite file (relative to the config file) or a postgres:// URL. Default: `audit.store` when the audit trail is enabled; otherwise the inventory lives in memory only.',
    },
    saveInterval: { ...durationSchema, default: '30s', description: `How often the inventory is saved (at least 100ms). ${durationSchema.description}` },
  },
} as const;
