// The anomaly detectors' blocks (docs/alerts.md):
//   GET    /api/blocks           the blocks in force, ending last first (at most `limit`, with the total)
//   POST   /api/blocks           a manual block {key, seconds}
//   DELETE /api/blocks/{key}     lifts a block at once (key URL-encoded: ip%3A203.0.113.7)
// A change reaches every worker of this gateway and, with shareBlocks, the other gateways, is
// recorded in the audit trail with who made it, and logged (admin-changes.ts). Changes need a
// configured admin credential, like the key routes: an open admin API can be read, not used to let
// attackers back in.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import type { AdminAction } from '../../observe/anomaly/block-control.ts';
import { parseBlockKey } from '../../observe/anomaly/block-key.ts';
import type { BlockAdmin } from '../../observe/anomaly/block-sync.ts';
import type { AdminRoute } from '../admin.ts';
import { readJsonObject } from '../admin-body.ts';
import { adminAction, type AdminChangeLog } from '../admin-changes.ts';
import { callerOf } from './auth.ts';
import { Query, sendJson, sendProblem } from './respond.ts';

const MAX_SECONDS = 7 * 24 * 3600;
const off = () => new GatewayError('PCL_ERR_ROUTE_NOT_FOUND', 'No anomaly detector is in enforce mode: nothing is blocked.');

/** GET and POST /api/blocks. */
export function blocksRoute(blocks: BlockAdmin | undefined, changes: AdminChangeLog): AdminRoute {
  return async (req, res) => {
    try {
      if (!blocks) throw off();
      if (req.method === 'POST') {
        new Query(req.url, []);
        const action = actionOf(req);
        const body = await readJsonObject(req);
        const parsed = typeof body.key === 'string' ? parseBlockKey(body.key) : undefined;
        if (!parsed) throw malformed('"key"');
        if (parsed.kind === 'network' && tooBroad(parsed.value)) {
          throw new GatewayError('PCL_ERR_BAD_REQUEST', 'A network block must be a /8 or narrower for IPv4, a /16 or narrower for IPv6: a wider one refuses a large share of the internet.');
        }
        const seconds = body.seconds;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
          throw new GatewayError('PCL_ERR_BAD_REQUEST', `"seconds" must be a whole number from 1 to ${MAX_SECONDS}`);
        }
        const until = Date.now() + seconds * 1000;
        await blocks.add(parsed.key, until, action);
        changes.logged(action, 'blocked', 'block set', { block: parsed.key, blockedUntil: until });
        return sendJson(res, 201, view(parsed.key, until, Date.now()));
      }
      const limit = new Query(req.url, ['limit']).int('limit', 1, 1000, 200)!;
      const now = Date.now();
      const all = (await blocks.list()).filter(([, until]) => until > now).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
      sendJson(res, 200, { blocks: all.slice(0, limit).map(([key, until]) => view(key, until, now)), total: all.length });
    } catch (error) {
      if (error instanceof GatewayError) return sendProblem(res, error);
      throw error;
    }
  };
}

/** DELETE /api/blocks/{key}. */
export function liftRoute(blocks: BlockAdmin | undefined, changes: AdminChangeLog): AdminRoute {
  return async (req, res) => {
    try {
      if (!blocks) throw off();
      new Query(req.url, []);
      const action = actionOf(req);
      const segment = (req.url ?? '').split('?')[0]!.slice('/api/blocks/'.length);
      let text: string;
      try {
        text = decodeURIComponent(segment);
      } catch {
        throw malformed('The key in the path');
      }
      const parsed = parseBlockKey(text);
      if (!parsed) throw malformed('The key in the path');
      if (!(await blocks.lift(parsed.key, action))) throw new GatewayError('PCL_ERR_ADMIN_NOT_FOUND', 'No block in force with this key.');
      changes.logged(action, 'lifted', 'block lifted', { block: parsed.key });
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    } catch (error) {
      if (error instanceof GatewayError) return sendProblem(res, error);
      throw error;
    }
  };
}

function view(key: string, until: number, now: number) {
  const parsed = parseBlockKey(key);
  return { key, kind: parsed?.kind ?? null, value: parsed?.value ?? key, until: new Date(until).toISOString(), remaining: Math.max(0, Math.ceil((until - now) / 1000)) };
}

function malformed(what: string): GatewayError {
  return new GatewayError('PCL_ERR_BAD_REQUEST', `${what} must be a block key: ip:<address>, net:<address>/<prefix>, consumer:<id> or subject:<method> <issuer> <subject>.`);
}

/** Who changes the blocks; refused when no admin credential is configured. */
function actionOf(req: IncomingMessage): AdminAction {
  const who = callerOf(req);
  if (!who) throw new GatewayError('PCL_ERR_UNAUTHENTICATED', 'Changing blocks needs an admin credential: set admin.token or admin.oidc.', { headers: { 'www-authenticate': 'Bearer realm="portcullis-admin"' } });
  return adminAction(req, who);
}

/** A network wider than any one organisation holds: a typo (0.0.0.0/0) that would lock every client out. */
function tooBroad(cidr: string): boolean {
  const bits = Number(cidr.slice(cidr.lastIndexOf('/') + 1));
  return cidr.includes(':') ? bits < 16 : bits < 8;
}
