// Requests Node's parser refuses never reach a handler; they are answered here, on the raw socket,
// with a problem+json body and the connection closed. Nothing about the request is echoed.
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

type ServedSocket = Socket & { [ANSWERED]?: ErrorCode; _httpMessage?: { headersSent?: boolean } | null };

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const code = classifyParseError(error.code);
  (socket as ServedSocket)[ANSWERED] = code;
  // A response already under way (the upstream answered before the request body arrived): an answer
  // written now would land inside its body. The connection is cut instead, as Node's own handler does.
  if ((socket as ServedSocket)._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, title } = ERRORS[code];
  const body = JSON.stringify({ type: problemType(code), title, status, code });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
  // A client that stops reading must not keep the socket alive.
  socket.setTimeout(5000, () => socket.destroy());
}
