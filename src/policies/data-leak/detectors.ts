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
}

const digitsOnly = (s: string) => s.replace(/[ -]/g, '');
const hasDigitRun = (min: number) => {
  const re = new RegExp(`\\d(?:[ -]?\\d){${min - 1}}`);
  return (text: string) => re.test(text);
};

export const TEXT_DETECTORS: readonly TextDetector[] = [
  {
    type: 'card',
    pattern: /(?<![\d-])[2-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\d-])/g,
    hint: hasDigitRun(13),
    verify: (m) => {
      const d = digitsOnly(m);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
    mask: (m) => `${'*'.repeat(digitsOnly(m).length - 4)}${digitsOnly(m).slice(-4)}`,
  },
  {
    type: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    hint: (t) => /[A-Z]{2}\d{2}/.test(t),
    verify: (m) => ibanValid(m.replace(/ /g, '')),
    mask: (m) => `${m.slice(0, 2)}${'*'.repeat(m.replace(/ /g, '').length - 6)}${m.replace(/ /g, '').slice(-4)}`,
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
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,16384}?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    hint: (t) => t.includes('PRIVATE KEY'),
    mask: () => '[REDACTED PRIVATE KEY]',
  },
  {
    type: 'cloudKey',
    // AWS access key ids, Google API keys, GitHub, Slack and Stripe live secret tokens. A match is the
    // whole token, so masking leaves no tail of it: a Slack token runs to the end of its characters
    // (dashes included; greedy, with nothing after it to backtrack for), not to a word boundary inside.
    pattern: /\b(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b|AIza[0-9A-Za-z_-]{35}\b|gh[pousr]_[A-Za-z0-9]{36,255}\b|github_pat_[A-Za-z0-9_]{22,255}\b|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{16,100}\b)/g,
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
