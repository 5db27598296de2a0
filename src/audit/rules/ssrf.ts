// API7: URLs the client chooses and the server fetches or redirects to.
import type { JsonPath } from '../../config/source.ts';
import type { Node } from '../model.ts';
import { isObject, typesOf } from '../model.ts';
import { isUrlName } from '../names.ts';
import type { Rule } from '../types.ts';

/**
 * Whether a pattern pins the host (`^https://(cdn|img)\.example\.com/`) or keeps to local paths (`^/[a-z]`).
 * A pattern that only fixes the scheme (`^https://`) is not an allow-list.
 */
export function pinsHost(pattern: string): boolean {
  const at = pattern.indexOf('://');
  if (at < 0) return /^\^\/(?!\/)/.test(pattern);
  const rest = pattern.slice(at + 3);
  return /\\\.[A-Za-z][A-Za-z-]*(?:[/$):?]|\\\/|$)/.test(rest) && !/^\.\*\$?$/.test(rest);
}

/** enum, const or a host-pinning pattern. */
export function hasAllowList(schema: Node): boolean {
  return Array.isArray(schema.enum) || schema.const !== undefined || (typeof schema.pattern === 'string' && pinsHost(schema.pattern));
}

const URI_FORMATS = new Set(['uri', 'url', 'iri', 'uri-reference', 'iri-reference', 'uri-template']);

export const urlParameter: Rule = {
  id: 'url-parameter',
  title: 'URL chosen by the client (SSRF / open redirect)',
  severity: 'medium',
  category: 'API7:2023',
  cwe: 918,
  why: 'Parameters and fields named url, callback, redirect, webhook, returnTo... are URLs the server will fetch or send the user to. Without an allow-list, an attacker points them at internal services and cloud metadata endpoints (SSRF) or at a phishing site (open redirect).',
  fix: 'Accept only URLs on an allow-list (an `enum`, or a `pattern` that pins the host such as `^https://(images|cdn)\\.example\\.com/`), resolve and check the address before fetching (no private, loopback or link-local ranges), and do not follow redirects blindly.',
  check(model, report) {
    const seen = new Set<object>();
    for (const op of model.operations) {
      for (const p of op.parameters) {
        if (!isUrlName(p.name)) continue;
        const schema = p.schema ? model.resolve(p.schema.node, p.schema.path)?.node : undefined;
        if (schema && hasAllowList(schema)) continue;
        report(p.path, `${op.label}: ${p.in} parameter "${p.name}" takes a URL without an allow-list.`, op.label);
      }
    }
    for (const visit of model.requestSchemas) {
      const properties = visit.schema.properties;
      if (!isObject(properties) || seen.has(visit.schema)) continue;
      seen.add(visit.schema);
      for (const [name, raw] of Object.entries(properties)) {
        if (!isUrlName(name)) continue;
        const at: JsonPath = [...visit.path, 'properties', name];
        const schema = model.resolve(raw, at)?.node;
        if (!schema || schema.readOnly === true || hasAllowList(schema)) continue;
        if (typesOf(schema).length > 0 && !typesOf(schema).includes('string') && !typesOf(schema).includes('array')) continue;
        report(at, `${visit.operation.label}: field "${name}" takes a URL without an allow-list.`, visit.operation.label);
      }
    }
  },
};

export const uriWithoutAllowList: Rule = {
  id: 'uri-without-allowlist',
  title: 'Request URI value without an allow-list',
  severity: 'medium',
  category: 'API7:2023',
  cwe: 918,
  why: 'A request value declared `format: uri` is a URL by contract, whatever its name: if the server ever fetches it (previews, imports, avatars, webhooks), an attacker chooses where the server connects. Values already reported by url-parameter are not reported twice.',
  fix: 'Constrain it with an `enum` or a host-pinning `pattern`, and validate the resolved address server-side (no private, loopback or link-local ranges).',
  check(model, report) {
    for (const visit of model.requestSchemas) {
      const s = visit.schema;
      if (!URI_FORMATS.has(String(s.format)) || s.readOnly === true || hasAllowList(s)) continue;
      if (visit.name && isUrlName(visit.name)) continue; // url-parameter reports it
      report(visit.path, `${visit.operation.label}: ${visit.name ? `"${visit.name}"` : 'a value'} is a URI (format: ${s.format}) without an allow-list.`, visit.operation.label);
    }
  },
};
