import { sizeSchema } from '../../config/units.ts';

export const validateSchema = {
  properties: {
    unknownQueryParams: { type: 'string', enum: ['reject', 'allow'], default: 'reject', description: 'Query parameters the operation does not declare: refused (400) or let through.' },
    responses: {
      type: 'string',
      enum: ['report', 'enforce', 'off'],
      default: 'report',
      description: 'Upstream responses checked against the document (status documented, body matching its schema): `report` logs and records violations, `enforce` answers 502 instead, `off` skips the check.',
    },
    responseSample: { type: 'number', minimum: 0, maximum: 1, default: 1, description: 'In `report` mode, the share of responses checked (0 to 1): lower it to bound the cost on busy operations.' },
    maxResponseSize: { ...sizeSchema, default: '1mb', description: `Largest response body checked; in \`report\` mode a larger one passes unchecked, in \`enforce\` mode it is withheld (502). ${sizeSchema.description}` },
    maxJsonDepth: { type: 'integer', minimum: 1, maximum: 512, default: 32, description: 'Deepest nesting of a JSON body (400 beyond).' },
    multipart: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Limits of `multipart/form-data` bodies (the whole body is bounded by the request body limit).',
      properties: {
        maxParts: { type: 'integer', minimum: 1, maximum: 10000, default: 100, description: 'Most parts in one body (400 beyond).' },
        maxFileSize: { ...sizeSchema, default: '10mb', description: `Largest file part (400 beyond). ${sizeSchema.description}` },
      },
    },
  },
} as const;

export interface ValidateConfig {
  unknownQueryParams: 'reject' | 'allow';
  maxJsonDepth: number;
  responses: 'report' | 'enforce' | 'off';
  responseSample: number;
  maxResponseSize: number | string;
  multipart: { maxParts: number; maxFileSize: number | string };
}
