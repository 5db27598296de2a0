export const jsonLimitsSchema = {
  properties: {
    maxDepth: { type: 'integer', minimum: 1, maximum: 1000, default: 32, description: 'Deepest nesting of objects and arrays.' },
    maxKeys: { type: 'integer', minimum: 1, default: 10000, description: 'Object members in the whole document.' },
    maxStringLength: { type: 'integer', minimum: 1, default: 65536, description: 'Longest string (key or value), in characters.' },
    maxArrayLength: { type: 'integer', minimum: 1, default: 10000, description: 'Most items in one array.' },
  },
} as const;

export interface JsonLimitsConfig {
  maxDepth: number;
  maxKeys: number;
  maxStringLength: number;
  maxArrayLength: number;
}
