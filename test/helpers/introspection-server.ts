// A small OAuth2 authorization server's introspection endpoint (RFC 7662) for tests: it checks the
// client's credentials (client_secret_basic, client_secret_post, or a private_key_jwt assertion verified
// with the client's public key, each jti accepted once), answers from a token table, and can be made
// to fail, stall or go down.
import type { KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

export interface IntrospectionServer {
  readonly url: string;
  /** token → introspection answer (without `active`, which is true for listed tokens). */
  readonly tokens: Map<string, Record<string, unknown>>;
  /** Every call: the token and the client credentials it came with. */
  readonly calls: { token: string | null; hint: string | null; client: string; method: string }[];
  /** 'ok', an HTTP status to answer with, 'slow' (answers after `delayMs`), or 'garbage'. */
  behaviour: 'ok' | 'slow' | 'garbage' | number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startIntrospectionServer(clientId: string, clientSecret: string, port = 0, clientPublicKey?: KeyObject): Promise<IntrospectionServer> {
  const tokens = new Map<string, Record<string, unknown>>();
  const calls: IntrospectionServer['calls'] = [];
  // RFC 6749 §2.3.1: Basic credentials are the form-urlencoded client id and secret.
  const client = (auth: string): string | undefined => {
    if (!auth.startsWith('Basic ')) return undefined;
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    const decode = (v: string | undefined) => (v === undefined ? undefined : decodeURIComponent(v.replace(/\+/g, ' ')));
    return decode(id) === clientId && decode(secret) === clientSecret ? clientId : undefined;
  };
  const usedJti = new Set<string>();
  let url = '';
  const assertionClient = async (form: URLSearchParams): Promise<string | undefined> => {
    if (!clientPublicKey || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return undefined;
    try {
      const { payload } = await jwtVerify(form.get('client_assertion') ?? '', clientPublicKey, { issuer: clientId, subject: clientId, audience: url, maxTokenAge: '2m' });
      if (typeof payload.jti !== 'string' || usedJti.has(payload.jti) || form.get('client_id') !== clientId) return undefined;
      usedJti.add(payload.jti);
      return clientId;
    } catch {
      return undefined;
    }
  };
  const identify = async (auth: string, form: URLSearchParams): Promise<[string | undefined, string]> => {
    if (auth !== '') return [client(auth), 'client_secret_basic'];
    if (form.has('client_assertion')) return [await assertionClient(form), 'private_key_jwt'];
    const ok = form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
    return [ok ? clientId : undefined, 'client_secret_post'];
  };
  const self = { behaviour: 'ok', delayMs: 0 } as IntrospectionServer;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const [who, method] = await identify(req.headers.authorization ?? '', form);
      calls.push({ token: form.get('token'), hint: form.get('token_type_hint'), client: who ?? 'wrong', method });
      const send = (status: number, body: unknown) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-www-form-urlencoded') return send(400, { error: 'invalid_request' });
      if (who === undefined) return send(401, { error: 'invalid_client' });
      if (typeof self.behaviour === 'number') return send(self.behaviour, { error: 'server_error' });
      if (self.behaviour === 'garbage') return send(200, '<html>maintenance</html>');
      const entry = tokens.get(form.get('token') ?? '');
      const answer = entry ? { active: true, ...entry } : { active: false };
      if (self.behaviour === 'slow' || self.delayMs > 0) setTimeout(() => send(200, answer), self.delayMs);
      else send(200, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  return Object.assign(self, {
    url,
    tokens,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
