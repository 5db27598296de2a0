// A client pipelines a second request behind a first one still being answered, and the second is slow
// (its head or body trickles) or malformed. The listener's answer to it (a 408, a 400) must wait for the
// first response: that one is delivered whole, then the answer, then the connection is closed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../src/server/gateway.ts';
import { waitUntil } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const FIRST = 'first-response-'.repeat(2000); // ~30 KB: several writes
/** How long the upstream takes over /first: well past the request timeout below. */
const SLOW_MS = 2000;

interface Parsed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The responses in what a raw socket received, in order; the last one may be cut short (`rest`). */
function parseResponses(text: string): { responses: Parsed[]; rest: string } {
  const responses: Parsed[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd === -1) break;
    const [statusLine, ...fields] = text.slice(at, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1] ?? 0);
    const headers = Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]));
    let pos = headEnd + 4;
    let body = '';
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = text.indexOf('\r\n', pos);
        if (lineEnd === -1) return { responses, rest: text.slice(at) };
        const size = parseInt(text.slice(pos, lineEnd), 16);
        if (text.length < lineEnd + 2 + size + 2) return { responses, rest: text.slice(at) };
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        pos = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (text.length < pos + length) return { responses, rest: text.slice(at) };
      body = text.slice(pos, pos + length);
      pos += length;
    }
    responses.push({ status, headers, body });
    at = pos;
  }
  return { responses, rest: text.slice(at) };
}

describe('a pipelined request that fails while the one before it is answered', () => {
  let upstream: TestUpstream;
  let gw: RunningGateway;
  let dir: string;
  const lines: string[] = [];

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/first') {
        setTimeout(() => res.end(FIRST), SLOW_MS);
      } else if (req.url === '/streamed') {
        // The head and a part at once, the rest after the second request timed out.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(FIRST.length) });
        res.write(FIRST.slice(0, 100));
        setTimeout(() => res.end(FIRST.slice(100)), SLOW_MS);
      } else {
        res.end(`other ${req.url}`);
      }
    });
    dir = await mkdtemp(join(tmpdir(), 'portcullis-pipelined-'));
    const configPath = join(dir, 'portcullis.yaml');
    await writeFile(
      configPath,
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
limits: { headersTimeout: 500ms, requestTimeout: 500ms }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: api
    upstream: backend
    routes: [{ path: /*, operationId: all }]
`,
    );
    gw = await startGateway({ configPath, logger: pino({ level: 'silent' }), accessSink: { write: (line: string) => lines.push(line) } });
  });
  after(async () => {
    await gw?.shutdown();
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends `first`, then `later` pieces at their times; collects everything until the gateway closes. */
  async function exchange(pieces: readonly [atMs: number, bytes: string][]): Promise<{ text: string; closed: boolean }> {
    const socket = connect(Number(new URL(gw.urls[0]!.url).port), '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    let text = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('end', () => (closed = true));
    const started = performance.now();
    try {
      for (const [at, bytes] of pieces) {
        await sleep(Math.max(0, at - (performance.now() - started)));
        if (!closed) socket.write(bytes);
      }
      await waitUntil('the gateway to close the connection', () => closed, SLOW_MS + 5000, 20);
    } finally {
      socket.destroy();
    }
    return { text, closed };
  }

  function assertFirstWholeThen(text: string, answer: number, code: string): void {
    const { responses, rest } = parseResponses(text);
    assert.equal(responses[0]?.status, 200, `the first response comes first: ${text.slice(0, 300)}`);
    assert.equal(responses[0]!.body, FIRST, 'the first response is delivered whole');
    assert.equal(responses[1]?.status, answer, `then the answer to the second: ${text.slice(-400)}`);
    assert.equal(responses[1]!.headers.connection, 'close');
    assert.equal(JSON.parse(responses[1]!.body).code, code);
    assert.equal(responses.length, 2, 'nothing else is answered');
    assert.equal(rest, '');
  }

  test('a second head that trickles past headersTimeout: the first response whole, then 408, then close; its late rest is never served', async () => {
    const seen = upstream.received.length;
    const { text } = await exchange([
      [0, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n'],
      [SLOW_MS - 500, 'X-Late: yes\r\n\r\n'], // after the timeout struck, before the first response is ready
    ]);
    assertFirstWholeThen(text, 408, 'PCL_ERR_REQUEST_TIMEOUT');
    assert.deepEqual(upstream.received.slice(seen).map((r) => r.url), ['/first']);
  });

  test('a response already streaming when the second request times out is finished, not cut', async () => {
    const { text } = await exchange([[0, 'GET /streamed HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n']]);
    assertFirstWholeThen(text, 408, 'PCL_ERR_REQUEST_TIMEOUT');
  });

  test('a second body that trickles past requestTimeout gets its 408 after the first response, and is recorded with it', async () => {
    lines.length = 0;
    const { text } = await exchange([[0, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST /second HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc']]);
    assertFirstWholeThen(text, 408, 'PCL_ERR_REQUEST_TIMEOUT');
    await waitUntil('both requests to be recorded', () => lines.length === 2, 5000);
    const records = lines.map((l) => JSON.parse(l) as { path: string; status: number; error?: string });
    const first = records.find((r) => r.path === '/first')!;
    const second = records.find((r) => r.path === '/second')!;
    assert.equal(first.status, 200);
    assert.equal(first.error, undefined, 'the first request is not blamed for the timeout of the second');
    assert.equal(second.status, 408);
    assert.equal(second.error, 'PCL_ERR_REQUEST_TIMEOUT');
  });

  test('a second request with an expectation that cannot be met: the first response whole, then 417, then close', async () => {
    const { text } = await exchange([[0, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n']]);
    assertFirstWholeThen(text, 417, 'PCL_ERR_EXPECTATION_FAILED');
  });

  test('a malformed second request: the first response whole, then 400, then close', async () => {
    const { text } = await exchange([[0, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']]);
    assertFirstWholeThen(text, 400, 'PCL_ERR_AMBIGUOUS_FRAMING');
  });
});
