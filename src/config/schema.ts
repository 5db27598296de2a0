// The JSON Schema of portcullis.yaml. It is the single source of truth: the loader validates with it
// (ajv, defaults applied), `portcullis schema` publishes it, and docs/configuration.md is generated from it.
import type { PolicyFactory } from '../core/policy.ts';
import { durationSchema, sizeSchema } from './units.ts';
import { auditSchema } from '../observe/audit/schema.ts';
import { inventorySchema } from '../observe/inventory/schema.ts';
import { alertsSchema } from '../observe/alerts/schema.ts';

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'integer', description, ...extra });
const bool = (description: string, dflt: boolean) => ({ type: 'boolean', description, default: dflt });
const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });
const size = (description: string, dflt: string) => ({ ...sizeSchema, description: `${description} ${sizeSchema.description}`, default: dflt });

function closed(description: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type: 'object', description, additionalProperties: false, properties, ...extra };
}

const tlsListener = closed('Serve HTTPS on this listener.', {
  cert: str('Path of the PEM certificate chain. Reloaded when the file changes or on SIGHUP.'),
  key: str('Path of the PEM private key.'),
  minVersion: { type: 'string', enum: ['TLSv1.2', 'TLSv1.3'], default: 'TLSv1.2', description: 'Oldest TLS version accepted.' },
  hsts: closed('Strict-Transport-Security sent on every response of this listener.', {
    maxAge: dur('max-age of the header.', '365d'),
    includeSubDomains: bool('Add includeSubDomains.', true),
    preload: bool('Add preload.', false),
  }),
  clientCerts: closed('Ask clients for a certificate (mutual TLS), verified against these CAs. auth-mtls / mtls schemes map it to a consumer.', {
    ca: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }], description: 'Path(s) of the PEM CA certificates that client certificates must chain to. Reloaded with the certificate.' },
    mode: { type: 'string', enum: ['required', 'optional'], default: 'required', description: 'required: the TLS handshake fails without a valid certificate (missing, untrusted, expired). optional: connections without one (or with an invalid one) are accepted; the auth policies decide (401).' },
  }, { required: ['ca'] }),
}, { required: ['cert', 'key'] });

const listener = closed('A port the gateway accepts API traffic on.', {
  name: str('A name for logs.', { default: 'main' }),
  host: str('Address to bind.', { default: '0.0.0.0' }),
  port: int('TCP port.', { minimum: 0, maximum: 65535 }),
  tls: tlsListener,
  redirectToHttps: closed('Answer every request on this plain-HTTP listener with a redirect to HTTPS.', {
    port: int('Port of the HTTPS listener to redirect to.', { minimum: 1, maximum: 65535, default: 443 }),
  }),
}, { required: ['port'] });

const limits = closed('HTTP hardening limits applied at the listener to every request.', {
  maxHeaderSize: size('Total size of the request head (request line and headers); more → 431.', '16kb'),
  maxHeaderCount: int('Number of request header fields; more → 431.', { minimum: 1, maximum: 1000, default: 100 }),
  maxUrlLength: size('Length of the request target; more → 414.', '8kb'),
  maxBodySize: size('Request body size when no request-size policy says otherwise; more → 413.', '1mb'),
  headersTimeout: dur('Time a client has to send the complete request head (slowloris guard) → 408.', '10s'),
  requestTimeout: dur('Time a client has to send the complete request → 408.', '60s'),
  keepAliveTimeout: dur('Idle time before a client keep-alive connection is closed.', '5s'),
  maxConnectionsPerIp: int('Concurrent connections one client address may hold; more are closed at once.', { minimum: 1, default: 256 }),
  drainTimeout: dur('On SIGTERM, how long in-flight requests may take before the process exits anyway.', '30s'),
}, { default: {} });

const forwarding = closed('How client information is passed upstream.', {
  trustedProxies: {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description: 'Addresses or CIDR ranges of proxies in front of the gateway. Their X-Forwarded-For, Forwarded and X-Request-Id are believed; everybody else\'s are replaced.',
  },
  mergeSlashes: bool('Merge "//" in paths into "/" (otherwise 400).', true),
  pathParameters: bool('Accept ";" path parameters ("/users/42;v=1"). Off: 400, because servers read them differently (Tomcat and Spring drop ";..." from a segment before routing, others keep it), so the gateway and the upstream could see different operations. Turn on only for an upstream that keeps them as part of the segment.', false),
  pathVariants: bool('Route variants of a documented path like any other path: a segment that differs from a documented one only by letter case ("/users/ME" beside "/users/me", "/v1/REPORT-5" beside "/v1/report-{id}"), or a trailing slash ("/users/me/"), trailing dots or spaces ("/login.", "/login%20"), or, where a catch-all would take it, a suffix ("/login.json"). Off: 400 when the variant would reach another operation, because lenient upstreams (Express, ASP.NET, Spring, IIS) would serve that operation while the gateway applied the policies of a template or catch-all. Turn on only for an upstream that routes case-sensitively and strictly.', false),
  methodOverride: bool('Forward method overrides: the X-HTTP-Method-Override, X-HTTP-Method and X-Method-Override headers, and a "_method" field in the query string, form body or JSON body of a POST (Rails, Laravel, Symfony and Express\'s method-override read it). Off: 400, because the upstream would run another method\'s handler than the one the policies authorized; POST form bodies are then read whole to look for the field, and JSON bodies checked whole as they stream (their last chunk held back until then). Turn on only for an upstream that ignores them.', false),
  requestIdHeader: str('Header that carries the request id both ways.', { default: 'x-request-id' }),
  xForwarded: bool('Set X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host.', true),
  forwarded: bool('Set the RFC 7239 Forwarded header.', true),
}, { default: {} });

const upstreamTls = closed('TLS to the upstream (https URLs). Certificates are always verified unless told otherwise.', {
  ca: str('Path of a PEM CA bundle to trust instead of the system store.'),
  cert: str('Path of a PEM client certificate (mutual TLS to the upstream).'),
  key: str('Path of the PEM key of the client certificate.'),
  servername: str('SNI and the name the certificate must match, when not the URL host.'),
  rejectUnauthorized: bool('Verify the upstream certificate. Turning this off is logged as a warning.', true),
});

const upstream = closed('A service the gateway forwards to.', {
  url: str('Base URL, http:// or https://. Its path is prefixed to forwarded paths.', { pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' }),
  connections: int('Maximum pooled connections to this upstream.', { minimum: 1, default: 128 }),
  keepAliveTimeout: dur('How long an idle pooled connection is kept.', '30s'),
  hostHeader: { type: 'string', enum: ['upstream', 'preserve'], default: 'upstream', description: 'Host sent upstream: the upstream\'s own, or the client\'s.' },
  timeouts: closed('Upstream timeouts; a timeout answers 504.', {
    connect: dur('To establish a connection.', '5s'),
    headers: dur('From sending the request to the response head.', '30s'),
    bodyIdle: dur('Between two chunks of the response body.', '30s'),
    total: dur('For the whole exchange.', '60s'),
  }, { default: {} }),
  retries: int('Retries of idempotent requests without a body after a connect failure.', { minimum: 0, maximum: 3, default: 1 }),
  tls: upstreamTls,
}, { required: ['url'] });

export function policiesSchema(factories: readonly PolicyFactory[]) {
  const properties: Record<string, unknown> = {};
  for (const f of factories) {
    properties[f.name] = {
      description: `${f.description} Set to false to turn off a policy inherited from an outer level.`,
      type: ['object', 'boolean'],
      not: { const: true },
      additionalProperties: false,
      ...f.schema,
      properties: {
        mode: { type: 'string', enum: ['enforce', 'report'], default: 'enforce', description: 'report: decide and log, but let the request through.' },
        ...(f.schema.properties as Record<string, unknown> | undefined),
      },
    };
  }
  return { type: 'object', description: 'Policies by name. The lifecycle phase of each policy fixes its order.', additionalProperties: false, properties };
}

export function buildConfigSchema(factories: readonly PolicyFactory[]) {
  const policies = policiesSchema(factories);
  const route = closed('An explicit route, for APIs without an OpenAPI document or in addition to it.', {
    path: str('Path template below the API base path: "/items/{id}", or ending with "/*" to match everything below.', { pattern: '^/' }),
    methods: { type: 'array', items: { type: 'string', pattern: '^[A-Z]+$' }, description: 'Methods; all when absent.' },
    operationId: str('Name used in logs and for per-operation settings.'),
    upstream: str('Upstream name, when not the API\'s.'),
    policies,
  }, { required: ['path'] });
  const api = closed('An API: a base path, where to forward it, and what protects it.', {
    name: str('Unique name of the API.', { pattern: '^[A-Za-z0-9_.-]+$' }),
    spec: str('Path of the OpenAPI 3.0/3.1 or Swagger 2.0 document (converted to 3.0 at load: body and formData parameters become request bodies, definitions components). Every operation in it is routed; each needs its own operationId (two operations with one are refused: they would share one set of policies). Operations without one are named "METHOD /path".'),
    basePath: str('Mount point of the API; defaults to the path of the document\'s first server URL.', { pattern: '^(/[^\\s?#]*)?$' }),
    upstream: str('Name of an entry in `upstreams`.'),
    stripBasePath: bool('Forward paths without the base path (the upstream URL\'s own path is still prefixed).', false),
    policies,
    operations: {
      type: 'object',
      description: 'Per-operation settings by operationId (from the document or the routes).',
      additionalProperties: closed('Settings of one operation.', { policies, upstream: str('Upstream name, when not the API\'s.') }),
    },
    routes: { type: 'array', items: route },
  }, { required: ['name', 'upstream'] });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:portcullis:config',
    title: 'Portcullis gateway configuration',
    ...closed('Portcullis gateway configuration.', {
      $schema: str('Editor hint; ignored.'),
      listeners: { type: 'array', items: listener, minItems: 1, default: [{ port: 8080 }], description: 'Where API traffic is accepted.' },
      admin: closed('The admin listener: /healthz, /readyz (and more as features are added). Keep it off the public network.', {
        enabled: bool('Run the admin listener.', true),
        host: str('Address to bind.', { default: '127.0.0.1' }),
        port: int('TCP port.', { minimum: 0, maximum: 65535, default: 9901 }),
        token: str('Bearer token required on /api/* and /metrics (use ${file:PATH} to read it from a file). /healthz and /readyz stay open. Without it the admin API and metrics are open to whoever reaches the admin listener, except the dashboard\'s consumer and key routes and changes to anomaly blocks, which stay closed; requests must then name the listener by IP address, localhost or admin.host in Host (421 otherwise: a web page rebinding its own name to the admin address cannot read it).', { minLength: 16 }),
        metrics: bool('Serve Prometheus metrics at /metrics. Off (or the admin listener off): no metrics are recorded either.', true),
        api: bool('Serve the admin API at /api/* (events, stats, inventory; see docs/admin-api.yaml). Off (or the admin listener off): the live stats it serves (top consumers, addresses, operations) are not kept either.', true),
        store: str('Store of consumers and API keys that the dashboard manages (a SQLite file path or a postgres:// URL), usually the `store` of your api-key policy.'),
        oidc: closed('Single sign-on to the dashboard and the admin API with an OpenID Connect provider (docs/dashboard.md): the dashboard signs in with the authorization code flow and PKCE, and sends the ID token as its credential; only users with one of `roles` get in. Works beside `token`.', {
          issuer: str('The provider\'s issuer URL (its discovery document is at <issuer>/.well-known/openid-configuration).', { pattern: '^https?://' }),
          clientId: str('The dashboard\'s client id at the provider (a public client: no secret; register <admin URL>/ as its redirect URI).', { minLength: 1 }),
          roles: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Roles (values of `rolesClaim`) allowed in; a user with none of them gets 403.' },
          rolesClaim: str('ID token claim holding the user\'s roles (a name or a dot path, e.g. realm_access.roles).', { default: 'roles' }),
          nameClaim: str('ID token claim shown as the signed-in user\'s name.', { default: 'name' }),
          scopes: { type: 'array', items: { type: 'string' }, default: ['openid', 'profile', 'email'], description: 'Scopes the dashboard asks for (openid is always sent).' },
        }, { required: ['issuer', 'clientId', 'roles'] }),
      }, { default: {} }),
      audit: auditSchema,
      inventory: inventorySchema,
      alerts: alertsSchema,
      limits,
      forwarding,
      log: closed('Logging.', {
        level: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'Level of the gateway log.' },
        access: bool('One JSON line per request.', true),
        headers: { type: 'array', items: { type: 'string' }, default: [], description: 'Request headers to include in the access log. Credentials among them are redacted: Authorization, Cookie and any header whose name holds key, token, secret, passw, auth, signature, session, cookie or credential, and every header an authentication policy reads a credential from (an API key header named X-Partner-Id).' },
        redact: { type: 'array', items: { type: 'string' }, default: [], description: 'More header names whose values are always redacted.' },
      }, { default: {} }),
      upstreams: { type: 'object', description: 'Upstream services by name.', additionalProperties: upstream, default: {} },
      policies: { ...policies, description: 'Policies applied to every request before routing (ip-filter, request-size) and inherited by every API.' },
      apis: { type: 'array', items: api, description: 'The APIs behind the gateway.', default: [] },
    }),
  };
}
