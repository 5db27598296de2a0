// portcullis inspect: run requests through the attack-detection engine offline and print each verdict
// (class, place, score, evidence), to tune paranoia, threshold and exclusions before deploying them.
// Input: --request JSON, a JSON-lines file, or `-` for stdin; one object per line:
//   {"method":"GET","url":"/search?q=1","headers":{},"body":null}
// Exit codes: 0 ran (whatever the verdicts), 1 --fail-on-block and something was blocked,
// 2 usage error, unreadable or invalid input, invalid config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { PolicyConfigs } from '../config/types.ts';
import { compileDetector, DetectOptionsError, type AttackClass, type DetectorOptions, type EngineVerdict, type InputLocation, type Paranoia } from '../detect/index.ts';
import { describe } from './util.ts';

export interface InspectCommandOptions {
  request?: string;
  paranoia?: string;
  threshold?: number;
  config?: string;
  api?: string;
  format: 'text' | 'json';
  onlyBlocked?: boolean;
  failOnBlock?: boolean;
}

/** One request as read from the input. */
export interface InspectRequest {
  /** 1-based position among the requests. */
  index: number;
  /** 1-based line of the input it came from. */
  line: number;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body?: string;
}

class InputError extends Error {}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('run requests through the attack-detection engine offline and print each verdict (exit 1 with --fail-on-block when one is blocked, 2 on usage or input errors)')
    .argument('[file]', 'JSON-lines file of requests ({"method","url","headers","body"} per line), or - for stdin')
    .option('--request <json>', 'one request as a JSON object instead of a file')
    .addOption(new Option('--paranoia <level>', '1 (fewest false positives) to 4 (most detections); default 2, or the config\'s').choices(['1', '2', '3', '4']))
    .option('--threshold <score>', 'anomaly score at which a request is blocked (default 5, or the config\'s)', thresholdArgument)
    .option('-c, --config <file>', 'gateway configuration whose inspect policy options to use')
    .option('--api <name>', 'API of --config whose inspect policy to use (needed when there are several)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--only-blocked', 'print blocked requests only (the summary still counts all)')
    .option('--fail-on-block', 'exit 1 when some request is blocked')
    .action(async (file: string | undefined, options: InspectCommandOptions) => {
      process.exitCode = await inspectCommand(file, options);
    });
}

/** Runs the command and returns its exit code; verdicts go to stdout, problems to stderr. */
export async function inspectCommand(file: string | undefined, options: InspectCommandOptions): Promise<number> {
  let detectorOptions: DetectorOptions;
  let requests: InspectRequest[];
  try {
    if (file !== undefined && options.request !== undefined) throw new InputError('give either a FILE (or -) or --request, not both.');
    if (file === undefined && options.request === undefined) throw new InputError('nothing to inspect: give a JSON-lines FILE, - for stdin, or --request JSON.');
    if (options.api !== undefined && options.config === undefined) throw new InputError('--api needs --config.');
    detectorOptions = options.config ? await configOptions(options.config, options.api) : {};
    if (options.paranoia !== undefined) detectorOptions.paranoia = Number(options.paranoia) as Paranoia;
    if (options.threshold !== undefined) detectorOptions.threshold = options.threshold;
    detectorOptions.paranoia ??= 2;
    requests = options.request !== undefined ? [parseRequest(options.request, 1, 1, '--request')] : parseLines(await readInput(file!), file === '-' ? 'stdin' : file!);
  } catch (error) {
    process.stderr.write(`portcullis inspect: ${error instanceof InputError || error instanceof DetectOptionsError ? error.message : describe(error)}\n`);
    return 2;
  }
  const detector = compileDetector(detectorOptions);
  let blocked = 0;
  const out: string[] = [];
  for (const request of requests) {
    const verdict = detector.inspectRequest(toRequestLike(request));
    if (verdict.blocked) blocked++;
    if (options.onlyBlocked && !verdict.blocked) continue;
    out.push(options.format === 'json' ? renderJson(request, verdict) : renderText(request, verdict));
    if (out.length >= 256) process.stdout.write(out.splice(0).join(''));
  }
  process.stdout.write(out.join(''));
  const summary = `${requests.length} request${requests.length === 1 ? '' : 's'}, ${blocked} blocked`;
  // text: the summary ends the report; json: stdout stays pure JSON lines, the summary goes to stderr
  if (options.format === 'json') process.stderr.write(`portcullis inspect: ${summary}\n`);
  else process.stdout.write(`${summary}\n`);
  return options.failOnBlock && blocked > 0 ? 1 : 0;
}

/** The inspect policy options of one API of a gateway config (API-level policy, else the global one). */
async function configOptions(path: string, apiName: string | undefined): Promise<DetectorOptions> {
  const { config, file } = await loadConfig(resolve(path));
  let api = config.apis.find((a) => a.name === apiName);
  if (apiName === undefined) {
    if (config.apis.length !== 1) throw new InputError(`${file}: has ${config.apis.length} APIs; choose one with --api (${config.apis.map((a) => a.name).join(', ')}).`);
    api = config.apis[0];
  }
  if (!api) throw new InputError(`${file}: no API named "${apiName}" (the APIs are: ${config.apis.map((a) => a.name).join(', ')}).`);
  const policy = (api.policies && 'inspect' in api.policies ? api.policies : (config.policies ?? {} as PolicyConfigs)).inspect;
  if (!policy) throw new InputError(`${file}: API "${api.name}" has no inspect policy.`);
  const p = policy as unknown as { paranoia: Paranoia; threshold: number; disable: string[]; exclusions: { name: string; location?: string; allow: string[] }[] };
  // the same mapping as src/policies/inspect/index.ts
  return {
    paranoia: p.paranoia,
    threshold: p.threshold,
    classes: Object.fromEntries(p.disable.map((c) => [c, false])) as Partial<Record<AttackClass, boolean>>,
    exclusions: p.exclusions.map((e) => ({ name: e.name, allow: e.allow as AttackClass[], ...(e.location ? { location: e.location as InputLocation } : {}) })),
  };
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code ?? 'unknown error'}).`);
  }
}

/** Every non-blank line is one request; the first bad line stops everything (exit 2). */
export function parseLines(text: string, source: string): InspectRequest[] {
  const requests: InspectRequest[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    requests.push(parseRequest(line, requests.length + 1, i + 1, `${source}:${i + 1}`));
  }
  if (requests.length === 0) throw new InputError(`${source}: no requests (expected one JSON object per line).`);
  return requests;
}

function parseRequest(text: string, index: number, line: number, where: string): InspectRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where}: not valid JSON (${(error as Error).message.replace(/ \(line \d+ column \d+\)$/, '')}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${where}: expected a JSON object with method, url, headers and body.`);
  const o = value as Record<string, unknown>;
  if (typeof o.method !== 'string' || !/^[A-Za-z]+$/.test(o.method)) throw new InputError(`${where}: "method" must be an HTTP method such as "GET".`);
  if (typeof o.url !== 'string' || !o.url.startsWith('/')) throw new InputError(`${where}: "url" must be a string starting with / (path and query).`);
  const headers: Record<string, string | string[]> = {};
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) throw new InputError(`${where}: "headers" must be an object of header names to strings.`);
    for (const [name, v] of Object.entries(o.headers)) {
      if (typeof v === 'string') headers[name.toLowerCase()] = v;
      else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) headers[name.toLowerCase()] = v as string[];
      else throw new InputError(`${where}: header "${name}" must be a string or a list of strings.`);
    }
  }
  if (o.body !== undefined && o.body !== null && typeof o.body !== 'string') throw new InputError(`${where}: "body" must be a string or null.`);
  return { index, line, method: o.method.toUpperCase(), url: o.url, headers, ...(typeof o.body === 'string' ? { body: o.body } : {}) };
}

function toRequestLike(r: InspectRequest) {
  const q = r.url.indexOf('?');
  const contentType = r.headers['content-type'];
  return {
    method: r.method,
    path: q === -1 ? r.url : r.url.slice(0, q),
    rawQuery: q === -1 ? '' : r.url.slice(q + 1),
    headers: r.headers,
    ...(r.body !== undefined ? { body: r.body, contentType: Array.isArray(contentType) ? (contentType[0] ?? '') : (contentType ?? '') } : {}),
  };
}

function renderJson(r: InspectRequest, v: EngineVerdict): string {
  return `${JSON.stringify({
    index: r.index,
    line: r.line,
    method: r.method,
    url: r.url,
    blocked: v.blocked,
    score: v.score,
    matches: v.matches.map((m) => ({ class: m.class, rule: m.rule, location: m.location, name: m.name, score: m.score, evidence: m.evidence })),
    ...(v.truncated ? { truncated: true } : {}),
    ...(v.error ? { error: true } : {}),
    ...(v.malformed !== undefined ? { malformed: v.malformed } : {}),
  })}\n`;
}

const MAX_URL = 120;
const MAX_EVIDENCE = 60;

function renderText(r: InspectRequest, v: EngineVerdict): string {
  const flags = [
    v.malformed !== undefined ? ` (malformed: the multipart body ${v.malformed})` : '',
    v.truncated ? ' (truncated: only the beginning of a long value was inspected)' : '',
    v.error ? ' (internal error)' : '',
  ].join('');
  let text = `${v.blocked ? 'BLOCK' : 'pass'} ${v.score} ${r.method} ${clip(printable(r.url), MAX_URL)}${flags}\n`;
  for (const m of v.matches) {
    text += `    ${m.class} ${m.location}:${clip(printable(m.name), 60)} ${m.score} ${JSON.stringify(clip(m.evidence, MAX_EVIDENCE))} [${m.rule}]\n`;
  }
  return text;
}

/** Control characters (a CRLF payload, ANSI escapes) never reach the terminal raw. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function thresholdArgument(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}
