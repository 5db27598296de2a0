// Everything a config compiles into, built once at load: upstream pools, the route trie, and the
// policy chain of every operation. A request reads one Runtime from start to end, so a reload never
// changes the rules under a request in flight.
import type { Logger } from 'pino';
import { ConfigError, jsonPath, type ConfigIssue, type LoadedConfig } from '../config/load.ts';
import type { JsonPath } from '../config/source.ts';
import type { GatewayConfig, PolicyConfigs } from '../config/types.ts';
import { toBytes, toMs } from '../config/units.ts';
import { buildChain, type Chain } from '../core/pipeline.ts';
import { own } from '../core/own.ts';
import type { PolicyInstance, PolicyScope } from '../core/policy.ts';
import { listOperations, specBasePath, type SpecOperation } from '../openapi/operations.ts';
import { loadSpec, SpecError, type LoadedSpec } from '../openapi/load.ts';
import { convertSwagger2 } from '../openapi/swagger2.ts';
import { AddressList } from '../policies/ip-filter/cidr.ts';
import { POLICIES_BY_NAME, POLICY_FACTORIES } from '../policies/index.ts';
import { consumerBlockStep } from '../observe/anomaly/block-check.ts';
import { sharedBlocks, type Blocks } from '../observe/anomaly/blocks.ts';
import { enforcing } from '../observe/anomaly/detectors.ts';
import type { ForwardOptions } from './forward-headers.ts';
import { RouteConflictError, Router } from './router.ts';
import { createUpstream, type Upstream } from './upstream.ts';

export interface CompiledRoute {
  readonly api: string;
  readonly operationId: string;
  readonly upstream: Upstream;
  /** Length of the API base path to remove before forwarding (0 to keep it). */
  readonly strip: number;
  readonly chain: Chain;
  readonly deprecated: boolean;
}

/** One routed operation as the inventory lists it. */
export interface RouteInfo {
  readonly api: string;
  readonly operationId: string;
  readonly method: string;
  /** Full path template, base path included ("/api/v2/orders/{orderId}", "/*"). */
  readonly path: string;
  readonly deprecated: boolean;
  /** From the API's OpenAPI document (false: a `routes` entry of the config). */
  readonly documented: boolean;
}

interface ApiDocument {
  readonly spec: LoadedSpec;
  readonly operations: ReadonlyMap<string, SpecOperation>;
}

export interface Runtime {
  readonly config: GatewayConfig;
  readonly file: string;
  readonly router: Router<CompiledRoute>;
  /** Global listen-phase policies, run before routing. */
  readonly preRoute: Chain;
  /** Global policies of later phases: their response hooks dress 404s and early refusals too. */
  readonly globalHead: Chain;
  readonly trustedProxies: AddressList;
  readonly limits: {
    readonly maxBody: number;
    readonly maxHeaderCount: number;
    readonly maxUrlLength: number;
  };
  readonly reservedHeaders: ReadonlySet<string>;
  readonly forwardOptions: ForwardOptions;
  /** Every routed operation, for the inventory. */
  readonly routes: readonly RouteInfo[];
  /** Callers blocked by anomaly detectors, when one is in enforce mode. */
  readonly blocks: Blocks | undefined;
  close(): Promise<void>;
}

export async function compileRuntime(loaded: LoadedConfig, logger: Logger): Promise<Runtime> {
  const { config, baseDir, source, file } = loaded;
  const issues: ConfigIssue[] = [];
  const issue = (path: JsonPath, message: string) => issues.push({ file, ...source.locate(path), path: jsonPath(path), message });

  let trustedProxies = new AddressList([]);
  try {
    trustedProxies = new AddressList(config.forwarding.trustedProxies);
  } catch (error) {
    issue(['forwarding', 'trustedProxies'], (error as Error).message);
  }

  const upstreams = new Map<string, Upstream>();
  for (const [name, u] of Object.entries(config.upstreams)) {
    try {
      upstreams.set(name, createUpstream(name, u, baseDir));
      if (u.tls?.rejectUnauthorized === false) logger.warn({ upstream: name }, 'upstream TLS certificate verification is OFF');
    } catch (error) {
      issue(['upstreams', name], `cannot set up the upstream: ${(error as Error).message}`);
    }
  }

  const reservedHeaders = new Set<string>();
  const credentialHeaders = new Set<string>();
  const readHeaders = new Set<string>();
  const created: PolicyInstance[] = [];
  const instantiate = (name: string, options: PolicyConfigs[string], scope: PolicyScope, path: JsonPath, api?: ApiDocument): PolicyInstance | undefined => {
    if (options === false) return undefined;
    const factory = POLICIES_BY_NAME.get(name)!;
    try {
      const hooks = factory.create(options, { logger: logger.child({ policy: name }), scope, baseDir, ...api });
      for (const h of hooks.reservedHeaders ?? []) reservedHeaders.add(h.toLowerCase());
      for (const h of hooks.credentialHeaders ?? []) credentialHeaders.add(h.toLowerCase());
      for (const h of hooks.readHeaders ?? []) readHeaders.add(h.toLowerCase());
      const instance: PolicyInstance = { ...hooks, name, phase: factory.phase, mode: options.mode };
      created.push(instance);
      return instance;
    } catch (error) {
      issue(path, (error as Error).message);
      return undefined;
    }
  };

  const globalScope: PolicyScope = { api: undefined, operationId: undefined };
  const globalInstances = new Map<string, PolicyInstance>();
  for (const [name, options] of Object.entries(config.policies ?? {})) {
    const instance = instantiate(name, options, globalScope, ['policies', name]);
    if (instance) globalInstances.set(name, instance);
  }
  // Anomaly blocks: the consumer check runs first in the authorize phase of every chain that authenticates.
  const blocks = enforcing(config.alerts.anomalies) ? sharedBlocks() : undefined;
  const blockStep = blocks && consumerBlockStep(blocks);
  const chainOf = (instances: readonly PolicyInstance[]): Chain =>
    orderedChain(blockStep && instances.some((p) => p.phase === 'authenticate') ? [blockStep, ...instances] : instances);
  const preRoute = chainOf([...globalInstances.values()].filter((p) => p.phase === 'listen'));
  const inherited = [...globalInstances.values()].filter((p) => p.phase !== 'listen');

  const router = new Router<CompiledRoute>({ pathVariants: config.forwarding.pathVariants });
  const routes: RouteInfo[] = [];
  for (const [i, api] of config.apis.entries()) {
    const apiPath: JsonPath = ['apis', i];
    let spec: LoadedSpec | undefined;
    let specOperations: SpecOperation[] = [];
    if (api.spec) {
      try {
        spec = await loadSpec(resolvePath(baseDir, api.spec));
        if (spec.version === '2.0') spec = await convertSwagger2(spec);
        specOperations = listOperations(spec);
        // Operations are told apart by operationId (their policies, rules and security plans): two
        // with one id would share one plan, and a public one's could serve a protected one.
        const seen = new Map<string, SpecOperation>();
        for (const o of specOperations) {
          const first = seen.get(o.operationId);
          if (first !== undefined) throw new SpecError(`operationId "${o.operationId}" is used by two operations (${first.method} ${first.path} and ${o.method} ${o.path}): each operation needs its own (OpenAPI requires them unique)`);
          seen.set(o.operationId, o);
        }
      } catch (error) {
        issue([...apiPath, 'spec'], error instanceof SpecError ? error.message : `cannot load the OpenAPI document: ${(error as Error).message}`);
        continue;
      }
    }
    for (const o of specOperations) for (const p of o.parameters) if (p.in === 'header' && typeof p.name === 'string') readHeaders.add(p.name.toLowerCase());
    const document: ApiDocument | undefined = spec ? { spec, operations: new Map(specOperations.map((o) => [o.operationId, o])) } : undefined;
    const apiInstances = new Map(inherited.map((p) => [p.name, p] as const));
    for (const [name, options] of Object.entries(api.policies ?? {})) {
      apiInstances.delete(name);
      const instance = instantiate(name, options, { api: api.name, operationId: undefined }, [...apiPath, 'policies', name], document);
      if (instance) apiInstances.set(name, instance);
    }
    const apiChain = chainOf([...apiInstances.values()]);
    const chainFor = (operationId: string, overrides: PolicyConfigs | undefined, at: JsonPath): Chain => {
      if (!overrides) return apiChain;
      const instances = new Map(apiInstances);
      for (const [name, options] of Object.entries(overrides)) {
        instances.delete(name);
        const instance = instantiate(name, options, { api: api.name, operationId }, [...at, name], document);
        if (instance) instances.set(name, instance);
      }
      return chainOf([...instances.values()]);
    };

    let basePath = api.basePath ?? '';
    const entries: { method: string; template: string; operationId: string; upstream?: string; policies?: PolicyConfigs; at: JsonPath; deprecated: boolean; documented: boolean }[] = [];
    if (spec) {
      if (api.basePath === undefined) basePath = specBasePath(spec);
      for (const op of specOperations) {
        const settings = own(api.operations, op.operationId);
        entries.push({ method: op.method, template: op.path, operationId: op.operationId, upstream: settings?.upstream, policies: settings?.policies, at: [...apiPath, 'operations', op.operationId, 'policies'], deprecated: op.deprecated, documented: true });
      }
    }
    for (const [j, route] of (api.routes ?? []).entries()) {
      const operationId = route.operationId ?? `${route.methods?.join(',') ?? '*'} ${route.path}`;
      const settings = own(api.operations, operationId);
      for (const method of route.methods ?? ['*']) {
        entries.push({ method, template: route.path, operationId, upstream: route.upstream ?? settings?.upstream, policies: { ...settings?.policies, ...route.policies }, at: [...apiPath, 'routes', j, 'policies'], deprecated: false, documented: false });
      }
    }
    const known = new Set(entries.map((e) => e.operationId));
    for (const op of Object.keys(api.operations ?? {})) {
      if (!known.has(op)) issue([...apiPath, 'operations', op], `no operation "${op}" in this API's document or routes`);
    }
    for (const e of entries) {
      const upstream = upstreams.get(e.upstream ?? api.upstream);
      if (!upstream) continue; // reported by the loader or above
      const compiled: CompiledRoute = {
        api: api.name,
        operationId: e.operationId,
        upstream,
        strip: api.stripBasePath ? basePath.length : 0,
        chain: chainFor(e.operationId, e.policies && Object.keys(e.policies).length ? e.policies : undefined, e.at),
        deprecated: e.deprecated,
      };
      const fullPath = `${basePath}${e.template === '/' && basePath ? '' : e.template}` || '/';
      routes.push({ api: api.name, operationId: e.operationId, method: e.method, path: fullPath, deprecated: e.deprecated, documented: e.documented });
      try {
        router.add(e.method, fullPath, compiled);
      } catch (error) {
        if (!(error instanceof RouteConflictError)) throw error;
        issue(apiPath, `route conflict: ${error.message}`);
      }
    }
  }

  // Pools close once their in-flight requests are done; then the policies release what they hold.
  const close = async () => {
    await Promise.allSettled([...upstreams.values()].map((u) => u.pool.close()));
    await Promise.allSettled(created.map(async (p) => p.close?.()));
  };
  if (issues.length) {
    await close();
    throw new ConfigError(issues);
  }
  return {
    config,
    file,
    router,
    preRoute,
    globalHead: chainOf(inherited),
    trustedProxies,
    limits: {
      maxBody: toBytes(config.limits.maxBodySize),
      maxHeaderCount: config.limits.maxHeaderCount,
      maxUrlLength: toBytes(config.limits.maxUrlLength),
    },
    reservedHeaders,
    forwardOptions: {
      requestIdHeader: config.forwarding.requestIdHeader,
      xForwarded: config.forwarding.xForwarded,
      forwarded: config.forwarding.forwarded,
      reserved: reservedHeaders,
      credentials: credentialHeaders,
      readHeaders,
    },
    routes,
    blocks,
    close,
  };
}

export function listenerTimeouts(config: GatewayConfig) {
  return {
    headersTimeout: toMs(config.limits.headersTimeout),
    requestTimeout: toMs(config.limits.requestTimeout),
    keepAliveTimeout: toMs(config.limits.keepAliveTimeout),
    maxHeaderSize: toBytes(config.limits.maxHeaderSize),
  };
}

function resolvePath(baseDir: string, path: string): string {
  return path.startsWith('/') ? path : `${baseDir}/${path}`;
}

const REGISTRY_RANK = new Map(POLICY_FACTORIES.map((f, i) => [f.name, i]));

/** A chain in lifecycle order; within a phase, in registry order (never the config's key order; built-in steps first). */
function orderedChain(instances: readonly PolicyInstance[]): Chain {
  return buildChain([...instances].sort((a, b) => (REGISTRY_RANK.get(a.name) ?? -1) - (REGISTRY_RANK.get(b.name) ?? -1)));
}
