// A battery of malformed requests, sent byte for byte over raw sockets to a real gateway in front of
// a real upstream. Each case asserts the exact status and error code, that the answer is problem+json
// and echoes nothing of the request, that the upstream never saw the request, and that the gateway
// still serves a normal request afterwards.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { socketStates } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

/** A unique string placed in every bad input; no gateway answer may contain it. */
const M = 'Zq7MarkerXk9';
const HOST = 'Host: gw.test\r\n';

interface Exchange {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything received, as latin1 text. */
  readonly raw: string;
  /** The server closed (or reset) the connection, or announced it would. */
  readonly closed: boolean;
}

/**
 * Writes `payload` on a fresh connection and resolves as soon as one complete response has arrived
 * (by Content-Length or the end of a chunked body), or the server closed, or `timeoutMs` passed.
 * 1xx interim responses are skipped.
 */
function exchange(port: number, payload: string | Buffer, timeoutMs = 3000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let ended = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = buf.toString('latin1');
      const parsed = parseResponse(raw);
      resolve({ ...(parsed ?? { status: 0, headers: {}, body: '' }), raw, closed: ended || parsed?.headers.connection?.toLowerCase() === 'close' });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (parseResponse(buf.toString('latin1'))?.complete) finish();
    });
    socket.on('end', () => {
      ended = true;
      finish();
    });
    socket.on('close', () => {
      ended = true;
      finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        ended = true;
        return finish();
      }
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(payload));
  });
}

function parseResponse(raw: string): { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  let text = raw;
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const lines = text.slice(0, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) return { status: 0, headers: {}, body: text, complete: true };
    const status = Number(m[1]);
    if (status >= 100 && status < 200) {
      text = text.slice(end + 4);
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const rest = text.slice(end + 4);
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      return { status, headers, body: rest.slice(0, n), complete: rest.length >= n };
    }
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      let body = '';
      let at = 0;
      for (;;) {
        const eol = rest.indexOf('\r\n', at);
        if (eol === -1) return { status, headers, body, complete: false };
        const size = Number.parseInt(rest.slice(at, eol), 16);
        if (size === 0) return { status, headers, body, complete: true };
        body += rest.slice(eol + 2, eol + 2 + size);
        at = eol + 2 + size + 2;
        if (at > rest.length) return { status, headers, body, complete: false };
      }
    }
    return { status, headers, body: rest, complete: status === 204 || status === 304 };
  }
}

/** Connections the server side still holds on `port`: ESTABLISHED (01) or CLOSE_WAIT (08). */
function serverSideSockets(port: number): number[] {
  return socketStates(port).filter((state) => state === 0x01 || state === 0x08);
}

interface Case {
  readonly name: string;
  readonly payload: string | Buffer;
  readonly status: number;
  /** Expected `code` of the problem document. */
  readonly code: string;
  /** The connection must be closed after the answer (framing can no longer be trusted). */
  readonly close?: boolean;
  /**
   * The head is valid and the error is in the body, found while it streams: the head may already be
   * upstream (the gateway does not buffer bodies), but that request must be aborted, never completed.
   */
  readonly bodyError?: boolean;
  readonly todo?: string;
}

const chunked = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
const post = (headers: string, body: string) => `POST /echo HTTP/1.1\r\n${HOST}${headers}\r\n${body}`;

const BAD_REQUEST = 'PCL_ERR_BAD_REQUEST';
const FRAMING = 'PCL_ERR_AMBIGUOUS_FRAMING';
const BAD_PATH = 'PCL_ERR_BAD_PATH';
/** After these refusals nothing more on the connection can be trusted: it must be closed. */
const CLOSE_AFTER = new Set([BAD_REQUEST, FRAMING, 'PCL_ERR_HEADERS_TOO_LARGE', 'PCL_ERR_URI_TOO_LONG']);

// Limits of the gateway under test (see the YAML below).
const MAX_HEADER_SIZE = 4096;
const MAX_HEADER_COUNT = 20;
const MAX_URL = 1024;
const MAX_BODY = 1024;

const CASES: readonly Case[] = [
  // request line
  { name: 'garbage instead of a request line', payload: `${M}\x01\x02 garbage\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'binary garbage', payload: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00]), Buffer.from(`${M}\r\n\r\n`)]), status: 400, code: BAD_REQUEST, close: true },
  { name: 'HTTP/2 connection preface', payload: `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${M}`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'unknown version HTTP/1.2', payload: `GET /${M} HTTP/1.2\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'unknown version HTTP/3.0', payload: `GET /${M} HTTP/3.0\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  {
    name: 'HTTP/2.0 in a textual request line',
    payload: `GET /${M} HTTP/2.0\r\n${HOST}\r\n`,
    status: 400,
    code: BAD_REQUEST,
  },
  {
    name: 'request line without a version (HTTP/0.9 form) followed by headers',
    payload: `GET /${M}\r\n${HOST}\r\n`,
    status: 400,
    code: BAD_REQUEST,
  },
  {
    name: 'POST without a version (HTTP/0.9 form)',
    payload: `POST /${M}\r\n${HOST}Content-Length: 3\r\n\r\nabc`,
    status: 400,
    code: BAD_REQUEST,
  },
  { name: 'lowercase method', payload: `get /${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'method with invalid characters', payload: `G(E)T /${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'method with NUL', payload: `GE\0T /${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'bare LF line endings', payload: `GET /${M} HTTP/1.1\n${HOST.trim()}\n\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'absolute-form with ftp scheme', payload: `GET ftp://evil.test/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'absolute-form with file scheme', payload: `GET file:///etc/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'absolute-form with javascript scheme', payload: `GET javascript:${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'absolute-form with a broken authority', payload: `GET http://[zz/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  // An absolute-form target's path is checked as sent, like an origin-form one (a URL parser resolves these).
  { name: 'absolute-form with a dot-segment', payload: `GET http://gw.test/a/../${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'absolute-form with an encoded dot-segment', payload: `GET http://gw.test/a/%2e%2e/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'absolute-form with a backslash', payload: `GET http://gw.test/a\\..\\${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'absolute-form with user information', payload: `GET http://u@gw.test/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  // Connection names fields the upstream must not get; one the gateway reads would vanish after the checks.
  { name: 'Connection naming Content-Type', payload: post(`Connection: keep-alive, Content-Type\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-M: ${M}\r\n`, '{}'), status: 400, code: BAD_REQUEST },
  { name: 'Connection naming Authorization', payload: `GET /${M} HTTP/1.1\r\n${HOST}Connection: authorization\r\nAuthorization: Bearer x\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'Connection naming an API key header', payload: `GET /${M} HTTP/1.1\r\n${HOST}Connection: X-Partner-Key\r\nX-Partner-Key: k\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'Host with a space', payload: `GET /${M} HTTP/1.1\r\nHost: gw.test evil\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'Host with a path', payload: `GET /${M} HTTP/1.1\r\nHost: gw.test/evil\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'asterisk-form with GET', payload: `GET * HTTP/1.1\r\n${HOST}X-M: ${M}\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'fragment in the target', payload: `GET /a?b#${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST },
  {
    name: 'CONNECT tunnel request',
    payload: `CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\nX-M: ${M}\r\n\r\n`,
    status: 405,
    code: 'PCL_ERR_METHOD_NOT_ALLOWED',
    close: true,
  },
  // cross-site tracing: the request (cookies, credentials) would be echoed back
  { name: 'TRACE', payload: `TRACE /${M} HTTP/1.1\r\n${HOST}Cookie: session=${M}\r\n\r\n`, status: 405, code: 'PCL_ERR_METHOD_NOT_ALLOWED' },
  { name: 'TRACK (not an HTTP method Node parses)', payload: `TRACK /${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_REQUEST, close: true },
  // header syntax
  { name: 'NUL in a header value', payload: `GET / HTTP/1.1\r\n${HOST}X-A: a\0${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'CR alone in a header value', payload: `GET / HTTP/1.1\r\n${HOST}X-A: a\r${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'LF alone in a header value', payload: `GET / HTTP/1.1\r\n${HOST}X-A: a\n${M}: b\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'space before the colon', payload: `GET / HTTP/1.1\r\n${HOST}X-${M} : a\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'invalid character in a header name', payload: `GET / HTTP/1.1\r\n${HOST}X(${M}): a\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'empty header name', payload: `GET / HTTP/1.1\r\n${HOST}: ${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'header line without a colon', payload: `GET / HTTP/1.1\r\n${HOST}X-${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'obs-fold (line folding)', payload: `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n ${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  { name: 'obs-fold with a tab', payload: `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n\t${M}\r\n\r\n`, status: 400, code: BAD_REQUEST, close: true },
  // request smuggling: framing
  { name: 'CL.TE smuggling', payload: post(`Content-Length: 13\r\nTransfer-Encoding: chunked\r\n`, `0\r\n\r\nGET /${M}`), status: 400, code: FRAMING, close: true },
  { name: 'TE.CL smuggling', payload: post(`Transfer-Encoding: chunked\r\nContent-Length: 4\r\n`, `${(M.length + 5).toString(16)}\r\nGET /${M}\r\n0\r\n\r\n`), status: 400, code: FRAMING, close: true },
  { name: 'CL and TE in HTTP/1.0', payload: `POST /echo HTTP/1.0\r\n${HOST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(M)}`, status: 400, code: FRAMING, close: true },
  { name: 'two different Content-Length', payload: post(`Content-Length: 3\r\nContent-Length: ${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'two equal Content-Length', payload: post(`Content-Length: ${M.length}\r\nContent-Length: ${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'Content-Length as a list', payload: post(`Content-Length: ${M.length}, ${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'Content-Length +5', payload: post(`Content-Length: +${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'Content-Length 5x', payload: post(`Content-Length: ${M.length}x\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'negative Content-Length', payload: post(`Content-Length: -${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'hex Content-Length', payload: post(`Content-Length: 0x${M.length.toString(16)}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'huge Content-Length', payload: post('Content-Length: 99999999999999999999999999\r\n', M), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: gzip', payload: post('Transfer-Encoding: gzip\r\n', M), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: chunked, gzip', payload: post('Transfer-Encoding: chunked, gzip\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: gzip, chunked', payload: post('Transfer-Encoding: gzip, chunked\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: xchunked', payload: post('Transfer-Encoding: xchunked\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: chunked-false', payload: post('Transfer-Encoding: chunked-false\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: identity', payload: post(`Transfer-Encoding: identity\r\nContent-Length: ${M.length}\r\n`, M), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding: chunked, (trailing comma)', payload: post('Transfer-Encoding: chunked,\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding twice', payload: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', chunked(M)), status: 400, code: FRAMING, close: true },
  { name: 'Transfer-Encoding with a space before the colon', payload: post('Transfer-Encoding : chunked\r\n', chunked(M)), status: 400, code: BAD_REQUEST, close: true },
  { name: 'Transfer-Encoding with a vertical tab', payload: post('Transfer-Encoding: \x0bchunked\r\n', chunked(M)), status: 400, code: BAD_REQUEST, close: true },
  { name: 'Transfer-Encoding folded onto the next line', payload: post('Transfer-Encoding:\r\n chunked\r\n', chunked(M)), status: 400, code: BAD_REQUEST, close: true },
  // chunked body syntax
  { name: 'chunk size not hex', payload: post('Transfer-Encoding: chunked\r\n', `zz\r\n${M}\r\n0\r\n\r\n`), status: 400, code: FRAMING, close: true },
  { name: 'negative chunk size', payload: post('Transfer-Encoding: chunked\r\n', `-5\r\n${M}\r\n0\r\n\r\n`), status: 400, code: FRAMING, close: true },
  { name: 'chunk size overflowing 64 bits', payload: post('Transfer-Encoding: chunked\r\n', `1FFFFFFFFFFFFFFFF\r\n${M}\r\n0\r\n\r\n`), status: 400, code: FRAMING, close: true },
  { name: 'chunk size with trailing space', payload: post('Transfer-Encoding: chunked\r\n', `${M.length.toString(16)} \r\n${M}\r\n0\r\n\r\n`), status: 400, code: FRAMING, close: true },
  { name: 'chunk lines ending in bare LF', payload: post('Transfer-Encoding: chunked\r\n', `${M.length.toString(16)}\n${M}\n0\n\n`), status: 400, code: BAD_REQUEST, close: true },
  { name: 'chunk data longer than its size', payload: post('Transfer-Encoding: chunked\r\n', `2\r\n${M}\r\n0\r\n\r\n`), status: 400, code: BAD_REQUEST, close: true, bodyError: true },
  { name: 'Content-Length in the chunked trailer', payload: post('Transfer-Encoding: chunked\r\n', `4\r\nabcd\r\n0\r\nContent-Length: 99\r\nX-${M}: 1\r\n\r\n`), status: 400, code: FRAMING, close: true, bodyError: true },
  // Host
  { name: 'two Host headers', payload: `GET /echo HTTP/1.1\r\nHost: a.test\r\nHost: ${M}.test\r\n\r\n`, status: 400, code: BAD_REQUEST },
  // Node keeps the first of these, the upstream may read the last or all: the policies and the
  // upstream would see different values.
  { name: 'two User-Agent headers', payload: `GET /echo HTTP/1.1\r\n${HOST}User-Agent: curl/8\r\nUser-Agent: 1' UNION SELECT ${M}--\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'two Referer headers (different case)', payload: `GET /echo HTTP/1.1\r\n${HOST}Referer: https://a.test/\r\nreferer: ${M}\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'two Authorization headers', payload: `GET /echo HTTP/1.1\r\n${HOST}Authorization: Bearer a\r\nAuthorization: Bearer ${M}\r\n\r\n`, status: 400, code: BAD_REQUEST },
  {
    name: 'two Content-Type headers',
    payload: `POST /echo HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\n{"a":"${M.slice(0, 1)}"}`,
    status: 400,
    code: BAD_REQUEST,
  },
  { name: 'X-HTTP-Method-Override', payload: `POST /echo HTTP/1.1\r\n${HOST}X-HTTP-Method-Override: DELETE\r\nX-M: ${M}\r\nContent-Length: 0\r\n\r\n`, status: 400, code: BAD_REQUEST },
  // CGI-style servers (Rack, Werkzeug, PHP) read "_" as "-".
  { name: 'X_HTTP_Method_Override', payload: `POST /echo HTTP/1.1\r\n${HOST}X_HTTP_Method_Override: DELETE\r\nX-M: ${M}\r\nContent-Length: 0\r\n\r\n`, status: 400, code: BAD_REQUEST },
  { name: 'User-Agent and User_Agent', payload: `GET /echo HTTP/1.1\r\n${HOST}User-Agent: curl/8\r\nUser_Agent: 1' UNION SELECT ${M}--\r\n\r\n`, status: 400, code: BAD_REQUEST },
  {
    name: 'missing Host in HTTP/1.1',
    payload: `GET /${M} HTTP/1.1\r\nX-M: ${M}\r\n\r\n`,
    status: 400,
    code: BAD_REQUEST,
    close: true,
  },
  // limits
  { name: 'header larger than maxHeaderSize', payload: `GET / HTTP/1.1\r\n${HOST}X-Big: ${M}${'a'.repeat(MAX_HEADER_SIZE + 100)}\r\n\r\n`, status: 431, code: 'PCL_ERR_HEADERS_TOO_LARGE', close: true },
  {
    name: 'more header fields than maxHeaderCount',
    payload: `GET / HTTP/1.1\r\n${HOST}${Array.from({ length: MAX_HEADER_COUNT + 5 }, (_, i) => `X-${i}: ${M}\r\n`).join('')}\r\n`,
    status: 431,
    code: 'PCL_ERR_HEADERS_TOO_LARGE',
  },
  { name: 'URL longer than maxUrlLength', payload: `GET /${M}${'a'.repeat(MAX_URL + 10)} HTTP/1.1\r\n${HOST}\r\n`, status: 414, code: 'PCL_ERR_URI_TOO_LONG' },
  { name: 'query making the URL too long', payload: `GET /echo?q=${M}${'a'.repeat(MAX_URL + 10)} HTTP/1.1\r\n${HOST}\r\n`, status: 414, code: 'PCL_ERR_URI_TOO_LONG' },
  { name: 'body over maxBodySize with Content-Length', payload: post(`Content-Length: ${MAX_BODY + 1}\r\n`, `${M}${'b'.repeat(MAX_BODY + 1 - M.length)}`), status: 413, code: 'PCL_ERR_BODY_TOO_LARGE', close: true },
  { name: 'body over maxBodySize, Content-Length only (body not sent)', payload: post(`Content-Length: ${MAX_BODY * 1000}\r\n`, M), status: 413, code: 'PCL_ERR_BODY_TOO_LARGE', close: true },
  // paths
  { name: 'invalid percent-encoding %zz', payload: `GET /${M}%zz HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'truncated percent-encoding', payload: `GET /${M}%4 HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'overlong UTF-8 %c0%af', payload: `GET /${M}%c0%af HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'invalid UTF-8 %ff', payload: `GET /${M}%ff HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'UTF-16 surrogate %ed%a0%80', payload: `GET /${M}%ed%a0%80 HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'raw non-ASCII bytes in the path', payload: Buffer.concat([Buffer.from(`GET /${M}`), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from(` HTTP/1.1\r\n${HOST}\r\n`)]), status: 400, code: BAD_REQUEST, close: true },
  { name: 'encoded slash %2F', payload: `GET /a%2F${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  // Servers that read "#" as the start of a fragment route "/admin/users#" as "/admin/users".
  { name: 'raw "#" in the path', payload: `GET /admin/users#${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'raw "#" ending the path', payload: `GET /${M}/users# HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  // Tomcat and Spring drop ";x" from a segment before routing: "/admin/users;x" is their /admin/users.
  { name: '";" path parameter', payload: `GET /admin/users;${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: '";jsessionid" on a segment', payload: `GET /users/me;jsessionid=${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'encoded slash lower-case %2f', payload: `GET /a%2f..%2f${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'encoded backslash %5C', payload: `GET /a%5C${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'raw backslash', payload: `GET /a\\${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'dot-segment /a/../b', payload: `GET /a/../${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'encoded dot-segment /a/%2e%2e/b', payload: `GET /a/%2e%2e/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'mixed dot-segment /a/.%2E/b', payload: `GET /a/.%2E/${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'dot-segment /./a', payload: `GET /./${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'trailing dot-segment /a/..', payload: `GET /${M}/.. HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'NUL in the path %00', payload: `GET /${M}%00 HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'encoded CRLF in the path', payload: `GET /${M}%0d%0aX-Injected:%201 HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  { name: 'double-encoded slash %252F after decoding stays encoded', payload: `GET /a%2F%252F${M} HTTP/1.1\r\n${HOST}\r\n`, status: 400, code: BAD_PATH },
  // upgrades
  {
    name: 'WebSocket upgrade',
    payload: `GET /${M} HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    status: 400,
    code: BAD_REQUEST,
    close: true,
  },
  {
    name: 'h2c upgrade',
    payload: `GET /${M} HTTP/1.1\r\n${HOST}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`,
    status: 400,
    code: BAD_REQUEST,
    close: true,
  },
  {
    name: 'unknown Expect',
    payload: post(`Expect: ${M}\r\nContent-Length: 3\r\n`, 'abc'),
    status: 417,
    code: 'PCL_ERR_EXPECTATION_FAILED',
    close: true,
  },
];

describe('malformed requests against a gateway in front of a real upstream', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let port: number;
  /** Requests whose head reached the upstream (counted before any body is read). */
  let upstreamHeads = 0;
  let upstreamHeadsWithMarker = 0;

  before(async () => {
    upstream = await startUpstream();
    upstream.server.on('request', (req) => {
      upstreamHeads++;
      if (`${req.url} ${req.rawHeaders.join(' ')}`.includes(M)) upstreamHeadsWithMarker++;
    });
    gw = await startTestGateway(
      passthroughYaml(
        upstream.url,
        `limits:
  maxHeaderSize: ${MAX_HEADER_SIZE}
  maxHeaderCount: ${MAX_HEADER_COUNT}
  maxUrlLength: ${MAX_URL}
  maxBodySize: ${MAX_BODY}
  headersTimeout: 1s
`,
      ),
    );
    port = Number(new URL(gw.url).port);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function assertServesNormally(): Promise<void> {
    const before = upstream.received.length;
    const r = await exchange(port, `GET /healthy?n=${before} HTTP/1.1\r\n${HOST}\r\n`);
    assert.equal(r.status, 200, `a normal request after the bad one: ${r.raw.slice(0, 200)}`);
    assert.equal(upstream.received.length, before + 1);
    assert.equal(upstream.received.at(-1)!.url, `/healthy?n=${before}`);
  }

  function assertProblem(r: Exchange, status: number, code: string): void {
    assert.equal(r.status, status, `status; got: ${JSON.stringify(r.raw.slice(0, 300))}`);
    assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, 'problem+json content type');
    const doc = JSON.parse(r.body) as { code?: string; status?: number };
    assert.equal(doc.code, code);
    assert.equal(doc.status, status);
    assert.ok(!r.raw.toLowerCase().includes(M.toLowerCase()), `the answer echoes the request: ${r.raw}`);
    // Security headers on every refusal, those written before any policy runs included.
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    assert.equal(r.headers['cache-control'], 'no-store');
  }

  for (const c of CASES) {
    test(c.name, c.todo ? { todo: c.todo } : {}, async () => {
      const heads = upstreamHeads;
      const received = upstream.received.length;
      const r = await exchange(port, c.payload);
      assertProblem(r, c.status, c.code);
      if (c.close ?? CLOSE_AFTER.has(c.code)) assert.ok(r.closed, 'the connection is closed after the refusal');
      if (!c.bodyError) assert.equal(upstreamHeads, heads, 'the upstream was contacted');
      assert.equal(upstream.received.length, received, 'the upstream received a request');
      await assertServesNormally();
    });
  }

  test('Transfer-Encoding "chunked" with odd spacing or casing is de-chunked and re-framed, never passed through', async () => {
    for (const te of ['ChUnKeD', '  chunked  ', '\tchunked', 'CHUNKED']) {
      const before = upstream.received.length;
      const body = `${M}-${te.trim()}`;
      const r = await exchange(port, post(`Transfer-Encoding:${te}\r\n`, chunked(body)));
      if (r.status === 400) {
        assertProblem(r, 400, FRAMING);
        assert.equal(upstream.received.length, before);
        continue;
      }
      assert.equal(r.status, 200, JSON.stringify(te));
      assert.equal(upstream.received.length, before + 1);
      const got = upstream.received.at(-1)!;
      assert.equal(got.body.toString(), body, 'the upstream got exactly the decoded body');
      // The upstream's framing is the proxy's own, never the client's spelling.
      const framing = got.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()).filter((n) => n === 'transfer-encoding' || n === 'content-length');
      assert.equal(framing.length, 1, `exactly one framing header upstream: ${got.rawHeaders.join(' | ')}`);
      assert.ok(!got.rawHeaders.includes(te), 'the client spelling of Transfer-Encoding reached the upstream');
    }
  });

  test('a chunked body over maxBodySize is refused with 413 and never completes upstream', async () => {
    const received = upstream.received.length;
    const big = 'c'.repeat(MAX_BODY + 200);
    const r = await exchange(port, post('Transfer-Encoding: chunked\r\n', `${M.length.toString(16)}\r\n${M}\r\n${chunked(big)}`));
    assertProblem(r, 413, 'PCL_ERR_BODY_TOO_LARGE');
    await sleep(50);
    assert.equal(upstream.received.length, received, 'the upstream must not receive a complete over-limit body');
    await assertServesNormally();
  });

  test('a chunked body over the limit sent slowly is cut as soon as it passes the limit', async () => {
    const received = upstream.received.length;
    const r = await new Promise<Exchange>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      let sent = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (closed: boolean) => {
        clearInterval(timer);
        socket.destroy();
        const parsed = parseResponse(data);
        resolve({ ...(parsed ?? { status: 0, headers: {}, body: '' }), raw: data, closed });
      };
      socket.on('data', (c: Buffer) => {
        data += c.toString('latin1');
        if (parseResponse(data)?.complete) finish(false);
      });
      socket.on('close', () => finish(true));
      socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? finish(true) : reject(e)));
      socket.on('connect', () => {
        socket.write(`POST /echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`);
        timer = setInterval(() => {
          // 256-byte chunks, up to 20 of them (5 kB) — far over the 1 kB limit; the gateway must answer before the end.
          if (sent++ >= 20 || socket.destroyed) return clearInterval(timer);
          socket.write(chunked('d'.repeat(256)).replace(/0\r\n\r\n$/, ''));
        }, 20);
      });
    });
    assertProblem(r, 413, 'PCL_ERR_BODY_TOO_LARGE');
    assert.ok(r.closed || r.headers.connection === 'close', 'the unread rest of the body must not be parsed as a next request');
    assert.equal(upstream.received.length, received);
    await assertServesNormally();
  });

  test('a slow client that never finishes its head gets 408 (or a closed connection) and others are still served', async () => {
    const started = performance.now();
    const slow = exchange(port, `GET /${M} HTTP/1.1\r\n${HOST}X-Slow: ${M}`, 5000);
    await sleep(200);
    await assertServesNormally(); // while the slow one is hanging
    const r = await slow;
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900, `cut too early: ${elapsed} ms`);
    assert.ok(elapsed < 4500, `not cut by headersTimeout: ${elapsed} ms`);
    assert.ok(r.closed, 'the slow connection must be closed');
    if (r.status !== 0) assertProblem(r, 408, 'PCL_ERR_REQUEST_TIMEOUT');
    await assertServesNormally();
  });

  test('a slowloris that trickles header bytes is still cut by headersTimeout', async () => {
    const started = performance.now();
    const r = await new Promise<{ closed: boolean; data: string }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      const timer = setInterval(() => socket.write(`X-${Math.random().toString(36).slice(2, 6)}: ${M}\r\n`), 150);
      const stop = setTimeout(() => done(false), 5000);
      const done = (closed: boolean) => {
        clearInterval(timer);
        clearTimeout(stop);
        socket.destroy();
        resolve({ closed, data });
      };
      socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
      socket.on('close', () => done(true));
      socket.on('error', () => {});
      socket.on('connect', () => socket.write(`GET /echo HTTP/1.1\r\n${HOST}`));
    });
    const elapsed = performance.now() - started;
    assert.ok(r.closed, 'a trickling head must be cut');
    assert.ok(elapsed < 4500, `cut after ${elapsed} ms`);
    assert.ok(!r.data.includes(M));
    if (r.data) assert.match(r.data, /^HTTP\/1\.1 (408|431) /);
    await assertServesNormally();
  });

  test('the battery in a loop (bounded) leaves the gateway healthy and leaks no connection', async () => {
    const battery = CASES.filter((c) => !c.todo);
    const bodyErrors = new Set(battery.filter((c) => c.bodyError).map((c) => c.name));
    let bodyErrorsSent = 0;
    const heads = upstreamHeads;
    const markerHeads = upstreamHeadsWithMarker;
    const received = upstream.received.length;
    const total = 300;
    let next = 0;
    const statuses = new Map<string, number>();
    const worker = async () => {
      while (next < total) {
        const c = battery[next++ % battery.length]!;
        const r = await exchange(port, c.payload);
        assert.equal(r.status, c.status, c.name);
        assert.ok(!r.raw.includes(M), c.name);
        statuses.set(c.name, (statuses.get(c.name) ?? 0) + 1);
        if (bodyErrors.has(c.name)) bodyErrorsSent++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.equal(statuses.size, battery.length);
    assert.ok(upstreamHeads - heads <= bodyErrorsSent, `${upstreamHeads - heads} heads reached the upstream, only ${bodyErrorsSent} were valid heads with a bad body`);
    assert.equal(upstream.received.length, received, 'a malformed request was completed upstream');
    assert.equal(upstreamHeadsWithMarker, markerHeads, 'a request line or header with the marker reached the upstream');
    await assertServesNormally();
    // Every socket of the loop was closed by the client: the gateway must let go of all of them
    // (a server-side socket left ESTABLISHED or in CLOSE_WAIT is a leak).
    let open: number[] = [];
    for (let i = 0; i < 40; i++) {
      open = serverSideSockets(port);
      if (open.length === 0) break;
      await sleep(50);
    }
    assert.deepEqual(open, [], 'server-side connections left open (TCP states)');
  });

});

describe('connection limit per client address', () => {
  test('connections over maxConnectionsPerIp are closed at once; others are served again once they go', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(passthroughYaml(upstream.url, 'limits:\n  maxConnectionsPerIp: 3\n'));
    const port = Number(new URL(gw.url).port);
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        held.push(s);
      }
      await sleep(50);
      // The 4th (and 5th) connection is accepted by the kernel and then closed by the gateway without an answer.
      for (let i = 0; i < 2; i++) {
        const r = await exchange(port, `GET /${M} HTTP/1.1\r\n${HOST}\r\n`, 2000);
        assert.ok(r.closed, 'an extra connection must be closed');
        assert.equal(r.status, 0, `an extra connection was served: ${r.raw.slice(0, 100)}`);
      }
      assert.equal(upstream.received.length, 0);
      // The held connections still work.
      held[0]!.write(`GET /held HTTP/1.1\r\n${HOST}\r\n`);
      const answer = await new Promise<string>((r) => held[0]!.once('data', (c: Buffer) => r(c.toString('latin1'))));
      assert.match(answer, /^HTTP\/1\.1 200 /);
      for (const s of held) s.destroy();
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        await sleep(25);
        ok = (await exchange(port, `GET /after HTTP/1.1\r\n${HOST}\r\n`, 1000)).status === 200;
      }
      assert.ok(ok, 'once the connections are gone the client is served again');
    } finally {
      for (const s of held) s.destroy();
      await gw.close();
      await upstream.close();
    }
  });
});
