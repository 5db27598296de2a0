export const massAssignmentSchema = {
  properties: {
    action: { type: 'string', enum: ['reject', 'strip'], default: 'reject', description: 'A request body that sets properties it may not: refused (400), or forwarded without them.' },
    closedSchemas: {
      type: 'boolean',
      default: false,
      description: 'Treat object schemas that list properties but say nothing about others as closed (`additionalProperties: false`): undeclared properties are then not writable either.',
    },
    protected: {
      type: 'array',
      default: [],
      description: 'Properties (by name, at any depth, case ignored) only callers with one of `roles` may set, in addition to `x-portcullis-write-roles` on schema properties.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['property'],
        properties: {
          property: { type: 'string', minLength: 1 },
          roles: { type: 'array', items: { type: 'string' }, default: [], description: 'Roles allowed to set it; empty: nobody.' },
        },
      },
    },
  },
} as const;

export interface MassAssignmentConfig {
  action: 'reject' | 'strip';
  closedSchemas: boolean;
  protected: { property: string; roles: string[] }[];
}
