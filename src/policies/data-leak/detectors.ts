// Secrets and personal data recognised in response text. Every pattern is bounded or has nothing to
// backtrack for (no nested quantifiers) and, where a checksum exists, a match counts only when it
// verifies, so that order numbers and timestamps are not taken for card numbers.
import { ibanValid, luhnValid } from './checksums.ts';

export const LEAK_TYPES = ['card', 'iban', 'ssn', 'privateKey', 'cloudKey', 'jwt', 'password'] as const;
export type LeakType = (typeof LEAK_TYPES)[number];

interface TextDetector {
  readonly type: Exclude<LeakType, 'password'>;
  /** Global pattern; the match may be confirmed by `verify`. */
  readonly pattern: RegExp;
  /** Cheap test that must pass before the pattern runs. */
  readonly hint: (text: string) => boolean;
  readonly verify?: (match: string) => boolean;
  readonly mask: (match: string) => string;
  /** Replaces each match by what `each` returns, where a regular expression alone would not do (default: String.replace). */
  readonly replace?: (text: string, each: (match: string) => string) => string;
}

// What people and formatters put between a card's groups of digits, one character per gap: spaces
// (no-break, narrow no-break, thin, figure...), hyphens and dashes (en, em, minus, fullwidth), and
// invisible ones the number renders whole across (soft hyphen, zero-width space and joiners, word
// joiner). And a single-byte body's own no-break space, soft hyphen and windows-1252 en and em dashes
// (0xA0, 0xAD, 0x96, 0x97): its byte reading carries them as U+F7A0, U+F7AD, U+F796, U+F797
// (charset.ts), its UTF-8 reading has U+FFFD for each, so both readings find the card (and agree).
const DASHES = '\\-\\u2010-\\u2015\\u2212\\ufe58\\ufe63\\uff0d\\uf796\\uf797';
const SEPARATORS = `[ ${DASHES}\\u00a0\\u00ad\\u2000-\\u200d\\u202f\\u205f\\u2060\\u3000\\ufeff\\uf7a0\\uf7ad\\ufffd]`;
const digitsOnly = (s: string) => s.replace(/\D/g, '');
const ibanChars = (s: string) => s.replace(/[^A-Z0-9]/g, '');
const hasDigitRun = (min: number) => {
  const re = new RegExp(`\\d(?:${SEPARATORS}?\\d){${min - 1}}`);
  return (text: string) => re.test(text);
};

const PEM_LABEL = '(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----';
const PEM_BEGIN = new RegExp(`-----BEGIN ${PEM_LABEL}`, 'g');
const PEM_END = new RegExp(`-----END ${PEM_LABEL}`, 'g');
/**
 * What a key's body is written with: base64, blanks, line breaks escaped (`\n` in JSON text, `<br>`,
 * `&#10;`) and header lines (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-128-CBC,…`, `Version: …`).
 * Simple loops, one after the other: an alternation under `*` would keep a backtrack entry per
 * character, and V8's stack runs out on a few megabytes.
 */
const PEM_CHARS = /[A-Za-z0-9+/=\s\\:,.()-]*/y;
const PEM_BREAK = /<br\s*\/?>|&#(?:10|13|x[aAdD]);/y;

/** Where the run of a key's body that starts at `at` ends. */
function pemRunEnd(text: string, at: number): number {
  for (;;) {
    PEM_CHARS.lastIndex = at;
    PEM_CHARS.exec(text);
    PEM_BREAK.lastIndex = PEM_CHARS.lastIndex;
    if (!PEM_BREAK.test(text)) return PEM_CHARS.lastIndex;
    at = PEM_BREAK.lastIndex;
  }
}

/**
 * Each PEM private key, from its BEGIN line to the next END line whatever lies between (no size
 * bound: a key cut in two by a bound would leave its second half), or, with no END line after it (a
 * key cut short), to the end of its body's run. Linear: each END is searched for once, from after the
 * BEGIN it closes, and the search goes on after it.
 */
function replacePrivateKeys(text: string, each: (block: string) => string): string {
  let out = '';
  let from = 0;
  let end: RegExpExecArray | null | undefined; // the next END line; null: there is none
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    const after = PEM_BEGIN.lastIndex;
    if (end === undefined || (end !== null && end.index < after)) {
      PEM_END.lastIndex = after;
      end = PEM_END.exec(text);
    }
    const stop = end !== null ? end.index + end[0].length : pemRunEnd(text, after);
    out += text.slice(from, begin.index) + each(text.slice(begin.index, stop));
    from = PEM_BEGIN.lastIndex = stop;
  }
  return from === 0 ? text : out + text.slice(from);
}

export const TEXT_DETECTORS: readonly TextDetector[] = [
  {
    type: 'card',
    // Groups of four, or American Express and Diners Club's 4-6-5 and 4-6-4.
    pattern: new RegExp(`(?<![\\d${DASHES}])(?:[2-6]\\d{3}(?:${SEPARATORS}?\\d{4}){2}${SEPARATORS}?\\d{1,7}|3\\d{3}${SEPARATORS}?\\d{6}${SEPARATORS}?\\d{4,5})(?![\\d${DASHES}])`, 'g'),
    hint: hasDigitRun(13),
    verify: (m) => {
      const d = digitsOnly(m);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
    mask: (m) => `${'*'.repeat(digitsOnly(m).length - 4)}${digitsOnly(m).slice(-4)}`,
  },
  {
    type: 'iban',
    // Groups of four between spaces, no-break ones included (French and German formatting), and a
    // single-byte body's no-break space in both its readings (as for cards, above).
    pattern: /\b[A-Z]{2}\d{2}(?:[ \u00a0\u202f\uf7a0\ufffd]?[A-Z0-9]{4}){2,7}(?:[ \u00a0\u202f\uf7a0\ufffd]?[A-Z0-9]{1,4})?\b/g,
    hint: (t) => /[A-Z]{2}\d{2}/.test(t),
    verify: (m) => ibanValid(ibanChars(m)),
    mask: (m) => `${m.slice(0, 2)}${'*'.repeat(ibanChars(m).length - 6)}${ibanChars(m).slice(-4)}`,
  },
  {
    type: 'ssn',
    // US SSN with dashes; area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
    pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
    hint: (t) => t.includes('-'),
    mask: (m) => `***-**-${m.slice(-4)}`,
  },
  {
    type: 'privateKey',
    pattern: PEM_BEGIN,
    hint: (t) => t.includes('PRIVATE KEY'),
    mask: () => '[REDACTED PRIVATE KEY]',
    replace: replacePrivateKeys,
  },
  {
    type: 'cloudKey',
    // AWS access key ids, Google API keys, GitHub, Slack and Stripe live secret tokens. A match is the
    // whole token, so masking leaves no tail of it: a Slack token runs to the end of its characters
    // (dashes included; greedy, with nothing after it to backtrack for), not to a word boundary inside.
    // An AWS id is bordered by anything but a letter or digit: `_` too (`AWS_KEY_AKIA…`), while inside
    // a longer alphanumeric run (base32, a hash) it is no id.
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Za-z0-9])|\b(?:AIza[0-9A-Za-z_-]{35}\b|gh[pousr]_[A-Za-z0-9]{36,255}\b|github_pat_[A-Za-z0-9_]{22,255}\b|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{16,100}\b)/g,
    hint: (t) => /AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIza|gh[pousr]_|github_pat_|xox|k_live_/.test(t),
    mask: (m) => `${m.slice(0, 4)}[REDACTED]`,
  },
  {
    type: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,1024}/g,
    hint: (t) => t.includes('eyJ'),
    mask: () => '[REDACTED JWT]',
  },
];

/** Field names whose string (or number) values are passwords or secrets, whatever they look like. */
export const PASSWORD_FIELD = /^(?:pass(?:word|wd|phrase)?|pwd|secret|client_?secret|api_?secret|secret_?key|private_?key|password_?hash|passwordhash|pass_?hash|hashed_?password|mfa_?secret|otp_?secret|totp_?secret)$/i;
