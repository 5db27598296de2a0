// JSON Schema of a client-certificate (mutual TLS) scheme, for auth-mtls and the `mtls:` schemes of
// auth-schemes: which verified certificates map to which consumers.
import { consumerIdentityProperties } from './consumer-schema.ts';

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });

const certificate = {
  type: 'object',
  additionalProperties: false,
  description: 'One way to recognize a certificate: exactly one of cn, san or sha256, and optionally the CA it must come from.',
  properties: {
    cn: str('Subject common name, exactly.', { minLength: 1 }),
    san: str('A subjectAltName entry as "DNS:partner.example", "URI:spiffe://example.org/partner", "email:ops@example.com" or "IP:192.0.2.1".', { pattern: '^(DNS|URI|email|IP):.+' }),
    sha256: str('SHA-256 fingerprint of the DER certificate, hex (colons allowed).', { pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$' }),
    issuer: {
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
      description:
        'The CA(s) the certificate must chain to (any one): SHA-256 fingerprints of CA certificates (hex, colons allowed), paths of PEM files (relative to the config file) or PEM text (`${file:...}`). Checked by signatures along the chain, never by names. Required for cn and san when the listener trusts more than one client CA (otherwise 401): any of them could issue that name. A fingerprint must be of a CA in the listener\'s clientCerts.ca; an intermediate CA outside it needs its PEM.',
    },
  },
  oneOf: ['cn', 'san', 'sha256'].map((k) => ({ properties: { [k]: true }, required: [k] })),
};

const consumer = {
  type: 'object',
  additionalProperties: false,
  description: 'A consumer recognized by its client certificate(s).',
  properties: {
    ...consumerIdentityProperties,
    certificates: { type: 'array', items: certificate, minItems: 1, description: 'Its certificates (any one matches): by sha256 first, then san, then cn.' },
  },
  required: ['id', 'certificates'],
};

export const mtlsSchemeProperties = {
  consumers: { type: 'array', items: consumer, default: [], description: 'Consumers and the certificates that identify them.' },
  allowUnmapped: { type: 'boolean', default: false, description: 'Accept a verified certificate that maps to no consumer (identity: subject = its CN, no consumer id). Off: such a certificate gets 401.' },
};

export interface MtlsSchemeConfig {
  consumers: { id: string; roles: string[]; scopes: string[]; tier?: string; metadata: Record<string, unknown>; certificates: { cn?: string; san?: string; sha256?: string; issuer?: string | string[] }[] }[];
  allowUnmapped: boolean;
}
