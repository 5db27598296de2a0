// Data-leak filtering: payment cards, IBANs, SSNs, private keys, cloud keys, JWTs and password
// fields in response bodies, each type with its action: mask (JSON, script and text bodies are
// rewritten, JSON stays valid), block (502, the body never leaves), or report. Other bodies are read
// byte for byte and withheld rather than rewritten; media and archives are not read (media.ts).
import { isAscii, isUtf8 } from 'node:buffer';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import { wideEncoding } from '../../core/json-text.ts';
import type { PolicyFactory, ResponseHead } from '../../core/policy.ts';
import { exactReplacement, NOT_JSON, ResponseBody, type BodyReplacement } from '../../core/response-body.ts';
import { toBytes } from '../../config/units.ts';
import { carry, charsetOf, escapesCarried, uncarry, type Charset } from './charset.ts';
import { LEAK_TYPES, type LeakType } from './detectors.ts';
import { maskJsonp, maskSequence, RECORD_BREAK, type Masked } from './framed.ts';
import { bodyKind } from './media.ts';
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
        const kind = bodyKind(body.mediaType);
        if (kind === 'skip') return undefined;
        const bytes = body.bytes();
        if (kind === 'bytes') return withholdBytes(ctx, bytes, undefined);
        const charset = charsetOf(head.headers['content-type']);
        // Every reading a client may use is scanned: the decoded ones (UTF-16 for Python's json and
        // Jackson, the declared charset where the bytes cannot be masked) first, then the UTF-8 one
        // (fetch().json(), axios and browsers read JSON as UTF-8 whatever the charset says, and a
        // browser obeys a UTF-8 byte-order mark over it), which is masked in place.
        const wide = scanDecoded(bytes, head.headers['content-type'], kind === 'json' || kind === 'sequence', kind === 'untyped', charset, rules);
        // What a decoded reading finds to mask cannot be masked in the bytes: withheld. (In UTF-16 a match
        // is ASCII written with zero bytes, which no UTF-8 match holds: masking those never hides it.)
        if (wide !== undefined && (wide.masked || blocking.some((t) => wide.found[t]))) report(ctx, wide, true);
        let reading: Reading = kind === 'untyped' ? 'text' : kind;
        if (kind === 'untyped') {
          // A body without a type is read as JSON when it parses, else as text unless it looks binary:
          // a client may well take it for either. Binary, it is read as bytes.
          if (body.length === 0) return undefined;
          if (body.json() !== NOT_JSON) reading = 'json';
          else if (!looksLikeText(bytes)) return withholdBytes(ctx, bytes, wide);
        }
        const { findings, out: masked } = maskBody(body, reading, rules);
        let out = masked;
        // Masked, the body goes out in its charset with every other byte as it came: masked again on its
        // bytes (charset.ts) where UTF-8 would not give them back (a single-byte charset, bytes that are
        // not UTF-8), unless a UTF-8 byte-order mark says UTF-8 to every reader.
        if (out !== undefined && charset.kind !== 'decoded' && !hasUtf8Bom(bytes) && (charset.kind === 'single-byte' || !isUtf8(bytes))) {
          const carried = carry(bytes);
          const exact = reading !== 'text' && escapesCarried(carried) ? undefined : maskBody(new ResponseBody(head, Buffer.from(carried)), reading, rules);
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
     * A body the policy does not rewrite (media.ts), read byte for byte (every ASCII match, and a
     * single-byte no-break space) and, when it is UTF-8 beyond ASCII, as UTF-8 too (a UTF-8 no-break
     * space): what would be masked, or blocks, withholds it whole; a rewrite would corrupt it. A type
     * found by its shape alone (an SSN: part numbers and build strings look alike) is only reported
     * there, unless it blocks: it would take whole files offline.
     */
    function withholdBytes(ctx: RequestContext, bytes: Buffer, wide: LeakFindings | undefined): undefined {
      let findings: LeakFindings = { found: {}, masked: false };
      scanText(carry(bytes), rules, findings);
      if (!isAscii(bytes) && isUtf8(bytes)) merge(findings, maskPlain(bytes.toString('utf8'), rules).findings);
      if (wide !== undefined) findings = merge(findings, wide);
      const withheld = (Object.keys(findings.found) as LeakType[]).some((t) => rules.actions[t] === 'mask' && !SHAPE_ONLY.has(t));
      report(ctx, findings, withheld);
      return undefined;
    }

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

/** Types found by their shape alone, with no checksum or marker to confirm them. */
const SHAPE_ONLY: ReadonlySet<LeakType> = new Set(['ssn']);

/**
 * How a body is read and written again: JSON (one text, or a sequence when it does not parse whole),
 * a sequence of JSON texts (its framing kept even around one), a script (JSONP), or text.
 */
type Reading = 'json' | 'sequence' | 'script' | 'text';

/**
 * The body's leaks masked (`out`: its replacement, undefined when nothing was masked): JSON value by
 * value, a sequence of JSON texts record by record, JSONP's JSON as JSON (framed.ts), other bodies as
 * text. A body that claims JSON but is not is still scanned as text: a leak is a leak. A UTF-8
 * byte-order mark stays, whichever way the body is written again: a browser reads the body by it,
 * over a charset saying UTF-16.
 */
function maskBody(body: ResponseBody, reading: Reading, rules: LeakRules): { findings: LeakFindings; out: BodyReplacement | undefined } {
  const value = reading === 'json' ? body.json() : NOT_JSON;
  let findings: LeakFindings = { found: {}, masked: false };
  let out: BodyReplacement | undefined;
  const text = body.text();
  if (value === NOT_JSON) {
    const masked = maskText(text, reading, rules);
    if (masked.out !== undefined) out = Buffer.from(hasUtf8Bom(body.bytes()) ? `\uFEFF${masked.out}` : masked.out);
    return { findings: masked.findings, out };
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
  } else if (findings.imprecise || (scanned !== value && body.mayHoldInexactNumbers)) {
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

/** A body that is not one JSON text masked: JSONP, a sequence of JSON texts (framed.ts), or text. */
function maskText(text: string, reading: Reading, rules: LeakRules): Masked {
  const json = (t: string) => maskJsonText(t, rules);
  const plain = (t: string) => maskPlain(t, rules);
  if (reading === 'script') return maskJsonp(text, json, plain) ?? plain(text);
  // A JSON body that does not parse whole may be a sequence sent as application/json (or NaN...).
  if (reading === 'sequence' || (reading === 'json' && RECORD_BREAK.test(text))) return maskSequence(text, json, plain);
  return plain(text);
}

/** A JSON text masked as JSON; undefined when it does not parse. */
function maskJsonText(text: string, rules: LeakRules): Masked | undefined {
  const body = new ResponseBody(JSON_HEAD, Buffer.from(text));
  if (body.json() === NOT_JSON) return undefined;
  const { findings, out } = maskBody(body, 'json', rules);
  return { findings, out: out === undefined ? undefined : textOf(out) };
}
const JSON_HEAD: ResponseHead = { statusCode: 200, headers: { 'content-type': 'application/json' } };

function maskPlain(text: string, rules: LeakRules): Masked {
  const findings: LeakFindings = { found: {}, masked: false };
  const out = scanText(text, rules, findings);
  return { findings, out: out === text ? undefined : out };
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
