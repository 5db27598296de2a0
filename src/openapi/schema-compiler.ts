// One ajv instance per OpenAPI document, with the bundled document registered under a URN so that
// operation schemas are compiled as $refs into it: shared components are compiled once, recursive
// schemas work, and 3.0's `nullable` and draft-04 exclusive bounds are rewritten to JSON Schema.
// A coercing compiler (parameters, form fields) reads only canonical text as numbers: numeric-text.ts.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LoadedSpec } from './load.ts';
import { addNumericTextKeyword, guardNumericText } from './numeric-text.ts';

const SPEC_ID = 'urn:portcullis:spec';
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

export interface SchemaCompiler {
  /** Compiles the schema found at `pointer` (RFC 6901, into the bundled document). */
  compile(pointer: string): ValidateFunction;
  /** Follows `$ref`s of a non-schema object (parameter, requestBody) to the pointer of the real one. */
  resolve(pointer: string): { pointer: string; value: any };
}

export function createSchemaCompiler(spec: LoadedSpec, options: { coerceTypes: boolean }): SchemaCompiler {
  // Rewrites change a copy: the loaded document is shared with other policies.
  const copy = spec.version !== '3.1' || options.coerceTypes ? structuredClone(spec.bundled) : spec.bundled;
  const doc = spec.version === '3.1' ? copy : rewrite30(copy);
  const settings = { allErrors: true, strict: false, coerceTypes: options.coerceTypes ? ('array' as const) : false, validateFormats: true, loopRequired: 64, loopEnum: 64 };
  const ajv = spec.version === '3.1' ? new Ajv2020(settings) : new Ajv(settings);
  addFormats(ajv as Ajv);
  if (options.coerceTypes) {
    addNumericTextKeyword(ajv as Ajv);
    guardNumericText(doc);
  }
  ajv.addSchema({ ...doc, $id: SPEC_ID }, SPEC_ID);
  const cache = new Map<string, ValidateFunction>();
  const get = (pointer: string): any => {
    let node: any = doc;
    for (const raw of pointer.split('/').slice(1)) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      // Own properties only: a $ref to a missing "#/components/parameters/constructor" finds nothing.
      node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? node[key] : undefined;
    }
    return node;
  };
  return {
    compile(pointer) {
      let fn = cache.get(pointer);
      if (!fn) cache.set(pointer, (fn = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` })));
      return fn;
    },
    resolve(pointer) {
      let value = get(pointer);
      for (let hops = 0; hops < 20 && typeof value?.$ref === 'string' && value.$ref.startsWith('#/'); hops++) {
        pointer = value.$ref.slice(1);
        value = get(pointer);
      }
      return { pointer, value };
    },
  };
}

export function pointerOf(...segments: (string | number)[]): string {
  return segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** OpenAPI 3.0 → JSON Schema: nullable → a "null" type; boolean exclusiveMinimum/Maximum → numbers. */
function rewrite30(node: any, seen = new Set<object>()): any {
  if (node === null || typeof node !== 'object' || seen.has(node)) return node;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) rewrite30(item, seen);
    return node;
  }
  if (node.nullable === true) {
    if (typeof node.type === 'string') node.type = [node.type, 'null'];
    else if (node.enum && !node.enum.includes(null)) node.enum = [...node.enum, null];
    delete node.nullable;
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof node[flag] === 'boolean') {
      if (node[flag] && typeof node[bound] === 'number') {
        node[flag] = node[bound];
        delete node[bound];
      } else delete node[flag];
    }
  }
  for (const value of Object.values(node)) rewrite30(value, seen);
  return node;
}
