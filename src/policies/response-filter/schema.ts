import { onOversizeSchema, type OnOversize } from '../shared/oversize.ts';
import { sizeSchema } from '../../config/units.ts';

export const responseFilterSchema = {
  properties: {
    undeclared: { type: 'string', enum: ['remove', 'keep'], default: 'remove', description: 'Properties the response schema does not declare (unless it allows additional ones): removed, or kept.' },
    sensitive: { type: 'array', items: { type: 'string' }, default: [], description: 'Property names always removed, wherever they appear (in addition to writeOnly and x-portcullis-sensitive ones).' },
    visibleTo: {
      type: 'array',
      default: [],
      description: 'Properties (by name, at any depth) only callers with one of `roles` may see, in addition to `x-portcullis-read-roles` on schema properties.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['property', 'roles'],
        properties: { property: { type: 'string', minLength: 1 }, roles: { type: 'array', items: { type: 'string' } } },
      },
    },
    otherTypes: {
      type: 'string',
      enum: ['withhold', 'pass'],
      default: 'withhold',
      description:
        'A 2xx body whose media type the document does not declare for that response, where it declares a JSON schema (text/plain, JSONP, no type...): filtered if it parses as JSON, otherwise withheld (502, fail closed) or passed unchecked.',
    },
    maxBodySize: { ...sizeSchema, default: '1mb', description: `Largest response body filtered; a larger one is withheld (502, fail closed). ${sizeSchema.description}` },
    onOversize: onOversizeSchema,
  },
} as const;

export interface ResponseFilterConfig {
  undeclared: 'remove' | 'keep';
  otherTypes: 'withhold' | 'pass';
  sensitive: string[];
  visibleTo: { property: string; roles: string[] }[];
  maxBodySize: number | string;
  onOversize: OnOversize;
}
