export const paginationSchema = {
  properties: {
    action: {
      type: 'string',
      enum: ['clamp', 'reject'],
      default: 'clamp',
      description: 'A page size above its maximum: clamp = forward the maximum instead; reject = 400.',
    },
    params: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: ['limit', 'pageSize', 'page_size', 'perPage', 'per_page'],
      description: 'Query parameters that are page sizes.',
    },
    max: { type: 'integer', minimum: 1, description: 'Maximum for page-size parameters whose OpenAPI schema has no `maximum` (and for APIs without a document).' },
  },
} as const;

export interface PaginationConfig {
  action: 'clamp' | 'reject';
  params: string[];
  max?: number;
}
