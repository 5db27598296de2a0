// A plain-HTTP listener that sends everyone to HTTPS (308 keeps the method and body semantics).
import type { IncomingMessage, ServerResponse } from 'node:http';

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function redirectToHttps(req: IncomingMessage, res: ServerResponse, port: number): void {
  const host = req.headers.host ?? '';
  const url = req.url ?? '/';
  if (!HOST.test(host) || !url.startsWith('/')) {
    res.writeHead(400, { 'content-type': 'application/problem+json', connection: 'close' });
    res.end(JSON.stringify({ type: 'urn:portcullis:problem:bad-request', title: 'Malformed request', status: 400, code: 'PCL_ERR_BAD_REQUEST' }));
    return;
  }
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  res.writeHead(308, { location: `https://${name}${port === 443 ? '' : `:${port}`}${url}`, 'content-length': '0', 'cache-control': 'no-store' });
  res.end();
}
