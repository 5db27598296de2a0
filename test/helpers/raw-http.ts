// Sends bytes over a raw TCP socket and collects what comes back, for requests that HTTP clients
// refuse to produce (smuggling attempts, broken framing, invalid bytes).
import { connect } from 'node:net';

export interface RawResponse {
  readonly text: string;
  readonly status: number;
  /** True when the server closed the connection. */
  readonly closed: boolean;
}

export function rawRequest(port: number, payload: string | Buffer, options: { timeoutMs?: number; slowMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      socket.destroy();
      resolve({ text, status: m ? Number(m[1]) : 0, closed });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 3000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      socket.write(payload);
    });
  });
}
