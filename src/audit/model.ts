// What the rules look at: the operations, parameters, bodies, responses, security and schemas of a loaded
// document, each with the JSON path where it is written in the root file. Built once per audit from the
// bundled tree (external files pulled in, internal $refs kept), so that a finding can name the line where a
// component is defined instead of every place that uses it. Schemas are walked once per direction with a
// visited set: linear in document size, safe on recursive schemas.
import type { JsonPath } from '../config/source.ts';
import type { LoadedSpec, SpecVersion } from '../openapi/load.ts';
import { listOperations } from '../openapi/operations.ts';
import { isAdminOperation, mayIssueCredentials } from './names.ts';

export type Node = Record<string, any>;

export interface Located {
  readonly node: Node;
  readonly path: JsonPath;
}

export interface AuditParameter extends Located {
  readonly name: string;
  readonly in: string;
  /** The schema of the value (3.x `schema` or `content`), or the parameter itself in Swagger 2.0. */
  readonly schema: Located | undefined;
}

export interface AuditMedia {
  readonly type: string;
  /** Where the schema is written (possibly a $ref); undefined when the media type has none. */
  readonly schema: Located | undefined;
}

export interface AuditResponse extends Located {
  readonly status: string;
  /** Lower-cased header name → the header object. */
  readonly headers: ReadonlyMap<string, Located>;
  readonly media: readonly AuditMedia[];
}

export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface AuditOperation {
  readonly node: Node;
  /** JSON path of the operation object: ["paths", "/users", "get"]. */
  readonly at: JsonPath;
  readonly method: string;
  readonly path: string;
  /** "GET /users/{id}" */
  readonly label: string;
  readonly operationId: string;
  readonly parameters: readonly AuditParameter[];
  readonly body: readonly AuditMedia[];
  readonly bodyAt: JsonPath | undefined;
  readonly responses: readonly AuditResponse[];
  /** Effective requirements (operation-level, else document-level); undefined when neither declares any. */
  readonly security: readonly SecurityRequirement[] | undefined;
  readonly securityAt: JsonPath;
  /** The operation sets `security` itself. */
  readonly explicitSecurity: boolean;
  readonly deprecated: boolean;
}

export interface SchemaVisit {
  readonly schema: Node;
  /** Where the schema is defined (a component's path when it was reached through a $ref). */
  readonly path: JsonPath;
  /** Property or parameter name the schema was first reached as. */
  readonly name: string | undefined;
  /** The first operation (in walk order) that reaches it. */
  readonly operation: AuditOperation;
  /** Reached as a branch of allOf / anyOf / oneOf. */
  readonly composed: boolean;
}

export interface AuditModel {
  readonly spec: LoadedSpec;
  readonly version: SpecVersion;
  readonly root: Node;
  readonly operations: readonly AuditOperation[];
  readonly securitySchemes: ReadonlyMap<string, Located>;
  /** Where the schemes are declared: components.securitySchemes or securityDefinitions. */
  readonly securitySchemesAt: JsonPath;
  readonly servers: readonly Located[];
  /** Schemas of parameters and request bodies, each once, readOnly ones left out. Admin operations are walked last. */
  readonly requestSchemas: readonly SchemaVisit[];
  /** Schemas of responses, each once, writeOnly ones left out. Operations that may issue credentials are walked last. */
  readonly responseSchemas: readonly SchemaVisit[];
  /** Follows local $refs; undefined for a missing target or a ref loop. */
  resolve(node: unknown, path: JsonPath): Located | undefined;
}

export function buildModel(spec: LoadedSpec): AuditModel {
  const root = (spec.bundled ?? spec.raw) as Node;
  const pointerCache = new Map<string, Located | undefined>();

  function lookup(ref: string): Located | undefined {
    if (pointerCache.has(ref)) return pointerCache.get(ref);
    let found: Located | undefined;
    if (ref === '#' || ref.startsWith('#/')) {
      const path = ref.length <= 2 ? [] : ref.slice(2).split('/').map(decodeToken);
      let node: unknown = root;
      for (const key of path) node = (isObject(node) || Array.isArray(node)) && Object.hasOwn(node, key) ? (node as any)[key] : undefined;
      found = isObject(node) ? { node, path } : undefined;
    }
    pointerCache.set(ref, found);
    return found;
  }

  function resolve(node: unknown, path: JsonPath): Located | undefined {
    let current: Located | undefined = isObject(node) ? { node, path } : undefined;
    for (let hops = 0; current && typeof current.node.$ref === 'string'; hops++) {
      if (hops > 32) return undefined;
      current = lookup(current.node.$ref);
    }
    return current;
  }

  const version = spec.version;
  const schemesAt = version === '2.0' ? ['securityDefinitions'] : ['components', 'securitySchemes'];
  const securitySchemes = new Map<string, Located>();
  const schemesNode = version === '2.0' ? root.securityDefinitions : root.components?.securitySchemes;
  if (isObject(schemesNode)) {
    for (const [name, scheme] of Object.entries(schemesNode)) {
      const r = resolve(scheme, [...schemesAt, name]);
      if (r) securitySchemes.set(name, { node: r.node, path: [...schemesAt, name] });
    }
  }

  const servers: Located[] = [];
  const seenServers = new Set<string>();
  const addServers = (list: unknown, at: JsonPath): void => {
    if (!Array.isArray(list)) return;
    list.forEach((server, i) => {
      const key = JSON.stringify([...at, i]);
      if (isObject(server) && !seenServers.has(key)) {
        seenServers.add(key);
        servers.push({ node: server, path: [...at, i] });
      }
    });
  };
  if (version !== '2.0') addServers(root.servers, ['servers']);

  const operations: AuditOperation[] = [];
  for (const listed of listOperations(spec)) {
    const item = resolve(root.paths?.[listed.path], ['paths', listed.path]);
    if (!item) continue;
    const method = listed.method.toLowerCase();
    const at = [...item.path, method];
    const node = item.node[method];
    if (!isObject(node)) continue;
    if (version !== '2.0') {
      addServers(item.node.servers, [...item.path, 'servers']);
      addServers(node.servers, [...at, 'servers']);
    }
    const parameters = collectParameters(item, { node, path: at }, version, resolve);
    const { body, bodyAt } = collectBody({ node, path: at }, parameters, root, version, resolve);
    const explicitSecurity = Array.isArray(node.security);
    const security = explicitSecurity ? node.security : Array.isArray(root.security) ? root.security : undefined;
    operations.push({
      node,
      path: listed.path,
      method: listed.method,
      label: `${listed.method} ${listed.path}`,
      operationId: listed.operationId,
      parameters: parameters.filter((p) => version !== '2.0' || p.in !== 'body'),
      body,
      bodyAt,
      responses: collectResponses({ node, path: at }, version, resolve),
      security,
      securityAt: explicitSecurity ? [...at, 'security'] : Array.isArray(root.security) ? ['security'] : at,
      explicitSecurity,
      deprecated: listed.deprecated,
      at,
    });
  }

  const requestSchemas: SchemaVisit[] = [];
  const requestVisited = new Set<object>();
  for (const op of [...operations].sort(byFlag(isAdminOperation))) {
    const starts: Start[] = [];
    for (const p of op.parameters) if (p.schema) starts.push({ ...p.schema, name: p.name, composed: false });
    for (const m of op.body) if (m.schema) starts.push({ ...m.schema, name: undefined, composed: false });
    walkSchemas(starts, op, requestVisited, requestSchemas, resolve, 'readOnly');
  }
  const responseSchemas: SchemaVisit[] = [];
  const responseVisited = new Set<object>();
  for (const op of [...operations].sort(byFlag(mayIssueCredentials))) {
    const starts: Start[] = [];
    for (const r of op.responses) for (const m of r.media) if (m.schema) starts.push({ ...m.schema, name: undefined, composed: false });
    walkSchemas(starts, op, responseVisited, responseSchemas, resolve, 'writeOnly');
  }

  return {
    spec,
    version,
    root,
    operations,
    securitySchemes,
    securitySchemesAt: schemesAt,
    servers,
    requestSchemas,
    responseSchemas,
    resolve,
  };
}

type Resolve = AuditModel['resolve'];

function collectParameters(item: Located, op: Located, version: SpecVersion, resolve: Resolve): AuditParameter[] {
  const byKey = new Map<string, AuditParameter>();
  for (const owner of [item, op]) {
    const list = owner.node.parameters;
    if (!Array.isArray(list)) continue;
    list.forEach((raw, i) => {
      const r = resolve(raw, [...owner.path, 'parameters', i]);
      if (!r || typeof r.node.name !== 'string' || typeof r.node.in !== 'string') return;
      let schema: Located | undefined;
      if (version === '2.0') {
        schema = r.node.in === 'body' ? located(r.node.schema, [...r.path, 'schema']) : r;
      } else if (r.node.schema !== undefined) {
        schema = located(r.node.schema, [...r.path, 'schema']);
      } else if (isObject(r.node.content)) {
        const [type, media] = Object.entries(r.node.content)[0] ?? [];
        if (type !== undefined) schema = located((media as Node | undefined)?.schema, [...r.path, 'content', type, 'schema']);
      }
      byKey.set(`${r.node.in}:${r.node.name}`, { node: r.node, path: r.path, name: r.node.name, in: r.node.in, schema });
    });
  }
  return [...byKey.values()];
}

function collectBody(op: Located, parameters: AuditParameter[], root: Node, version: SpecVersion, resolve: Resolve): { body: AuditMedia[]; bodyAt: JsonPath | undefined } {
  if (version === '2.0') {
    const consumes: string[] = Array.isArray(op.node.consumes) ? op.node.consumes : Array.isArray(root.consumes) ? root.consumes : ['application/json'];
    const bodyParam = parameters.find((p) => p.in === 'body');
    if (bodyParam) return { body: consumes.map((type) => ({ type, schema: bodyParam.schema })), bodyAt: bodyParam.path };
    return { body: [], bodyAt: undefined };
  }
  const requestBody = resolve(op.node.requestBody, [...op.path, 'requestBody']);
  if (!requestBody || !isObject(requestBody.node.content)) return { body: [], bodyAt: requestBody?.path };
  const body = Object.entries(requestBody.node.content).map(([type, media]) => ({
    type,
    schema: located((media as Node | undefined)?.schema, [...requestBody.path, 'content', type, 'schema']),
  }));
  return { body, bodyAt: requestBody.path };
}

function collectResponses(op: Located, version: SpecVersion, resolve: Resolve): AuditResponse[] {
  const out: AuditResponse[] = [];
  if (!isObject(op.node.responses)) return out;
  for (const [status, raw] of Object.entries(op.node.responses)) {
    const r = resolve(raw, [...op.path, 'responses', status]);
    if (!r) continue;
    const headers = new Map<string, Located>();
    if (isObject(r.node.headers)) {
      for (const [name, header] of Object.entries(r.node.headers)) {
        const h = resolve(header, [...r.path, 'headers', name]);
        if (h) headers.set(name.toLowerCase(), h);
      }
    }
    const media: AuditMedia[] = [];
    if (version === '2.0') {
      if (r.node.schema !== undefined) media.push({ type: 'application/json', schema: located(r.node.schema, [...r.path, 'schema']) });
    } else if (isObject(r.node.content)) {
      for (const [type, m] of Object.entries(r.node.content)) {
        media.push({ type, schema: located((m as Node | undefined)?.schema, [...r.path, 'content', type, 'schema']) });
      }
    }
    out.push({ status: String(status), node: r.node, path: r.path, headers, media });
  }
  return out;
}

interface Start extends Located {
  readonly name: string | undefined;
  readonly composed: boolean;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'] as const;
const SUBSCHEMA_ONE = ['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'] as const;
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;

/**
 * Depth-first walk of the schemas reachable from `starts`, each visited once. Schemas marked `skip`
 * (readOnly ones in requests, writeOnly ones in responses) are not part of that direction and are left out.
 */
function walkSchemas(starts: Start[], operation: AuditOperation, visited: Set<object>, out: SchemaVisit[], resolve: Resolve, skip: 'readOnly' | 'writeOnly'): void {
  const stack: Start[] = starts.reverse();
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.node[skip] === true) continue; // a $ref with a sibling readOnly (3.1)
    const r = resolve(item.node, item.path);
    if (!r || Array.isArray(r.node) || visited.has(r.node) || r.node[skip] === true) continue;
    visited.add(r.node);
    const schema = r.node;
    out.push({ schema, path: r.path, name: item.name, operation, composed: item.composed });
    const children: Start[] = [];
    for (const key of SUBSCHEMA_MAPS) {
      if (key === '$defs' || key === 'definitions') continue; // only what the value can reach
      const map = schema[key];
      if (!isObject(map)) continue;
      for (const [name, sub] of Object.entries(map)) {
        if (isObject(sub)) children.push({ node: sub, path: [...r.path, key, name], name: key === 'properties' ? name : undefined, composed: false });
      }
    }
    for (const key of SUBSCHEMA_ONE) {
      const sub = schema[key];
      if (isObject(sub)) children.push({ node: sub, path: [...r.path, key], name: key === 'items' && item.name ? `${item.name}[]` : undefined, composed: false });
      else if (key === 'items' && Array.isArray(sub)) sub.forEach((s, i) => isObject(s) && children.push({ node: s, path: [...r.path, key, i], name: undefined, composed: false }));
    }
    for (const key of SUBSCHEMA_LISTS) {
      const list = schema[key];
      if (!Array.isArray(list)) continue;
      list.forEach((sub, i) => {
        if (isObject(sub)) children.push({ node: sub, path: [...r.path, key, i], name: key === 'prefixItems' ? undefined : item.name, composed: key !== 'prefixItems' });
      });
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function located(node: unknown, path: JsonPath): Located | undefined {
  return isObject(node) ? { node, path } : undefined;
}

function byFlag(flag: (op: AuditOperation) => boolean): (a: AuditOperation, b: AuditOperation) => number {
  return (a, b) => Number(flag(a)) - Number(flag(b));
}

function decodeToken(token: string): string {
  let t = token;
  try {
    t = decodeURIComponent(token);
  } catch {
    // keep as written
  }
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON Schema types of a schema (`type` may be a list in 3.1; 2.0 parameters use `type` too). */
export function typesOf(schema: Node): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t: unknown): t is string => typeof t === 'string');
  return [];
}
