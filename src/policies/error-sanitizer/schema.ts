import { sizeSchema } from '../../config/units.ts';

export const errorSanitizerSchema = {
  properties: {
    serverErrors: {
      type: 'string',
      enum: ['replace', 'detected', 'keep'],
      default: 'replace',
      description: 'Upstream 5xx bodies: `replace` every one with a generic problem, replace only those that leak internals (`detected`: stack traces, SQL errors, framework error pages), or `keep` them.',
    },
    clientErrors: {
      type: 'string',
      enum: ['detected', 'keep'],
      default: 'detected',
      description: 'Upstream 4xx bodies: replaced when they leak internals (`detected`), or kept.',
    },
    maxBodySize: { ...sizeSchema, default: '256kb', description: `Largest error body read; a larger one is replaced unread. ${sizeSchema.description}` },
  },
} as const;

export interface ErrorSanitizerConfig {
  serverErrors: 'replace' | 'detected' | 'keep';
  clientErrors: 'detected' | 'keep';
  maxBodySize: number | string;
}
