// Data-leak filtering: payment cards, IBANs, SSNs, private keys, cloud keys, JWTs and password
// fields in response bodies, each type with its action: mask (JSON and text bodies are rewritten,
// JSON stays valid), block (502, the body never leaves), or report. Binary bodies are not read.
import { isUtf8 } from 'node:buffer';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { wideEncoding } from '../../core/json-text.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { exactReplacement, NOT_JSON, type BodyReplacement } from '../../core/response-body.ts';
import { toBytes } from '../../config/units.ts';
import { LEAK_TYPES, type LeakType } from './detectors.ts';
import { MAX_DEPTH, scanJson, scanText, type LeakFindings, type LeakRules } from './scan.ts';
import { keyColons, parseKeepingDuplicates, serialize } from '../../core/json-duplicates.ts';
import { dataLeakSchema, type DataLeakConfig, type LeakAction } from './schema.ts';

const DEFAULT_ACTIONS: Record<LeakType, LeakAction> = { card: 'mask', iban: 'mask', ssn: 'mask', privateKey: 'block', cloudKey: 'block', jwt: 'report', password: 'mask' };

export const dataLeak: PolicyFactory<DataLeakConfig> = {
  name: 'data-leak',
  phase: 'proxy',
  description: 'Finds card numbers, IBANs, SSNs, private keys, cloud keys, JWTs and password fields in responses: masks, blocks or reports them.',
  schema: dataLeakSchema,
  create(config, env) {
    const rules: LeakRules = { actions: { ...DEFAULT_ACTIONS, ...config.actions }, ignoreFields: new Set(config.ignoreFields) };
    const blocking = LEAK_TYPES.filter((t) => rules.actions[t] === 'block');
    return {
      responseBodyLimit: toBytes(config.maxBodySize),
      oversize: config.onOversize,
      onResponseBody(ctx, head, body) {
        const type = body.mediaType;
        const textual = type.startsWith('text/') || type.endsWith('+xml') || type === 'application/xml';
        let findings: LeakFindings = { found: {}, masked: false };
        // UTF-16 (by its charset or its first bytes; a body without a type by its byte-order mark):
        // read decoded, its characters are what clients read (Python's json, Jackson). Scanned as text
        // (every copy of a repeated key, integers by their digits) and as JSON (password fields); a
        // leak found cannot be masked in place: the body is withheld.
        if (body.isJsonType || textual || type === '') {
          // Without a type, only a byte-order mark says UTF-16: zero bytes may be any binary format.
          const wide = wideEncoding(body.bytes(), head.headers['content-type'], body.isJsonType);
          if (wide === 'utf-32') throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is UTF-32, which the data-leak policy cannot read.');
          if (wide !== undefined) {
            const text = new TextDecoder(wide).decode(body.bytes());
            scanText(text, rules, findings);
            try {
              const fields: LeakFindings = { found: {}, masked: false };
              scanJson(JSON.parse(text), rules, fields);
              for (const [t, n] of Object.entries(fields.found) as [LeakType, number][]) findings.found[t] = Math.max(findings.found[t] ?? 0, n);
              findings.masked ||= fields.masked;
            } catch {
              // not JSON: the text scan stands
            }
            report(ctx, findings, true);
            return undefined;
          }
        }
        // A body without a type is read as JSON when it parses, else as text unless it looks binary:
        // a client may well take it for either.
        const untyped = type === '' && body.length > 0 && (body.json() !== NOT_JSON || looksLikeText(body.bytes()));
        const json = body.isJsonType || (untyped && body.json() !== NOT_JSON);
        if (!json && !untyped && !textual) return undefined;
        const value = json ? body.json() : NOT_JSON;
        let out: BodyReplacement | undefined;
        // A body that claims JSON but is not is still scanned as text: a leak is a leak.
        if (value === NOT_JSON) {
          const text = body.text();
          const masked = scanText(text, rules, findings);
          if (masked !== text) out = Buffer.from(masked);
        } else {
          let scanned = scanJson(value, rules, findings);
          const text = body.text();
          // JSON.parse keeps the last copy of a repeated key: fewer members than the text holds, and
          // the body is read again keeping every copy (rare: the count is the cheap part).
          const kept = (findings.members ?? 0) < keyColons(text) ? parseKeepingDuplicates(text, MAX_DEPTH) : undefined;
          if (kept?.duplicates) {
            // Every copy scanned, and masked where it is: the client's parser may keep any of them.
            findings = { found: {}, masked: false };
            scanned = scanJson(kept.value, rules, findings);
            if (scanned !== kept.value) out = Buffer.from(serialize(scanned));
          } else if (findings.imprecise || (scanned !== value && body.mayHoldBigIntegers)) {
            // Rare: scanned again (and masked) on the exact digits of the integers JSON.parse rounded:
            // a card sent as a number, or any such integer of a body that is rewritten.
            const exact = body.exactJson();
            findings = { found: {}, masked: false };
            scanned = scanJson(exact, rules, findings);
            if (scanned !== exact) out = exactReplacement(scanned);
          } else if (scanned !== value) out = { json: scanned };
        }
        return report(ctx, findings, false) ? out : undefined;
      },
    };

    /**
     * Logs and records what was found; throws for a type that blocks, or for one that masks when the
     * body cannot be masked (`unmaskable`). True when the body was masked and goes out rewritten.
     */
    function report(ctx: RequestContext, findings: LeakFindings, unmaskable: boolean): undefined | boolean {
      const types = Object.keys(findings.found) as LeakType[];
      if (types.length === 0) return undefined;
      env.logger.warn({ reqId: ctx.id, op: ctx.operationId, found: findings.found }, 'data leak in upstream response');
      // Evidence for the audit trail: which kinds and how many, never the values.
      (ctx.state ??= {})['data-leak'] = { types, counts: types.map((t) => findings.found[t]!) };
      if (blocking.some((t) => findings.found[t]) || (unmaskable && findings.masked)) throw new GatewayError('PCL_ERR_RESPONSE_DATA_LEAK');
      ctx.record('data-leak', 'report');
      return findings.masked;
    }
  },
};

/** Valid UTF-8 without NUL bytes: text, as far as a reader without a media type can tell. */
function looksLikeText(bytes: Buffer): boolean {
  return bytes.indexOf(0) === -1 && isUtf8(bytes);
}
