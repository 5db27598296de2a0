import { introspectionRequired, introspectionSchemeProperties, type IntrospectionSchemeConfig } from '../../auth/introspection-schema.ts';
import { mtlsSchemeProperties, type MtlsSchemeConfig } from '../../auth/mtls-schema.ts';
import { signatureSchemeProperties, type SignatureSchemeConfig } from '../../auth/signature-schema.ts';
import { apiKeySchemeProperties, commonProperties, jwtSchemeProperties, type ApiKeySchemeConfig, type CommonConfig, type JwtSchemeConfig } from '../../auth/schema.ts';

const alternatives = {
  type: 'array',
  items: { type: 'array', items: { type: 'string' } },
  description: 'Alternatives (any one is enough), each a list of scheme names (all needed); [] among them lets anonymous calls through.',
};

export const authSchemesSchema = {
  properties: {
    schemes: {
      type: 'object',
      description: 'Schemes by name (use the OpenAPI securitySchemes names): each `{ jwt: {...} }`, `{ apiKey: {...} }`, `{ introspection: {...} }`, `{ mtls: {...} }` or `{ signature: {...} }` with the options of auth-jwt / auth-apikey / auth-introspection / auth-mtls / auth-signature.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          jwt: { type: 'object', additionalProperties: false, properties: jwtSchemeProperties, required: ['issuers'] },
          apiKey: { type: 'object', additionalProperties: false, properties: apiKeySchemeProperties },
          introspection: { type: 'object', additionalProperties: false, properties: introspectionSchemeProperties, required: introspectionRequired },
          mtls: { type: 'object', additionalProperties: false, properties: mtlsSchemeProperties },
          signature: { type: 'object', additionalProperties: false, properties: signatureSchemeProperties, required: ['consumers'] },
        },
      },
    },
    require: {
      anyOf: [{ const: 'spec' }, alternatives],
      description: '"spec": each operation\'s OpenAPI `security` (the default when the API has a document); or alternatives such as [[bearerAuth], [apiKeyAuth]] for every operation (default without a document: any one scheme).',
    },
    operations: { type: 'object', additionalProperties: alternatives, default: {}, description: 'Requirements of single operations by operationId, overriding `require`.' },
    ...commonProperties,
  },
  required: ['schemes'],
} as const;

export type Alternatives = string[][];

export type AuthSchemesConfig = {
  schemes: Record<string, { jwt?: JwtSchemeConfig; apiKey?: ApiKeySchemeConfig; introspection?: IntrospectionSchemeConfig; mtls?: MtlsSchemeConfig; signature?: SignatureSchemeConfig }>;
  require?: 'spec' | Alternatives;
  operations: Record<string, Alternatives>;
} & CommonConfig;
