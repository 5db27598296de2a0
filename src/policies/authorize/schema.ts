const strings = (description: string) => ({ type: 'array', items: { type: 'string' }, description });

export const authorizeSchema = {
  properties: {
    defaultPolicy: {
      type: 'string',
      enum: ['allow', 'deny'],
      default: 'allow',
      description: 'deny: an operation with no rule (no roles, no scopes, not public) is refused to everybody (least privilege).',
    },
    operations: {
      type: 'object',
      default: {},
      description: 'Rules by operationId, added to what the document says (`x-portcullis-roles`, scopes of `security`).',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          roles: strings('The caller needs one of these roles.'),
          scopes: strings('The caller needs all of these scopes.'),
          public: { type: 'boolean', description: 'Anybody may call it, even with defaultPolicy deny.' },
        },
      },
    },
  },
} as const;

export interface OperationRuleConfig {
  roles?: string[];
  scopes?: string[];
  public?: boolean;
}

export interface AuthorizeConfig {
  defaultPolicy: 'allow' | 'deny';
  operations: Record<string, OperationRuleConfig>;
}
