// The gateway the ownership tests run (not a test itself): one API behind an API-key scheme, whose
// consumers carry the claims the owner rules compare, and the ownership policy.
import { createHash } from 'node:crypto';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

export interface OwnershipGatewayOptions {
  /** Extra keys of the upstream (retries, timeouts), as YAML flow entries. */
  readonly upstream?: string;
  readonly spec?: string;
  /** Consumers as `id: metadata` (flow YAML); each key is "<id>-key". */
  readonly consumers?: Readonly<Record<string, string>>;
  /** The ownership policy's options, indented 8 spaces ("{}" when none). */
  readonly ownership?: string;
}

/** alice (sub 1) by default; keys are "<id>-key"; a consumer named root has the admin role. */
export function ownershipGatewayYaml(upstreamUrl: string, o: OwnershipGatewayOptions = {}): string {
  const consumers = Object.entries(o.consumers ?? { alice: "{ sub: '1' }" })
    .map(([id, metadata]) => `                - { id: ${id}, roles: [${id === 'root' ? 'admin' : 'user'}], metadata: ${metadata}, keys: [{ sha256: ${sha(`${id}-key`)} }] }`)
    .join('\n');
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstreamUrl}${o.upstream ? `, ${o.upstream}` : ''} } }
apis:
  - name: api
    spec: ${o.spec ?? './spec.yaml'}
    upstream: backend
    policies:
      auth-schemes:
        schemes:
          key:
            apiKey:
              format: any
              consumers:
${consumers}
      ownership:${o.ownership ? `\n${o.ownership}` : ' {}'}
`;
}

/** Orders by id behind an API key, their owner read from the response: GET, PATCH and DELETE. */
export const ORDERS_SPEC = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
security: [{ key: [] }]
paths:
  /orders/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
    get:
      operationId: getOrder
      x-portcullis-owner: { response: $.ownerId, claim: sub }
      responses: { '200': { description: ok } }
    patch:
      operationId: updateOrder
      x-portcullis-owner: { response: $.ownerId, claim: sub }
      responses: { '200': { description: ok } }
    delete:
      operationId: cancelOrder
      x-portcullis-owner: { response: $.ownerId, claim: sub }
      responses: { '204': { description: cancelled } }
`;
