// The operations of the document as the scanner needs them: full path (base path included), whether
// they need credentials, their JSON request and response schemas, and the example the author gave.
import type { LoadedSpec } from '../openapi/load.ts';
import { listOperations, specBasePath } from '../openapi/operations.ts';

export interface ScanOperation {
  readonly method: string;
  /** Path template without the base path: /orders/{orderId}. */
  readonly path: string;
  /** Base path + path: /api/v2/orders/{orderId}. */
  readonly fullPath: string;
  /** "GET /api/v2/orders/{orderId}": how findings name the operation. */
  readonly label: string;
  readonly operationId: string;
  readonly node: Record<string, any>;
  readonly parameters: readonly Record<string, any>[];
  readonly pathParams: readonly string[];
  readonly deprecated: boolean;
  /** Credentials required (a non-empty security requirement with no anonymous alternative). */
  readonly secured: boolean;
  /** Scopes named by the security requirements. */
  readonly scopes: readonly string[];
  readonly requestSchema?: Record<string, any>;
  readonly requestExample?: unknown;
  readonly responseSchema?: Record<string, any>;
  readonly responses: Readonly<Record<string, any>>;
}

export interface ScanSpec {
  readonly file: string;
  readonly basePath: string;
  readonly operations: readonly ScanOperation[];
  readonly securitySchemes: Readonly<Record<string, any>>;
  /** The schemes the document serves the API over ("https", "http"); empty when its servers are relative. */
  readonly schemes: readonly string[];
}

export function scanSpec(spec: LoadedSpec, basePathOverride?: string): ScanSpec {
  const basePath = basePathOverride ?? specBasePath(spec);
  const globalSecurity: unknown = spec.doc.security;
  const schemes = (spec.version === '2.0' ? spec.doc.securityDefinitions : spec.doc.components?.securitySchemes) ?? {};
  const operations = listOperations(spec).map((op): ScanOperation => {
    const security = Array.isArray(op.operation.security) ? op.operation.security : Array.isArray(globalSecurity) ? globalSecurity : [];
    const requirements = security.filter((r: unknown) => r !== null && typeof r === 'object') as Record<string, string[]>[];
    const secured = requirements.length > 0 && requirements.every((r) => Object.keys(r).length > 0);
    const scopes = [...new Set(requirements.flatMap((r) => Object.values(r).flat().filter((s): s is string => typeof s === 'string')))];
    const fullPath = `${basePath}${op.path}`;
    const body = requestBody(op.operation, op.parameters);
    return {
      method: op.method,
      path: op.path,
      fullPath,
      label: `${op.method} ${fullPath}`,
      operationId: op.operationId,
      node: op.operation,
      parameters: op.parameters,
      pathParams: [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      deprecated: op.deprecated,
      secured,
      scopes,
      ...(body.schema ? { requestSchema: body.schema } : {}),
      ...(body.example !== undefined ? { requestExample: body.example } : {}),
      ...(responseSchema(op.operation) ? { responseSchema: responseSchema(op.operation) } : {}),
      responses: (op.operation.responses ?? {}) as Record<string, any>,
    };
  });
  return { file: spec.file, basePath, operations, securitySchemes: schemes, schemes: schemesOf(spec) };
}

function jsonMedia(content: Record<string, any> | undefined): Record<string, any> | undefined {
  if (!content || typeof content !== 'object') return undefined;
  const key = Object.keys(content).find((k) => /^application\/([\w.+-]*\+)?json\b/i.test(k)) ?? Object.keys(content).find((k) => /json/i.test(k));
  return key ? content[key] : undefined;
}

function requestBody(operation: Record<string, any>, parameters: readonly Record<string, any>[]): { schema?: Record<string, any>; example?: unknown } {
  const media = jsonMedia(operation.requestBody?.content);
  if (media) {
    const examples = media.examples && typeof media.examples === 'object' ? Object.values(media.examples as Record<string, any>) : [];
    const example = media.example ?? examples.find((e) => e && 'value' in e)?.value ?? media.schema?.example;
    return { schema: media.schema, example };
  }
  const bodyParam = parameters.find((p) => p?.in === 'body'); // Swagger 2.0
  return bodyParam ? { schema: bodyParam.schema, example: bodyParam.schema?.example } : {};
}

/** The JSON schema of the first 2xx response. */
function responseSchema(operation: Record<string, any>): Record<string, any> | undefined {
  const responses = (operation.responses ?? {}) as Record<string, any>;
  for (const code of Object.keys(responses).sort()) {
    if (!/^2(\d\d|XX)$/i.test(code)) continue;
    const r = responses[code];
    const schema = jsonMedia(r?.content)?.schema ?? r?.schema;
    if (schema) return schema;
  }
  return undefined;
}

/** Declared response codes of an operation, e.g. has429(op). */
export function declares(op: ScanOperation, code: string): boolean {
  return Object.hasOwn(op.responses, code);
}

/** The parameters of a place (query, header, path) of an operation. */
export function paramsIn(op: ScanOperation, place: string): Record<string, any>[] {
  return op.parameters.filter((p) => p?.in === place) as Record<string, any>[];
}

function schemesOf(spec: LoadedSpec): string[] {
  const doc = spec.doc as { schemes?: unknown; servers?: unknown; swagger?: unknown };
  const urls = Array.isArray(doc.servers) ? doc.servers.map((s: { url?: unknown }) => (typeof s?.url === 'string' ? s.url : '')) : [];
  const declared = Array.isArray(doc.schemes) ? doc.schemes.filter((s): s is string => typeof s === 'string') : urls.map((u) => /^([a-z][a-z0-9+.-]*):\/\//i.exec(u)?.[1] ?? '').filter(Boolean);
  return [...new Set(declared.map((s) => s.toLowerCase()))];
}
