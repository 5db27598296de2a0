// portcullis inventory: what a running gateway has seen, from its admin API — every operation with
// its traffic and the media types of its bodies, then shadow, zombie and unused endpoints (a table, or
// --json); --openapi FILE writes the OpenAPI 3.1 draft of the observed traffic. The token comes
// from --token-file or $PORTCULLIS_ADMIN_TOKEN (never from a command-line argument: it would show in `ps`).
// --all adds the other nodes saved in the gateway's store; --store reads every node's saved inventory
// from a store directly (inventory-store.ts), no gateway needed.
import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { notText, printable } from '../openapi/load.ts';
import { openapiDraft } from '../observe/inventory/openapi-draft.ts';
import { inventoryView, type InventoryView, type UsageView } from '../observe/inventory/view.ts';
import { inventoryFromStore } from './inventory-store.ts';

/** The gateway could not be read (unreachable, refused the token, answered an error): exit 1. */
class UsageError extends Error {}
/** The command line or a file it names is wrong (bad URL, bad token file, unwritable --openapi): exit 2. */
class InputError extends Error {}

const TOKEN_HOW = 'put the admin token in a file and pass --token-file FILE, or set $PORTCULLIS_ADMIN_TOKEN';

async function get(admin: URL, path: string, token: string | undefined): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, admin), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    throw new UsageError(`cannot reach the admin API at ${admin.origin}: ${printable(String(why)).slice(0, 200)}`);
  }
  if (res.status === 401) {
    if (!token) throw new InputError(`no admin token was given, and the admin API needs one: ${TOKEN_HOW}`);
    throw new UsageError('the admin API refused the token (check --token-file or $PORTCULLIS_ADMIN_TOKEN)');
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => undefined)) as { detail?: unknown } | undefined;
    const detail = typeof problem?.detail === 'string' ? `: ${printable(problem.detail.slice(0, 300))}` : '';
    throw new UsageError(`the admin API answered ${res.status} for ${path}${detail}`);
  }
  try {
    return await res.json();
  } catch {
    throw new UsageError(`the admin API at ${admin.origin} answered ${path} with something that is not JSON (is --admin the admin listener?)`);
  }
}

/** --admin as a URL: http or https, no credentials in it (the token is given apart). */
function adminUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`--admin "${printable(value.slice(0, 200))}" is not a URL (expected e.g. http://127.0.0.1:9901)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--admin must be an http:// or https:// URL, not ${printable(url.protocol)}`);
  if (url.username || url.password) throw new InputError(`--admin must not carry credentials: ${TOKEN_HOW}`);
  return url;
}

/**
 * The admin token from --token-file or $PORTCULLIS_ADMIN_TOKEN: one line of printable ASCII (a
 * trailing newline is dropped), as an Authorization header can carry it. Never echoed.
 */
function adminToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  let text: string;
  let from: string;
  if (tokenFile !== undefined) {
    from = `--token-file ${tokenFile}`;
    let bytes: Buffer;
    try {
      bytes = readFileSync(tokenFile);
    } catch (error) {
      throw new InputError(`${from}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const binary = notText(bytes);
    if (binary) throw new InputError(`${from}: the file is not a text file (${binary}); it should hold the admin token on one line`);
    text = bytes.toString('utf8');
  } else {
    const value = env.PORTCULLIS_ADMIN_TOKEN;
    if (value === undefined || value === '') return undefined;
    from = '$PORTCULLIS_ADMIN_TOKEN';
    text = value;
  }
  const token = text.replace(/\r?\n$/, '');
  if (token === '') throw new InputError(`${from} is empty: it should hold the admin token on one line`);
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new InputError(`${from} does not hold a valid admin token: the token is one line of printable ASCII characters (letters, digits, punctuation), without spaces, control characters or other lines`);
  }
  return token;
}

/** Fails before anything is fetched or printed when --openapi cannot be written. */
function checkWritable(file: string): void {
  const path = resolve(file);
  const fail = (why: string): never => {
    throw new InputError(`--openapi ${file}: cannot write the draft there (${why})`);
  };
  let stat;
  try {
    stat = statSync(path);
  } catch {
    // a new file: its folder must exist and be writable
  }
  if (stat?.isDirectory()) fail('it is a folder');
  const folder = dirname(path);
  if (!stat) {
    let dir;
    try {
      dir = statSync(folder);
    } catch {
      fail(`the folder ${folder} does not exist`);
    }
    if (!dir!.isDirectory()) fail(`${folder} is not a folder`);
  }
  try {
    accessSync(stat ? path : folder, constants.W_OK);
  } catch (error) {
    fail(`${(error as NodeJS.ErrnoException).code ?? 'not writable'}`);
  }
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** "request application/json; response 2xx application/json, 4xx application/problem+json" (empty when none seen). */
function mediaLine(u: UsageView): string {
  const parts: string[] = [];
  const request = Object.keys(u.requestTypes ?? {});
  if (request.length) parts.push(`request ${request.join(', ')}`);
  const response = Object.entries(u.responseTypes ?? {}).flatMap(([cls, types]) => Object.keys(types).map((t) => `${cls} ${t}`));
  if (response.length) parts.push(`response ${response.join(', ')}`);
  return parts.length ? `\n            ${parts.join('; ')}` : '';
}

export function renderInventory(inv: InventoryView & { nodes?: { node: string; savedAt: number }[] }): string {
  const lines: string[] = [`observed since ${when(inv.since)}`];
  if (inv.nodes) lines.push(`nodes: ${inv.nodes.map((n) => `${n.node} (saved ${when(n.savedAt)})`).join(', ') || '-'}`);
  lines.push('', 'OPERATIONS');
  for (const o of inv.operations) {
    const flags = [o.deprecated ? 'deprecated' : '', o.documented ? '' : 'config route'].filter(Boolean).join(', ');
    lines.push(`  ${String(o.count).padStart(8)}  ${o.method.padEnd(7)} ${o.path}  (${o.api} ${o.operationId}${flags ? `; ${flags}` : ''})  last ${when(o.lastSeen)}${mediaLine(o)}`);
  }
  lines.push('', `SHADOW (called, undocumented)${inv.overflow ? `: ${inv.overflow} more not tracked` : ''}`);
  for (const s of inv.shadow) lines.push(`  ${String(s.count).padStart(8)}  ${s.method.padEnd(7)} ${s.path}${s.api ? `  (through ${s.api})` : ''}  last ${when(s.lastSeen)}${mediaLine(s)}`);
  lines.push('', 'ZOMBIE (deprecated or older version, still called)');
  for (const z of inv.zombie) lines.push(`  ${String(z.count).padStart(8)}  ${z.method.padEnd(7)} ${z.path}  (${z.kind})  last ${when(z.lastSeen)}`);
  lines.push('', 'UNUSED (documented, never called)');
  for (const u of inv.unused) lines.push(`            ${u.method.padEnd(7)} ${u.path}  (${u.api} ${u.operationId})`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('inventory')
    .description('what a running gateway has seen: operations with traffic, shadow, zombie and unused endpoints (from its admin API, or from the store the gateways save it to)')
    .option('--admin <url>', 'admin listener URL', 'http://127.0.0.1:9901')
    .option('--token-file <file>', 'file holding the admin token (default: $PORTCULLIS_ADMIN_TOKEN)')
    .option('--all', "add every other node saved in the gateway's inventory store (gateways sharing it)")
    .option('--store <location>', 'read every node saved in this store instead (SQLite file or postgres:// URL; a password is better in $PGPASSWORD)')
    .option('-c, --config <file>', 'with --store: the configuration whose routes name the operations', 'portcullis.yaml')
    .option('--json', 'print the inventory as JSON')
    .option('--openapi <file>', 'write the OpenAPI 3.1 draft of the observed traffic to this file')
    .action(async (o: { admin: string; tokenFile?: string; all?: boolean; store?: string; config: string; json?: boolean; openapi?: string }) => {
      try {
        if (o.store !== undefined && o.all) throw new InputError('--all reads through a gateway, --store without one: give one of them');
        if (o.openapi !== undefined) checkWritable(o.openapi);
        let inventory: InventoryView & { nodes?: { node: string; savedAt: number }[] };
        let draft: () => Promise<unknown>;
        if (o.store !== undefined) {
          const { routes, raws, nodes } = await inventoryFromStore(o.store, o.config);
          inventory = { ...inventoryView(routes, raws), nodes };
          draft = async () => openapiDraft(inventoryView(routes, raws, true));
        } else {
          const admin = adminUrl(o.admin);
          const token = adminToken(o.tokenFile, process.env);
          const scope = o.all ? '?scope=all' : '';
          inventory = (await get(admin, `/api/inventory${scope}`, token)) as InventoryView;
          draft = () => get(admin, `/api/inventory/openapi${scope}`, token);
        }
        // The draft is fetched before anything is printed: a failure leaves no half output behind.
        const observed = o.openapi !== undefined ? await draft() : undefined;
        if (o.json) process.stdout.write(`${JSON.stringify(inventory, null, 2)}\n`);
        else process.stdout.write(printable(renderInventory(inventory), true)); // shadow paths come from clients
        if (o.openapi !== undefined) {
          try {
            writeFileSync(o.openapi, `${JSON.stringify(observed, null, 2)}\n`);
          } catch (error) {
            throw new InputError(`--openapi ${o.openapi}: cannot write the draft (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
          }
          process.stderr.write(`wrote the observed API's OpenAPI draft to ${o.openapi}\n`);
        }
      } catch (error) {
        process.stderr.write(`portcullis inventory: ${printable(error instanceof Error ? error.message : String(error), true)}\n`);
        process.exit(error instanceof UsageError ? 1 : 2);
      }
    });
}
