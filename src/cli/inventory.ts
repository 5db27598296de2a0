// portcullis inventory: what a running gateway has seen, from its admin API — every operation with
// its traffic and the media types of its bodies, then shadow, zombie and unused endpoints (a table, or
// --json); --openapi FILE writes the OpenAPI 3.1 draft of the observed traffic. The token comes
// from --token-file or $PORTCULLIS_ADMIN_TOKEN (never from a command-line argument: it would show in `ps`).
// --all adds the other nodes saved in the gateway's store; --store reads every node's saved inventory
// from a store directly (inventory-store.ts), no gateway needed.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openapiDraft } from '../observe/inventory/openapi-draft.ts';
import { inventoryView, type InventoryView, type UsageView } from '../observe/inventory/view.ts';
import { inventoryFromStore } from './inventory-store.ts';

class UsageError extends Error {}

async function get(admin: string, path: string, token: string | undefined): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, admin), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new UsageError(`cannot reach the admin API at ${admin}: ${(error as Error).message}`);
  }
  if (res.status === 401) throw new UsageError('the admin API refused the token (use --token-file or $PORTCULLIS_ADMIN_TOKEN)');
  if (!res.ok) {
    const problem = (await res.json().catch(() => undefined)) as { detail?: unknown } | undefined;
    const detail = typeof problem?.detail === 'string' ? `: ${problem.detail.slice(0, 300)}` : '';
    throw new UsageError(`the admin API answered ${res.status} for ${path}${detail}`);
  }
  return res.json();
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
        if (o.store !== undefined && o.all) throw new UsageError('--all reads through a gateway, --store without one: give one of them');
        let inventory: InventoryView & { nodes?: { node: string; savedAt: number }[] };
        let draft: () => Promise<unknown>;
        if (o.store !== undefined) {
          const { routes, raws, nodes } = await inventoryFromStore(o.store, o.config);
          inventory = { ...inventoryView(routes, raws), nodes };
          draft = async () => openapiDraft(inventoryView(routes, raws, true));
        } else {
          const token = o.tokenFile ? readFileSync(o.tokenFile, 'utf8').trim() : process.env.PORTCULLIS_ADMIN_TOKEN;
          const scope = o.all ? '?scope=all' : '';
          inventory = (await get(o.admin, `/api/inventory${scope}`, token)) as InventoryView;
          draft = () => get(o.admin, `/api/inventory/openapi${scope}`, token);
        }
        if (o.json) process.stdout.write(`${JSON.stringify(inventory, null, 2)}\n`);
        else process.stdout.write(renderInventory(inventory));
        if (o.openapi) {
          writeFileSync(o.openapi, `${JSON.stringify(await draft(), null, 2)}\n`);
          process.stderr.write(`wrote the observed API's OpenAPI draft to ${o.openapi}\n`);
        }
      } catch (error) {
        process.stderr.write(`portcullis inventory: ${error instanceof UsageError ? error.message : (error as Error).message}\n`);
        process.exit(error instanceof UsageError ? 1 : 2);
      }
    });
}
