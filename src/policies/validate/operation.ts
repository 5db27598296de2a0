// The compiled request validator of one operation: parameters (with type coercion) and the body
// (content type, then the schema of that media type). Violations name where they are, never the value.
import type { ValidateFunction } from 'ajv';
import type { RequestContext } from '../../core/context.ts';
import { readContent } from '../../core/decoded-body.ts';
import { GatewayError } from '../../core/errors.ts';
import { own } from '../../core/own.ts';
import { toBytes } from '../../config/units.ts';
import { pointerOf, type SchemaCompiler } from '../../openapi/schema-compiler.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import { DUPLICATE, parseCookies, parseQuery, queryValue, simpleValue, type ParamShape } from './params.ts';
import { formShapeOf, multipartValue, urlencodedValue, type FormShape, type MultipartOptions } from './form-body.ts';
import type { ValidateConfig } from './schema.ts';
import { bareMediaType, isJsonMediaType, mediaRangeMatches } from '../../core/media-type.ts';
import { hasBody } from '../../core/body.ts';

const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';
const NO_FORM_SHAPE: FormShape = { allowedTypes: new Map(), jsonFields: new Set() };

export interface Violation {
  readonly in: 'path' | 'query' | 'header' | 'cookie' | 'body' | 'response';
  readonly name?: string;
  readonly pointer?: string | undefined;
  readonly message: string;
}

interface CompiledParam extends ParamShape {
  readonly required: boolean;
  readonly validate: ValidateFunction | undefined;
}

interface CompiledMedia {
  /** As declared, lower-case, e.g. "application/json", "application/*". */
  readonly type: string;
  readonly validate: ValidateFunction | undefined;
  /** Form media types: how fields are read (their validator coerces strings). */
  readonly form: FormShape | undefined;
}

interface CompiledBody {
  readonly required: boolean;
  readonly media: readonly CompiledMedia[];
}

export type OperationValidator = (ctx: RequestContext) => void | Promise<void>;

export function compileOperation(op: SpecOperation, params: SchemaCompiler, bodies: SchemaCompiler, config: ValidateConfig): OperationValidator {
  const base = pointerOf('paths', op.path, op.method.toLowerCase());
  const operationNode = params.resolve(base).value ?? {};
  const pathItem = params.resolve(pointerOf('paths', op.path)).value ?? {};
  const declared = new Map<string, CompiledParam>();
  const collect = (list: unknown, at: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((_, i) => {
      const { pointer, value: p } = params.resolve(`${at}/parameters/${i}`);
      if (!p || typeof p.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(p.in)) return;
      const schema = p.schema ?? p.content?.['application/json']?.schema;
      const type = schema?.type;
      const style = p.style ?? (p.in === 'query' || p.in === 'cookie' ? 'form' : 'simple');
      declared.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, {
        name: p.in === 'header' ? p.name.toLowerCase() : p.name,
        in: p.in,
        style,
        explode: p.explode ?? style === 'form',
        array: type === 'array' || (Array.isArray(type) && type.includes('array')),
        object: type === 'object',
        required: p.required === true || p.in === 'path',
        validate: schema ? params.compile(`${pointer}/${p.schema ? 'schema' : 'content/application~1json/schema'}`) : undefined,
      });
    });
  };
  collect(pathItem.parameters, pointerOf('paths', op.path));
  collect(operationNode.parameters, base);
  const list = [...declared.values()];
  const multipart: MultipartOptions = { maxParts: config.multipart.maxParts, maxFileSize: toBytes(config.multipart.maxFileSize) };
  const queryNames = list.filter((p) => p.in === 'query');
  const body = compileBody(operationNode.requestBody ? `${base}/requestBody` : undefined, bodies, params);

  return (ctx) => {
    const violations: Violation[] = [];
    const query = parseQuery(ctx.query);
    let cookies: Map<string, string> | undefined;
    for (const p of list) {
      let value: unknown;
      if (p.in === 'path') value = simpleValue(safeDecode(ctx.params?.[p.name] ?? ''), p);
      else if (p.in === 'query') value = queryValue(query, p);
      else if (p.in === 'header') {
        const h = own(ctx.req.headers, p.name);
        value = h === undefined ? undefined : simpleValue(Array.isArray(h) ? h.join(',') : h, p);
      } else value = (cookies ??= parseCookies(ctx.req.headers.cookie)).get(p.name);
      if (value === DUPLICATE) violations.push({ in: p.in, name: p.name, message: 'must not be repeated' });
      else if (value === undefined) {
        if (p.required) violations.push({ in: p.in, name: p.name, message: 'is required' });
      } else if (p.validate && !p.validate(value)) {
        for (const e of p.validate.errors ?? []) violations.push({ in: p.in, name: p.name, pointer: safePointer(e.instancePath), message: e.message ?? 'is invalid' });
      }
    }
    if (config.unknownQueryParams === 'reject') {
      for (const key of query.keys()) {
        const known = queryNames.some((p) => p.name === key || (p.style === 'deepObject' && key.startsWith(`${p.name}[`)));
        if (!known) violations.push({ in: 'query', message: 'has a parameter the operation does not declare' });
      }
    }
    const bodyCheck = checkBody(ctx, body, config, multipart, violations);
    if (bodyCheck) return bodyCheck.then(() => refuseIfAny(violations));
    refuseIfAny(violations);
    return undefined;
  };
}

function compileBody(at: string | undefined, compiler: SchemaCompiler, coercing: SchemaCompiler): CompiledBody | undefined {
  if (!at) return undefined;
  const { pointer, value } = compiler.resolve(at);
  if (!value?.content) return undefined;
  const resolve = (node: any) => (typeof node?.$ref === 'string' && node.$ref.startsWith('#/') ? compiler.resolve(node.$ref.slice(1)).value : node);
  return {
    required: value.required === true,
    media: Object.keys(value.content).map((declared) => {
      // A document may key a media type with parameters ("application/json; charset=utf-8"): requests
      // are matched on the bare type.
      const type = bareMediaType(declared);
      const isForm = type === FORM || type === MULTIPART;
      const schemaAt = value.content[declared]?.schema ? `${pointer}/content/${declared.replaceAll('~', '~0').replaceAll('/', '~1')}/schema` : undefined;
      // Form fields are strings on the wire: their schemas are checked with type coercion.
      const validate = schemaAt ? (isForm ? coercing : compiler).compile(schemaAt) : undefined;
      return { type, validate, form: isForm ? formShapeOf(value.content[declared], resolve) : undefined };
    }),
  };
}

function checkBody(ctx: RequestContext, body: CompiledBody | undefined, config: ValidateConfig, multipart: MultipartOptions, violations: Violation[]): Promise<void> | undefined {
  const headers = ctx.req.headers;
  const present = hasBody(headers);
  if (!body) {
    if (present) violations.push({ in: 'body', message: 'is not expected by this operation' });
    return undefined;
  }
  if (!present) {
    if (body.required) violations.push({ in: 'body', message: 'is required' });
    return undefined;
  }
  const contentType = headers['content-type'] ?? '';
  const type = bareMediaType(contentType);
  const media = body.media.find((m) => m.type === type) ?? body.media.find((m) => mediaRangeMatches(m.type, type));
  if (!media) {
    throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', `Accepted: ${body.media.map((m) => m.type).join(', ')}.`);
  }
  const isJson = isJsonMediaType(type);
  const form = type === FORM || type === MULTIPART ? (media.form ?? NO_FORM_SHAPE) : undefined;
  // Multipart bodies are read even without a schema: their parts' media types and file sizes.
  if (!media.validate && type !== MULTIPART) return undefined;
  if (!isJson && !form) return undefined; // other media types: size-limited, not schema-checked
  const validate = media.validate;
  return readContent(ctx).then((raw) => {
    let value: unknown;
    if (type === FORM) value = urlencodedValue(raw);
    else if (type === MULTIPART) {
      value = multipartValue(raw, contentType, form!, multipart, violations);
      if (value === undefined) return;
    } else {
      try {
        value = JSON.parse(raw.toString('utf8'));
      } catch {
        violations.push({ in: 'body', message: 'is not valid JSON' });
        return;
      }
      if (depthOf(value, config.maxJsonDepth) > config.maxJsonDepth) {
        violations.push({ in: 'body', message: `nests deeper than ${config.maxJsonDepth} levels` });
        return;
      }
    }
    if (validate && !validate(value)) {
      for (const e of validate.errors ?? []) violations.push({ in: 'body', pointer: safePointer(e.instancePath), message: e.message ?? 'is invalid' });
    }
  });
}

function refuseIfAny(violations: Violation[]): void {
  if (violations.length === 0) return;
  const shown = violations.slice(0, 20);
  throw new GatewayError('PCL_ERR_VALIDATION', `${violations.length} violation${violations.length === 1 ? '' : 's'} of the API description.`, { extensions: { errors: shown } });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** JSON pointers name client-chosen keys: keep them short and plain so nothing is reflected verbatim. */
function safePointer(pointer: string): string | undefined {
  return pointer === '' ? undefined : pointer.replace(/[^A-Za-z0-9_./~-]/g, '_').slice(0, 120);
}

function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}
