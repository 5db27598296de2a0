// Requests Node's parser refuses never reach a handler; they are answered here, on the raw socket,
// with a problem+json body and the connection closed. Nothing about the request is echoed. Behind
// pipelined requests still being answered, the answer waits for their responses to go out whole.
import type { Socket } from 'node:net';
import { ERRORS, problemType, type ErrorCode } from '../core/errors.ts';
import { PROBLEM_CONTENT_TYPE } from '../core/problem.ts';

const REASONS: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' };

export function classifyParseError(code: string | undefined): ErrorCode {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'PCL_ERR_HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 'PCL_ERR_REQUEST_TIMEOUT';
    case 'PCL_CONNECT':
      return 'PCL_ERR_METHOD_NOT_ALLOWED';
    case 'PCL_EXPECTATION':
      return 'PCL_ERR_EXPECTATION_FAILED';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PCL_ERR_AMBIGUOUS_FRAMING';
    default:
      return 'PCL_ERR_BAD_REQUEST';
  }
}

/**
 * On a socket ended here: the code it was answered with, or cut for when a response was already under
 * way. A request whose handler was still at work (its body being read when the request timeout struck,
 * its response being sent) is then recorded with that code.
 */
export const ANSWERED: unique symbol = Symbol('answered with');

/**
 * On a socket whose answer waits for the responses before it: the code it will be answered with, and
 * the failing request's response when Node made one (an expectation refused): it is answered in its turn.
 */
const PENDING: unique symbol = Symbol('answer after the responses before it');
const FAILING: unique symbol = Symbol('the failing request\'s response');

/** The response a socket is writing, and its request (Node's internals, read only). */
type InFlight = { headersSent: boolean; req: { complete: boolean }; once(event: 'finish', listener: () => void): unknown };
type ServedSocket = Socket & {
  [ANSWERED]?: ErrorCode;
  [PENDING]?: ErrorCode;
  [FAILING]?: object;
  _httpMessage?: InFlight | null;
  parser?: { pause(): void } | null;
};

/** `failing`: the failing request's response, when Node made one (never ended: the answer is written here). */
/**
 * Those of the security-headers policy's defaults that fit a problem body, on answers written before
 * any policy runs (the policy never sees them).
 */
const SECURITY_HEADERS =
  "x-content-type-options: nosniff\r\nx-frame-options: DENY\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'\r\n" +
  'referrer-policy: no-referrer\r\ncross-origin-resource-policy: same-origin\r\n';

export function answerClientError(error: Error & { code?: string }, socket: Socket, failing?: object): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const served = socket as ServedSocket;
  if (served[PENDING] !== undefined) return; // answered once the responses before it are out; the rest is ignored
  const code = classifyParseError(error.code);
  // Pipelined: the failing request came after one already read in full whose response is still being
  // written (a timeout or a parse error only strikes a request still arriving). An answer written now
  // would replace or cut that response; it follows the responses before it instead. The parser is
  // paused (at once, or as the parse under way returns): what follows is never read as a request.
  if (served._httpMessage !== failing && served._httpMessage?.req.complete) {
    served[PENDING] = code;
    served[FAILING] = failing;
    served.parser?.pause();
    served._httpMessage.once('finish', () => answerWhenFree(served));
    return;
  }
  answer(served, code);
}

/** After a response ends (Node has moved on to the next queued one, if any): answer, or wait for the next. */
function answerWhenFree(socket: ServedSocket): void {
  if (socket.destroyed || socket.writableEnded) return; // that response closed the connection: nothing more to say
  const next = socket._httpMessage;
  if (next !== socket[FAILING] && next?.req.complete) next.once('finish', () => answerWhenFree(socket));
  else answer(socket, socket[PENDING]!);
}

function answer(socket: ServedSocket, code: ErrorCode): void {
  socket[ANSWERED] = code;
  // A response already under way (the upstream answered before the request body arrived): an answer
  // written now would land inside its body. The connection is cut instead, as Node's own handler does.
  if (socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, title } = ERRORS[code];
  const body = JSON.stringify({ type: problemType(code), title, status, code });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n${SECURITY_HEADERS}` +
      `connection: close\r\n\r\n${body}`,
  );
  // A client that stops reading must not keep the socket alive.
  socket.setTimeout(5000, () => socket.destroy());
}
