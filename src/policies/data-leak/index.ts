// Data-leak filtering: payment cards, IBANs, SSNs, private keys, cloud keys, JWTs and password
// fields in response bodies, each type with its action: mask (JSON and text bodies are rewritten,
// JSON stays valid), block (502, the body never leaves), or report. Binary bodies are not read.
import { isUtf8 } from 'node:buffer';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { wideEncoding } from '../../core/json-text.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { exactReplacement, NOT_JSON, ResponseBody, type BodyReplacement } from '../../core/response-body.ts';
import { toBytes } from '../../config/units.ts';
import { carry, charsetOf, escapesCarried, uncarry, type Charset } from './charset.ts';
import { LEAK_TYPES, type LeakType } from './detectors.ts';
import { MAX_DEPTH, scanJson, scanText, type LeakFindings, type LeakRules } from './scan.ts';
import { keyColons, parseKeepingDuplicates, serialize } from '../../core/json-duplicates.ts';
import { dataLeakSchema, type DataLeakConfig, type LeakAction } from './schema.ts';

// Secrets are masked, not blocked, by default: a value any user can store (a display name that looks
// like an AWS key) would otherwise take every response listing it offline for everyone (502).
const DEFAULT_ACTIONS: Record<LeakType, LeakAction> = { card: 'mask', iban: 'mask', ssn: 'mask', privateKey: 'mask', cloudKey: 'mask', jwt: 'report', password: 'mask' };

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
        const charset = charsetOf(head.headers['content-type']);
        // Every reading a client may use is scanned: the decoded ones (UTF-16 for Python's json and
        // Jackson, the declared charset where the bytes cannot be masked) first, then the UTF-8 one
        // (fetch().json(), axios and browsers read JSON as UTF-8 whatever the charset says, and a
        // browser obeys a UTF-8 byte-order mark over it), which is masked in place.
        const wide = body.isJsonType || textual || type === '' ? scanDecoded(body.bytes(), head.headers['content-type'], body.isJsonType, type === '', charset, rules) : undefined;
        // What a decoded reading finds to mask cannot be masked in the bytes: withheld. (In UTF-16 a match
        // is ASCII written with zero bytes, which no UTF-8 match holds: masking those never hides it.)
        if (wide !== undefined && (wide.masked || blocking.some((t) => wide.found[t]))) report(ctx, wide, true);
        // A body without a type is read as JSON when it parses, else as text unless it looks binary:
        // a client may well take it for either.
        const untyped = type === '' && body.length > 0 && (body.json() !== NOT_JSON || looksLikeText(body.bytes()));
        const json = body.isJsonType || (untyped && body.json() !== NOT_JSON);
        if (!json && !untyped && !textual) {
          if (wide !== undefined) report(ctx, wide, false);
          return undefined;
        }
        const { findings, out: masked } = maskBody(body, json, rules);
        let out = masked;
        const bytes = body.bytes();
        // Masked, the body goes out in its charset with every other byte as it came: masked again on its
        // bytes (charset.ts) where UTF-8 would not give them back (a single-byte charset, bytes that are
        // not UTF-8), unless a UTF-8 byte-order mark says UTF-8 to every reader.
        if (out !== undefined && charset.kind !== 'decoded' && !hasUtf8Bom(bytes) && (charset.kind === 'single-byte' || !isUtf8(bytes))) {
          const carried = carry(bytes);
          const exact = json && escapesCarried(carried) ? undefined : maskBody(new ResponseBody(head, Buffer.from(carried)), json, rules);
          // Both readings find the same (ASCII) matches; should they not, nothing is guessed: withheld.
          if (exact?.out === undefined || !sameCounts(exact.findings, findings)) {
            report(ctx, findings, true); // throws: something was to be masked
            return undefined;
          }
          out = uncarry(textOf(exact.out));
        }
        // Reported findings of a decoded reading (a JWT, say) count too. A charset that cannot be
        // rewritten withholds what the UTF-8 reading would mask.
        for (const [t, n] of Object.entries(wide?.found ?? {}) as [LeakType, number][]) findings.found[t] = (findings.found[t] ?? 0) + n;
        return report(ctx, findings, charset.kind === 'decoded') ? out : undefined;
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

/**
 * The body's leaks masked (`out`: its replacement, undefined when nothing was masked): JSON value by
 * value, other bodies as text. A body that claims JSON but is not is still scanned as text: a leak is
 * a leak. A UTF-8 byte-order mark stays, whichever way the body is written again: a browser reads the
 * body by it, over a charset saying UTF-16.
 */
function maskBody(body: ResponseBody, json: boolean, rules: LeakRules): { findings: LeakFindings; out: BodyReplacement | undefined } {
  const value = json ? body.json() : NOT_JSON;
  let findings: LeakFindings = { found: {}, masked: false };
  let out: BodyReplacement | undefined;
  const text = body.text();
  if (value === NOT_JSON) {
    const masked = scanText(text, rules, findings);
    if (masked !== text) out = Buffer.from(hasUtf8Bom(body.bytes()) ? `\uFEFF${masked}` : masked);
    return { findings, out };
  }
  let scanned = scanJson(value, rules, findings);
  // JSON.parse keeps the last copy of a repeated key: fewer members than the text holds, and the body
  // is read again keeping every copy (rare: the count is the cheap part).
  const kept = (findings.members ?? 0) < keyColons(text) ? parseKeepingDuplicates(text, MAX_DEPTH) : undefined;
  if (kept?.duplicates) {
    // Every copy scanned, and masked where it is: the client's parser may keep any of them.
    findings = { found: {}, masked: false };
    scanned = scanJson(kept.value, rules, findings);
    if (scanned !== kept.value) out = Buffer.from(serialize(scanned));
  } else if (findings.imprecise || (scanned !== value && body.mayHoldBigIntegers)) {
    // Rare: scanned again (and masked) on the exact digits of the integers JSON.parse rounded: a card
    // sent as a number, or any such integer of a body that is rewritten.
    const exact = body.exactJson();
    findings = { found: {}, masked: false };
    scanned = scanJson(exact, rules, findings);
    if (scanned !== exact) out = exactReplacement(scanned);
  } else if (scanned !== value) out = { json: scanned };
  // JSON written again keeps its byte-order mark, as text does: a browser reads it by the mark, over the charset.
  if (out !== undefined && hasUtf8Bom(body.bytes())) out = Buffer.concat([UTF8_BOM, Buffer.from(textOf(out))]);
  return { findings, out };
}

/** The text a replacement goes out as. */
function textOf(out: BodyReplacement): string {
  return Buffer.isBuffer(out) ? out.toString('utf8') : (out.text ?? JSON.stringify(out.json));
}

function sameCounts(a: LeakFindings, b: LeakFindings): boolean {
  return LEAK_TYPES.every((t) => a.found[t] === b.found[t]);
}

/**
 * What the decoded readings of a body hold (`masked`: something its action would mask), or undefined
 * when it has none. UTF-16 by its charset, a byte-order mark or, for JSON, the zero bytes Python's
 * detection reads; without a type, zero bytes count only when what they decode to parses as JSON (any
 * binary format has zero bytes: an untyped MP4 was once withheld as UTF-32). And the declared charset
 * where the bytes cannot be masked in place (Shift_JIS...). Read as text (every copy of a repeated
 * key, integers by their digits) and as JSON (password fields). UTF-32 and charsets the gateway does
 * not decode are refused.
 */
function scanDecoded(bytes: Buffer, contentType: unknown, json: boolean, untyped: boolean, charset: Charset, rules: LeakRules): LeakFindings | undefined {
  let encoding = wideEncoding(bytes, contentType, json);
  if (encoding === 'utf-32') throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is UTF-32, which the data-leak policy cannot read.');
  if (charset.kind === 'unreadable' && bytes.length > 0) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is in a charset the data-leak policy cannot read.');
  const sniffed = encoding === undefined && untyped;
  if (sniffed) encoding = wideEncoding(bytes, contentType, true);
  let findings: LeakFindings | undefined;
  if (encoding !== undefined && encoding !== 'utf-32') findings = scanReading(new TextDecoder(encoding).decode(bytes), rules, sniffed);
  for (const other of charset.kind === 'decoded' ? charset.encodings : []) {
    const more = scanReading(new TextDecoder(other).decode(bytes), rules, false)!;
    findings = findings === undefined ? more : merge(findings, more);
  }
  return findings;
}

/** A decoded reading scanned as text and, when it parses, as JSON; undefined when `onlyJson` and it does not. */
function scanReading(text: string, rules: LeakRules, onlyJson: boolean): LeakFindings | undefined {
  let value: unknown = NOT_JSON;
  try {
    value = JSON.parse(text);
  } catch {
    if (onlyJson) return undefined;
  }
  const findings: LeakFindings = { found: {}, masked: false };
  scanText(text, rules, findings);
  if (value === NOT_JSON) return findings;
  const fields: LeakFindings = { found: {}, masked: false };
  scanJson(value, rules, fields);
  return merge(findings, fields);
}

/** Two scans of the same content: each type counted as often as the scan that saw it most. */
function merge(into: LeakFindings, other: LeakFindings): LeakFindings {
  for (const [t, n] of Object.entries(other.found) as [LeakType, number][]) into.found[t] = Math.max(into.found[t] ?? 0, n);
  into.masked ||= other.masked;
  return into;
}

/** Valid UTF-8 without NUL bytes: text, as far as a reader without a media type can tell. */
function looksLikeText(bytes: Buffer): boolean {
  return bytes.indexOf(0) === -1 && isUtf8(bytes);
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function hasUtf8Bom(bytes: Buffer): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
