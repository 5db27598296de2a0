// Reads portcullis.yaml (or .json): parse with positions, interpolate ${...}, validate against the
// schema with defaults applied, and check cross-references. Every problem becomes one line naming
// the file, line, column and JSON path; all problems are reported at once.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { POLICY_FACTORIES } from '../policies/index.ts';
import { didYouMean } from './did-you-mean.ts';
import { interpolate, type InterpolationIssue } from './interpolate.ts';
import { buildConfigSchema } from './schema.ts';
import { parseSource, SourceError, type JsonPath, type ParsedSource } from './source.ts';
import type { GatewayConfig } from './types.ts';

export interface ConfigIssue {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface LoadedConfig {
  readonly file: string;
  readonly baseDir: string;
  readonly config: GatewayConfig;
  readonly source: ParsedSource;
}

export const CONFIG_SCHEMA = buildConfigSchema(POLICY_FACTORIES);
// Compiled on first use (about a second): commands that never read a config do not pay for it.
let compiled: ValidateFunction | undefined;
// Compiled once per process and run once per load: Ajv's code optimisation pass would cost more than
// it saves (0.7 s of a 2.9 s `portcullis check`, measured).
function configValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true, code: { optimize: false } }).compile(CONFIG_SCHEMA);
  return compiled;
}

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, path: '', message: `cannot read the config file (${(error as NodeJS.ErrnoException).code})` }]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let source: ParsedSource;
  try {
    source = parseSource(text, file);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    throw new ConfigError([{ file, ...error.position, path: '', message: error.message.slice(error.message.indexOf(': ') + 2) }]);
  }
  const baseDir = dirname(file);
  const at = (path: JsonPath, message: string): ConfigIssue => ({ file, ...source.locate(path), path: jsonPath(path), message });
  const interpolationIssues: InterpolationIssue[] = [];
  const value = interpolate(source.value ?? {}, env, baseDir, interpolationIssues);
  if (interpolationIssues.length) throw new ConfigError(interpolationIssues.map((i) => at(i.path, i.message)));
  addDefaultPolicies(value);
  const validate = configValidator();
  if (!validate(value)) throw new ConfigError(schemaIssues(validate.errors ?? []).map((i) => at(i.path, i.message)));
  const config = value as GatewayConfig;
  const problems = crossReferenceIssues(config);
  if (problems.length) throw new ConfigError(problems.map((i) => at(i.path, i.message)));
  return { file, baseDir, config: deepFreeze(config), source };
}

/** Policies that are on unless turned off (`name: false`) are added before validation fills their defaults. */
function addDefaultPolicies(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const root = value as Record<string, unknown>;
  const policies = (root.policies ??= {});
  if (policies === null || typeof policies !== 'object' || Array.isArray(policies)) return;
  for (const f of POLICY_FACTORIES) if (f.defaultOn && !(f.name in policies)) (policies as Record<string, unknown>)[f.name] = {};
}

function crossReferenceIssues(config: GatewayConfig): InterpolationIssue[] {
  const issues: InterpolationIssue[] = [];
  const upstreams = Object.keys(config.upstreams);
  const checkUpstream = (name: string | undefined, path: JsonPath) => {
    if (name === undefined || upstreams.includes(name)) return;
    const hint = didYouMean(name, upstreams);
    issues.push({ path, message: `no upstream named "${name}" in upstreams${hint ? ` (did you mean "${hint}"?)` : ''}` });
  };
  const names = new Set<string>();
  config.apis.forEach((api, i) => {
    if (names.has(api.name)) issues.push({ path: ['apis', i, 'name'], message: `the API name "${api.name}" is used twice` });
    names.add(api.name);
    checkUpstream(api.upstream, ['apis', i, 'upstream']);
    for (const [j, r] of (api.routes ?? []).entries()) checkUpstream(r.upstream, ['apis', i, 'routes', j, 'upstream']);
    for (const [op, settings] of Object.entries(api.operations ?? {})) checkUpstream(settings.upstream, ['apis', i, 'operations', op, 'upstream']);
    if (!api.spec && !api.routes?.length) issues.push({ path: ['apis', i], message: 'an API needs a spec, routes, or both' });
  });
  const ports = new Set<string>();
  config.listeners.forEach((l, i) => {
    const key = `${l.host}:${l.port}`;
    if (l.port !== 0 && ports.has(key)) issues.push({ path: ['listeners', i, 'port'], message: `two listeners on ${key}` });
    ports.add(key);
    if (l.tls && l.redirectToHttps) issues.push({ path: ['listeners', i, 'redirectToHttps'], message: 'an HTTPS listener cannot redirect to HTTPS' });
  });
  return issues;
}

function schemaIssues(errors: ErrorObject[]): InterpolationIssue[] {
  const out: InterpolationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // "type: [object, boolean]" policies report a useless "must NOT be valid" for `true`; say it plainly.
    const path = pointerToPath(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
        const hint = didYouMean(key, allowed);
        out.push({ path: [...path, key], message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}` });
        continue;
      }
      case 'required':
        message = `missing required key "${e.params.missingProperty}"`;
        break;
      case 'enum':
        message = `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
        break;
      case 'not':
        message = 'must be an object of options, or false to turn it off';
        break;
      case 'pattern':
        message = `has an invalid form (${(e.parentSchema?.description as string | undefined) ?? `expected ${e.params.pattern}`})`;
        break;
      case 'type':
        message = `must be ${String(e.params.type).replace(',', ' or ')}`;
        break;
      default:
        message = e.message ?? 'is invalid';
    }
    const key = `${e.instancePath}|${message}`;
    if (!seen.has(key)) out.push({ path, message });
    seen.add(key);
  }
  return out;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function jsonPath(path: JsonPath): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${out ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
