// The gateway's log: pino writing JSON lines to stdout, buffered (flushed on exit). Secrets are never
// passed to it; the redact paths are a second net for anything that carries headers.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination: number | string = 1): Logger {
  const stream = pino.destination({ dest: destination, sync: false, minLength: 4096 });
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'headers["proxy-authorization"]'], censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  const flush = () => {
    try {
      stream.flushSync();
    } catch {
      // nothing more can be done with a closed stdout
    }
  };
  process.once('exit', flush);
  return logger;
}
