import { sizeSchema } from '../../config/units.ts';

export const requestSizeSchema = {
  properties: {
    maxBody: { ...sizeSchema, description: `Largest request body accepted (413 above). ${sizeSchema.description}` },
    maxQueryParams: { type: 'integer', minimum: 0, description: 'Most query parameters accepted (400 above).' },
  },
} as const;

export interface RequestSizeConfig {
  maxBody?: number | string;
  maxQueryParams?: number;
}
