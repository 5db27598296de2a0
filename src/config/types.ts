// The validated configuration (defaults applied by the schema). Kept in step with schema.ts.
import type { AuditConfig } from '../observe/audit/schema.ts';
import type { AlertsConfig } from '../observe/alerts/schema.ts';
import type { InventoryConfig } from '../observe/inventory/schema.ts';

export type Duration = number | string;
export type Size = number | string;

export type PolicyConfigs = Record<string, (Record<string, unknown> & { mode: 'enforce' | 'report' }) | false>;

export interface ListenerConfig {
  name: string;
  host: string;
  port: number;
  tls?: {
    cert: string;
    key: string;
    minVersion: 'TLSv1.2' | 'TLSv1.3';
    hsts?: { maxAge: Duration; includeSubDomains: boolean; preload: boolean };
    clientCerts?: { ca: string | string[]; mode: 'required' | 'optional' };
  };
  redirectToHttps?: { port: number };
}

export interface UpstreamConfig {
  url: string;
  connections: number;
  keepAliveTimeout: Duration;
  hostHeader: 'upstream' | 'preserve';
  timeouts: { connect: Duration; headers: Duration; bodyIdle: Duration; total: Duration };
  retries: number;
  tls?: { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean };
}

export interface RouteConfig {
  path: string;
  methods?: string[];
  operationId?: string;
  upstream?: string;
  policies?: PolicyConfigs;
}

export interface ApiConfig {
  name: string;
  spec?: string;
  basePath?: string;
  upstream: string;
  stripBasePath: boolean;
  policies?: PolicyConfigs;
  operations?: Record<string, { policies?: PolicyConfigs; upstream?: string }>;
  routes?: RouteConfig[];
}

export interface GatewayConfig {
  listeners: ListenerConfig[];
  admin: { enabled: boolean; host: string; port: number; token?: string; metrics: boolean; api: boolean; store?: string; oidc?: AdminOidcConfig };
  audit: AuditConfig;
  inventory: InventoryConfig;
  alerts: AlertsConfig;
  limits: {
    maxHeaderSize: Size;
    maxHeaderCount: number;
    maxUrlLength: Size;
    maxBodySize: Size;
    headersTimeout: Duration;
    requestTimeout: Duration;
    keepAliveTimeout: Duration;
    maxConnectionsPerIp: number;
    drainTimeout: Duration;
  };
  forwarding: {
    trustedProxies: string[];
    mergeSlashes: boolean;
    pathParameters: boolean;
    pathVariants: boolean;
    methodOverride: boolean;
    requestIdHeader: string;
    xForwarded: boolean;
    forwarded: boolean;
  };
  log: { level: string; access: boolean; headers: string[]; redact: string[] };
  upstreams: Record<string, UpstreamConfig>;
  policies?: PolicyConfigs;
  apis: ApiConfig[];
}

export interface AdminOidcConfig {
  issuer: string;
  clientId: string;
  roles: string[];
  rolesClaim: string;
  nameClaim: string;
  scopes: string[];
}
