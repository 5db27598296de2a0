export const validateSchema = {
  properties: {
    unknownQueryParams: { type: 'string', enum: ['reject', 'allow'], default: 'reject', description: 'Query parameters the operation does not declare: refused (400) or let through.' },
    maxJsonDepth: { type: 'integer', minimum: 1, maximum: 512, default: 32, description: 'Deepest nesting of a JSON body (400 beyond).' },
  },
} as const;

export interface ValidateConfig {
  unknownQueryParams: 'reject' | 'allow';
  maxJsonDepth: number;
}
