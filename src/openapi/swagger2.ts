// Swagger 2.0 → OpenAPI 3.0, so that the gateway's policies (validation, authorization, filtering)
// see one shape. Works on the bundled document (internal $refs kept): definitions, parameters,
// responses and securityDefinitions move under components, body and formData parameters become
// request bodies, produces/consumes become media types, and parameter type keywords a schema.
import $RefParser from '@apidevtools/json-schema-ref-parser';
import { setOwn } from '../core/own.ts';
import type { LoadedSpec } from './load.ts';
import { HTTP_METHODS } from './operations.ts';

const SCHEMA_KEYS = ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf'];
const STYLES: Record<string, { style: string; explode: boolean }> = {
  csv: { style: 'form', explode: false },
  multi: { style: 'form', explode: true },
  ssv: { style: 'spaceDelimited', explode: false },
  pipes: { style: 'pipeDelimited', explode: false },
};

export async function convertSwagger2(spec: LoadedSpec): Promise<LoadedSpec> {
  const src = rewriteRefs(structuredClone(spec.bundled)) as Record<string, any>;
  const produces: string[] = src.produces ?? ['application/json'];
  const consumes: string[] = src.consumes ?? ['application/json'];
  const sharedParams: Record<string, any> = src.parameters ?? {};
  const out: Record<string, any> = {
    openapi: '3.0.3',
    info: src.info ?? { title: 'converted', version: '0' },
    servers: [{ url: typeof src.basePath === 'string' ? src.basePath : '/' }],
    paths: {},
    components: { schemas: { ...src.definitions }, parameters: {}, responses: {}, securitySchemes: securitySchemes(src.securityDefinitions ?? {}) },
  };
  if (src.security) out.security = src.security;
  for (const [name, p] of Object.entries<any>(sharedParams)) if (p.in !== 'body' && p.in !== 'formData') setOwn(out.components.parameters, name, parameter(p));
  for (const [name, r] of Object.entries<any>(src.responses ?? {})) setOwn(out.components.responses, name, response(r, produces));
  for (const [path, item] of Object.entries<any>(src.paths ?? {})) {
    const converted: Record<string, any> = {};
    const pathParams: any[] = item.parameters ?? [];
    for (const key of Object.keys(item)) if (key.startsWith('x-')) setOwn(converted, key, item[key]);
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op || typeof op !== 'object') continue;
      const { parameters = [], responses = {}, produces: opProduces, consumes: opConsumes, schemes: _schemes, ...rest } = op;
      const all = [...pathParams.filter((p) => !parameters.some((q: any) => same(resolve(q, sharedParams), resolve(p, sharedParams)))), ...parameters];
      const next: Record<string, any> = { ...rest, responses: {} };
      const params: any[] = [];
      const formFields: any[] = [];
      for (const p of all) {
        const real = resolve(p, sharedParams);
        if (real.in === 'body') next.requestBody = { required: real.required === true, content: Object.fromEntries((opConsumes ?? consumes).map((t: string) => [t, { schema: real.schema ?? {} }])) };
        else if (real.in === 'formData') formFields.push(real);
        else params.push(p.$ref ? { $ref: p.$ref.replace('#/parameters/', '#/components/parameters/') } : parameter(real));
      }
      if (formFields.length) next.requestBody = formBody(formFields, opConsumes ?? consumes);
      if (params.length) next.parameters = params;
      for (const [status, r] of Object.entries<any>(responses)) {
        setOwn(next.responses, status, r.$ref ? { $ref: r.$ref.replace('#/responses/', '#/components/responses/') } : response(r, opProduces ?? produces));
      }
      converted[method] = next;
    }
    setOwn(out.paths, path, converted);
  }
  for (const key of Object.keys(src)) if (key.startsWith('x-')) out[key] = src[key];
  const options = { resolve: { http: false, external: false }, dereference: { circular: true } } as const;
  const doc = (await $RefParser.dereference(spec.file, structuredClone(out), options)) as Record<string, any>;
  return { ...spec, version: '3.0', bundled: out, doc };
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^#\/definitions\//, '#/components/schemas/');
    else if (k === 'x-nullable') out.nullable = v;
    else setOwn(out, k, rewriteRefs(v)); // a property named __proto__ stays a property
  }
  if (out.type === 'file') {
    out.type = 'string';
    out.format = 'binary';
  }
  return out;
}

function resolve(p: any, shared: Record<string, any>): any {
  return typeof p?.$ref === 'string' ? (shared[p.$ref.replace('#/parameters/', '')] ?? {}) : p;
}

function same(a: any, b: any): boolean {
  return a?.name === b?.name && a?.in === b?.in;
}

function parameter(p: any): Record<string, any> {
  const schema: Record<string, any> = {};
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries<any>(p)) {
    if (SCHEMA_KEYS.includes(k)) schema[k] = v;
    else if (k !== 'collectionFormat' && k !== 'allowEmptyValue') setOwn(out, k, v);
  }
  if (p.type === 'array') Object.assign(out, STYLES[p.collectionFormat ?? 'csv'] ?? STYLES.csv);
  out.schema = schema;
  return out;
}

function formBody(fields: any[], consumes: string[]): Record<string, any> {
  const properties: Record<string, any> = {};
  const required: string[] = [];
  for (const f of fields) {
    const { schema } = parameter(f);
    setOwn(properties, f.name, schema);
    if (f.required) required.push(f.name);
  }
  const schema = { type: 'object', properties, ...(required.length ? { required } : {}) };
  const types = consumes.filter((t) => t === 'multipart/form-data' || t === 'application/x-www-form-urlencoded');
  return { required: required.length > 0, content: Object.fromEntries((types.length ? types : ['application/x-www-form-urlencoded']).map((t) => [t, { schema }])) };
}

function response(r: any, produces: string[]): Record<string, any> {
  const out: Record<string, any> = { description: r.description ?? '' };
  if (r.schema) out.content = Object.fromEntries(produces.map((t) => [t, { schema: r.schema }]));
  if (r.headers) out.headers = Object.fromEntries(Object.entries<any>(r.headers).map(([name, h]) => [name, { description: h.description, schema: parameter(h).schema }]));
  return out;
}

function securitySchemes(defs: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, d] of Object.entries<any>(defs)) {
    if (d.type === 'basic') setOwn(out, name, { type: 'http', scheme: 'basic', description: d.description });
    else if (d.type === 'apiKey') setOwn(out, name, { type: 'apiKey', name: d.name, in: d.in, description: d.description });
    else if (d.type === 'oauth2') {
      const flow = { implicit: 'implicit', password: 'password', application: 'clientCredentials', accessCode: 'authorizationCode' }[d.flow as string] ?? 'clientCredentials';
      setOwn(out, name, { type: 'oauth2', flows: { [flow]: { authorizationUrl: d.authorizationUrl, tokenUrl: d.tokenUrl, scopes: d.scopes ?? {} } } });
    }
  }
  return out;
}
