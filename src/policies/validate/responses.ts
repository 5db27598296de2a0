// Response validation: the upstream's status code must be documented for the operation, and a body
// whose media type has a schema must match it. Violations name where they are, never the value.
import type { ValidateFunction } from 'ajv';
import { NOT_JSON, type ResponseBody } from '../../core/response-body.ts';
import { pointerOf, type SchemaCompiler } from '../../openapi/schema-compiler.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import type { Violation } from './operation.ts';
import { bareMediaType, mediaRangeMatches } from '../../core/media-type.ts';

interface CompiledResponse {
  /** Media types as declared, lower-case, with their validator (undefined: no schema). */
  readonly media: ReadonlyMap<string, ValidateFunction | undefined>;
}

export interface ResponseValidator {
  /** The documented response for a status (exact, then 2XX-style range, then default). */
  lookup(status: number): CompiledResponse | undefined;
  /** Whether a response with this status needs its body read to be checked. */
  needsBody(status: number): boolean;
  check(status: number, body: ResponseBody): Violation[];
}

export function compileResponses(op: SpecOperation, compiler: SchemaCompiler): ResponseValidator {
  const at = pointerOf('paths', op.path, op.method.toLowerCase(), 'responses');
  const declared = compiler.resolve(at).value ?? {};
  const byKey = new Map<string, CompiledResponse>();
  for (const key of Object.keys(declared)) {
    const { pointer, value } = compiler.resolve(`${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    const media = new Map<string, ValidateFunction | undefined>();
    for (const type of Object.keys(value?.content ?? {})) {
      const schema = value.content[type]?.schema;
      const bare = bareMediaType(type); // "application/json; charset=utf-8" declares application/json
      if (media.has(bare)) continue;
      media.set(bare, schema ? compiler.compile(`${pointer}/content/${type.replaceAll('~', '~0').replaceAll('/', '~1')}/schema`) : undefined);
    }
    byKey.set(key.toUpperCase(), { media });
  }
  const lookup = (status: number) => byKey.get(String(status)) ?? byKey.get(`${String(status)[0]}XX`) ?? byKey.get('DEFAULT');
  return {
    lookup,
    needsBody(status) {
      const r = lookup(status);
      return r === undefined || [...r.media.values()].some((v) => v !== undefined);
    },
    check(status, body) {
      const r = lookup(status);
      if (!r) return [{ in: 'response', message: `status ${status} is not documented for this operation` }];
      if (r.media.size === 0 || body.length === 0) return [];
      const type = body.mediaType;
      const match = r.media.has(type) ? type : [...r.media.keys()].find((range) => mediaRangeMatches(range, type));
      if (match === undefined) return [{ in: 'response', message: `content type ${type || '(none)'} is not documented for status ${status}` }];
      const media = r.media.get(match);
      if (!media || !body.isJsonType) return [];
      const value = body.json();
      if (value === NOT_JSON) return [{ in: 'response', message: 'body is not valid JSON' }];
      if (media(value)) return [];
      return (media.errors ?? []).slice(0, 20).map((e) => ({ in: 'response', pointer: e.instancePath || undefined, message: e.message ?? 'is invalid' }));
    },
  };
}
