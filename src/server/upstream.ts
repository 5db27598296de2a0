// One pooled, keep-alive connection set per upstream (undici Pool), created when a config is compiled
// and closed gracefully (in-flight requests finish) when the config is replaced.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/types.ts';
import { toMs } from '../config/units.ts';
import { Deadlines } from './deadlines.ts';

export interface Upstream {
  readonly name: string;
  readonly pool: Pool;
  /** Path of the upstream URL, prefixed to forwarded paths ("" for the root). */
  readonly basePath: string;
  /** host[:port] of the upstream URL. */
  readonly host: string;
  readonly preserveHost: boolean;
  /** The total timeouts (timeouts.total) of the exchanges in flight. */
  readonly deadlines: Deadlines;
  readonly retries: number;
}

export function createUpstream(name: string, config: UpstreamConfig, baseDir: string): Upstream {
  const url = new URL(config.url);
  const file = (path: string | undefined) => (path === undefined ? undefined : readFileSync(resolve(baseDir, path)));
  const tls = config.tls;
  const pool = new Pool(url.origin, {
    connections: config.connections,
    pipelining: 1,
    keepAliveTimeout: toMs(config.keepAliveTimeout),
    keepAliveMaxTimeout: Math.max(toMs(config.keepAliveTimeout), 1000),
    headersTimeout: toMs(config.timeouts.headers),
    bodyTimeout: toMs(config.timeouts.bodyIdle),
    connect: {
      timeout: toMs(config.timeouts.connect),
      ...(url.protocol === 'https:'
        ? {
            ca: file(tls?.ca),
            cert: file(tls?.cert),
            key: file(tls?.key),
            servername: tls?.servername ?? (isIpLiteral(url.hostname) ? undefined : url.hostname),
            rejectUnauthorized: tls?.rejectUnauthorized ?? true,
          }
        : {}),
    },
  });
  return {
    name,
    pool,
    basePath: url.pathname.replace(/\/+$/, ''),
    host: url.host,
    preserveHost: config.hostHeader === 'preserve',
    deadlines: new Deadlines(toMs(config.timeouts.total)),
    retries: config.retries,
  };
}

function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.startsWith('[');
}
