import { sizeSchema } from '../../config/units.ts';

export const responseFilterSchema = {
  properties: {
    undeclared: { type: 'string', enum: ['remove', 'keep'], default: 'remove', description: 'Properties the response schema does not declare (unless it allows additional ones): removed, or kept.' },
    sensitive: { type: 'array', items: { type: 'string' }, default: [], description: 'Property names always removed, wherever they appear (in addition to writeOnly and x-portcullis-sensitive ones).' },
    maxBodySize: { ...sizeSchema, default: '1mb', description: `Largest response body filtered; a larger one is withheld (502, fail closed). ${sizeSchema.description}` },
  },
} as const;

export interface ResponseFilterConfig {
  undeclared: 'remove' | 'keep';
  sensitive: string[];
  maxBodySize: number | string;
}
