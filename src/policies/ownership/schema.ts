import { onOversizeSchema, type OnOversize } from '../shared/oversize.ts';

const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['claim'],
  properties: {
    path: { type: 'string', description: 'Path parameter that must equal the claim.' },
    query: { type: 'string', description: 'Query parameter that must equal the claim.' },
    header: { type: 'string', description: 'Request header that must equal the claim.' },
    response: { type: 'string', pattern: '^\\$(\\.[A-Za-z_][A-Za-z0-9_-]*|\\[\\*\\])+$', description: 'Field of the JSON response that must equal the claim: "$.ownerId", "$.owner.id", or "$.items[*].ownerId" (items the caller does not own are removed).' },
    claim: { type: 'string', description: 'Identity claim compared with ("sub" is the subject; API-key consumers use their metadata).' },
    overrideRoles: { type: 'array', items: { type: 'string' }, description: 'Roles that may access any object.' },
  },
} as const;

export const ownershipSchema = {
  properties: {
    operations: { type: 'object', default: {}, additionalProperties: { type: 'array', items: rule }, description: 'Rules by operationId, in addition to the document\'s x-portcullis-owner.' },
    overrideRoles: { type: 'array', items: { type: 'string' }, default: [], description: 'Roles that may access any object, for every rule.' },
    maxBodySize: { type: ['integer', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?(b|kb|mb|gb)$', default: '1mb', description: 'Largest response checked by a response rule; larger ones are withheld (502, fail closed).' },
    onOversize: onOversizeSchema,
    othersObjects: {
      type: 'string',
      enum: ['forbidden', 'not-found'],
      default: 'forbidden',
      description:
        "How an object of another caller is refused: 403 PCL_ERR_FORBIDDEN, or 404 PCL_ERR_OBJECT_NOT_FOUND like an object that does not exist, so its existence is not told (an upstream that answers 404 for both would otherwise gain an oracle: ids of others get 403, unknown ids 404).",
    },
  },
} as const;

export interface OwnerRule {
  path?: string;
  query?: string;
  header?: string;
  response?: string;
  claim: string;
  overrideRoles?: string[];
}

export interface OwnershipConfig {
  operations: Record<string, OwnerRule[]>;
  overrideRoles: string[];
  maxBodySize: number | string;
  onOversize: OnOversize;
  othersObjects: 'forbidden' | 'not-found';
}
