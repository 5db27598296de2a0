// The identity fields every consumer declaration shares, whatever identifies it (keys, certificates).
export const consumerIdentityProperties = {
  id: { type: 'string', minLength: 1, description: 'Consumer id.' },
  roles: { type: 'array', items: { type: 'string' }, default: [], description: 'Roles.' },
  scopes: { type: 'array', items: { type: 'string' }, default: [], description: 'Scopes.' },
  tier: { type: 'string', description: 'Rate-limit tier.' },
  metadata: { type: 'object', default: {}, description: 'Free-form data.' },
} as const;
