// `${VAR}`, `${VAR:-default}` and `${file:PATH}` in string values, resolved once at load time.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonPath } from './source.ts';

export interface InterpolationIssue {
  readonly path: JsonPath;
  readonly message: string;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Returns a copy of `value` with every reference replaced; problems are collected, not thrown. */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
  issues: InterpolationIssue[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return value.includes('${') ? replace(value, env, baseDir, issues, path) : value;
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, baseDir, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a key "__proto__" (an operationId, a header name...) stays
    // a key, where `out[k] = v` would set the object's prototype instead and drop it.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, baseDir, issues, [...path, k])]));
  }
  return value;
}

function replace(text: string, env: NodeJS.ProcessEnv, baseDir: string, issues: InterpolationIssue[], path: JsonPath) {
  const whole = /^\$\{[^}]*\}$/.test(text);
  const result = text.replace(REFERENCE, (_match, body: string) => {
    if (body.startsWith('file:')) {
      const file = resolve(baseDir, body.slice(5));
      try {
        return readFileSync(file, 'utf8').trim();
      } catch (error) {
        issues.push({ path, message: `cannot read secret file ${file}: ${(error as NodeJS.ErrnoException).code}` });
        return '';
      }
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!ENV_NAME.test(name)) {
      issues.push({ path, message: `"\${${body}}" is not a valid reference (use \${NAME}, \${NAME:-default} or \${file:PATH})` });
      return '';
    }
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (found !== undefined && found !== '') return found;
    if (sep !== -1) return body.slice(sep + 2);
    issues.push({ path, message: `environment variable ${name} is not set (give a default with \${${name}:-value})` });
    return '';
  });
  // A value that is only a reference to a number (e.g. port: ${PORT}) becomes that number.
  return whole && /^-?[0-9]+$/.test(result) ? Number(result) : result;
}
