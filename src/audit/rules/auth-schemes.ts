// API2: weak or leaky security schemes (HTTP Basic, outdated HTTP schemes, API keys in URLs, JWTs without
// algorithm constraints, long-lived tokens, deprecated OAuth 2 flows).
import type { JsonPath } from '../../config/source.ts';
import type { AuditModel, Node } from '../model.ts';
import { isObject } from '../model.ts';
import type { Rule } from '../types.ts';

function eachScheme(model: AuditModel, visit: (name: string, scheme: Node, at: JsonPath) => void): void {
  for (const [name, { node, path }] of model.securitySchemes) visit(name, node, path);
}

function httpScheme(scheme: Node): string | undefined {
  return scheme.type === 'http' && typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : undefined;
}

export const httpBasic: Rule = {
  id: 'http-basic',
  title: 'HTTP Basic authentication',
  severity: 'high',
  category: 'API2:2023',
  cwe: 522,
  why: 'Basic authentication sends a reusable password (base64, not encrypted) with every request: one leaked log line, proxy or browser cache exposes it, and it cannot be scoped, rotated or expired like a token.',
  fix: 'Use OAuth 2 / OpenID Connect bearer tokens, or at least per-client API keys in a header that can be rotated and revoked.',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      if (httpScheme(scheme) === 'basic' || (model.version === '2.0' && scheme.type === 'basic')) {
        report(at, `Security scheme "${name}" uses HTTP Basic authentication.`);
      }
    });
  },
};

const OUTDATED = new Map([
  ['digest', 'Digest (MD5-based challenge)'],
  ['negotiate', 'Negotiate (Kerberos/NTLM)'],
  ['ntlm', 'NTLM'],
  ['oauth', 'OAuth 1.0'],
]);

export const insecureAuthScheme: Rule = {
  id: 'insecure-auth-scheme',
  title: 'Outdated HTTP authentication scheme',
  severity: 'high',
  category: 'API2:2023',
  cwe: 1390,
  why: 'Digest, NTLM, Negotiate and OAuth 1.0 rely on weak hashes or on protocols meant for intranets; they are hard to use safely over the internet and poorly supported by modern clients and gateways.',
  fix: 'Use bearer tokens from OAuth 2 / OpenID Connect, or mutual TLS between services.',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      const kind = OUTDATED.get(httpScheme(scheme) ?? '');
      if (kind) report([...at, 'scheme'], `Security scheme "${name}" uses ${kind}, an outdated HTTP authentication scheme.`);
    });
  },
};

export const apiKeyInUrl: Rule = {
  id: 'api-key-in-url',
  title: 'API key sent in the URL',
  severity: 'high',
  category: 'API2:2023',
  cwe: 598,
  why: 'URLs end up in access logs, proxy logs, browser history and Referer headers: a key in the query string or path leaks to everyone who can read them.',
  fix: 'Send the key in a header (`in: header`, e.g. `X-API-Key`) or move to bearer tokens.',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      if (scheme.type === 'apiKey' && (scheme.in === 'query' || scheme.in === 'path')) {
        report([...at, 'in'], `Security scheme "${name}" sends the API key in the ${scheme.in} (${String(scheme.name ?? '?')}).`);
      }
    });
  },
};

const RFC8725 = /RFC\s*-?\s*8725/i;
const STRONG_ALGS = /\b(?:RS|PS|ES)(?:256|384|512)\b|\bES256K\b|\bEdDSA\b|\bEd(?:25519|448)\b/;

function algorithmsFromExtensions(scheme: Node): unknown[] {
  const out: unknown[] = [];
  for (const [key, value] of Object.entries(scheme)) {
    if (!key.startsWith('x-') || !isObject(value)) continue;
    for (const field of ['algorithms', 'algs', 'alg', 'allowedAlgorithms']) {
      const v = value[field];
      if (Array.isArray(v)) out.push(...v);
      else if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

export const jwtBestPractices: Rule = {
  id: 'jwt-best-practices',
  title: 'JWT without documented algorithm constraints (RFC 8725)',
  severity: 'medium',
  category: 'API2:2023',
  cwe: 347,
  why: 'RFC 8725 (JWT Best Current Practices) asks verifiers to accept only the algorithms they expect: libraries that take `alg` from the token have accepted `none` or verified an RS256 token as HS256 with the public key as the secret. A scheme that does not say which algorithms, issuer and audience apply leaves every implementer to guess.',
  fix: 'State in the scheme `description` the accepted algorithms (e.g. RS256, ES256, EdDSA), the issuer, the audience and that tokens follow RFC 8725, or list them in an extension such as `x-portcullis-jwt: { algorithms: [RS256] }`.',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      const jwt = (httpScheme(scheme) === 'bearer' && /jwt/i.test(String(scheme.bearerFormat ?? ''))) || scheme.type === 'oauth2' || scheme.type === 'openIdConnect';
      if (!jwt) return;
      const description = typeof scheme.description === 'string' ? scheme.description : '';
      const listed = algorithmsFromExtensions(scheme).map(String);
      if (listed.length > 0) {
        const weak = listed.filter((alg) => /^(none|HS\d+)$/i.test(alg));
        if (weak.length > 0) report(at, `Security scheme "${name}" accepts ${weak.join(', ')}: use asymmetric algorithms (RS256, ES256, EdDSA).`);
        return;
      }
      if (/\balg(?:orithm)?["'`]?\s*[:=]?\s*["'`]?none\b/i.test(description)) {
        report(at, `Security scheme "${name}" mentions the "none" algorithm.`);
        return;
      }
      if (RFC8725.test(description) || STRONG_ALGS.test(description)) return;
      report(at, `Security scheme "${name}" carries JWTs but does not document the accepted algorithms or RFC 8725.`);
    });
  },
};

const LIFETIME = /expir|lifetime|life-time|\bttl\b|valid for|short-lived|refresh|\b\d+\s*-?\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b/i;

function describesLifetime(...texts: unknown[]): boolean {
  return texts.some((t) => typeof t === 'string' && LIFETIME.test(t));
}

export const shortLivedTokens: Rule = {
  id: 'short-lived-tokens',
  title: 'Access tokens with no sign of expiry or refresh',
  severity: 'medium',
  category: 'API2:2023',
  cwe: 613,
  why: 'A stolen access token is useful until it expires. OAuth 2 flows that issue no refresh tokens (no `refreshUrl`) and bearer schemes that say nothing about lifetime usually mean long-lived tokens.',
  fix: 'Issue short-lived access tokens (minutes) with refresh tokens: add `refreshUrl` to authorization-code and password flows, and state the lifetime in the scheme description ("access tokens expire after 15 minutes").',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      if (httpScheme(scheme) === 'bearer' && !describesLifetime(scheme.description)) {
        report(at, `Bearer scheme "${name}" does not say how long its tokens live.`);
        return;
      }
      if (scheme.type !== 'oauth2') return;
      if (model.version === '2.0') {
        if ((scheme.flow === 'accessCode' || scheme.flow === 'password') && !describesLifetime(scheme.description)) {
          report(at, `OAuth 2 scheme "${name}" (${scheme.flow} flow) does not say how long its tokens live (Swagger 2.0 has no refreshUrl).`);
        }
        return;
      }
      if (!isObject(scheme.flows)) return;
      for (const flowName of ['authorizationCode', 'password']) {
        const flow = scheme.flows[flowName];
        if (!isObject(flow) || typeof flow.refreshUrl === 'string' || describesLifetime(scheme.description, flow.description)) continue;
        report([...at, 'flows', flowName], `OAuth 2 scheme "${name}": the ${flowName} flow has no refreshUrl and no documented token lifetime.`);
      }
    });
  },
};

export const oauth2DeprecatedFlow: Rule = {
  id: 'oauth2-deprecated-flow',
  title: 'Deprecated OAuth 2 flow (implicit or password)',
  severity: 'medium',
  category: 'API2:2023',
  cwe: 287,
  why: 'The OAuth 2.0 Security Best Current Practice (RFC 9700) says the implicit grant (tokens in the URL fragment, no sender constraint) and the resource owner password grant (the client sees the user\'s password) must not be used.',
  fix: 'Use the authorization code flow with PKCE for user-facing clients and client credentials for services.',
  check(model, report) {
    eachScheme(model, (name, scheme, at) => {
      if (scheme.type !== 'oauth2') return;
      const flows: [string, JsonPath][] =
        model.version === '2.0'
          ? typeof scheme.flow === 'string' ? [[scheme.flow, [...at, 'flow']]] : []
          : isObject(scheme.flows) ? Object.keys(scheme.flows).map((f) => [f, [...at, 'flows', f]]) : [];
      for (const [flow, where] of flows) {
        if (flow === 'implicit' || flow === 'password') report(where, `OAuth 2 scheme "${name}" offers the ${flow} flow.`);
      }
    });
  },
};

