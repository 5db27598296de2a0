// The gateway's log: pino writing JSON lines through the same buffered sink as the access log, so
// lines from both never interleave; flushed on exit. Secrets are never passed to it; the redact paths
// are a second net for anything that carries headers.
import { openSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { BufferedLineSink } from './line-sink.ts';

export interface GatewayLogger extends Logger {
  readonly sink: BufferedLineSink;
}

export function createLogger(level: string, destination: number | string = 1): GatewayLogger {
  const fd = typeof destination === 'number' ? destination : openSync(destination, 'a');
  const sink = new BufferedLineSink(fd);
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'headers["proxy-authorization"]'], censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    sink,
  );
  process.once('exit', () => sink.flushSync());
  sinks.add(sink);
  return Object.assign(logger, { sink });
}

const sinks = new Set<BufferedLineSink>();

/** Ends the process once the logs' buffered lines are written (at most 2 s: a stalled stdout does not hold it). */
export async function exitAfterLogs(code: number): Promise<never> {
  await Promise.race([Promise.all([...sinks].map((s) => s.settled())), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(code);
}
