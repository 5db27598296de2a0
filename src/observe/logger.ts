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
  return Object.assign(logger, { sink });
}
