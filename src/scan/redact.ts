// Keeps secrets out of reports: identity credentials become ${NAME} placeholders (so a curl command still
// reproduces the request with the variable set), sensitive JSON values are masked, bodies are cut short.
import { secretKind } from '../audit/names.ts';

/** Characters of a response body kept as evidence. */
export const EXCERPT_CHARS = 800;

export class Redactor {
  readonly #secrets: { value: string; placeholder: string }[] = [];

  /** Registers a secret (an API key, a token, a password) to replace by ${VARIABLE} everywhere. */
  add(value: string | undefined, variable: string): void {
    if (!value || value.length < 4 || this.#secrets.some((s) => s.value === value)) return;
    this.#secrets.push({ value, placeholder: `\${${variable}}` });
    // Longest first, so a token containing another secret is replaced whole.
    this.#secrets.sort((a, b) => b.value.length - a.value.length);
  }

  /** Every registered secret, and its URL-encoded form, replaced by its placeholder. */
  text(input: string): string {
    let out = input;
    for (const { value, placeholder } of this.#secrets) {
      if (out.includes(value)) out = out.split(value).join(placeholder);
      const encoded = encodeURIComponent(value);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(placeholder);
    }
    return out;
  }

  /** The variables a report reader must set to replay the evidence: placeholder names only. */
  variables(): string[] {
    return this.#secrets.map((s) => s.placeholder.slice(2, -1)).sort();
  }
}

/** A response body as evidence: secrets replaced, sensitive JSON values masked, at most EXCERPT_CHARS. */
export function excerpt(body: string, redactor: Redactor, limit = EXCERPT_CHARS): string {
  let text = redactor.text(body);
  try {
    const parsed: unknown = JSON.parse(text);
    text = JSON.stringify(maskSensitive(parsed, 0));
  } catch {
    // not JSON: kept as text
  }
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}

/** "passwordHash": "scrypt$16384$..." → "scry…(masked)": proves the leak without repeating it. */
export function maskSensitive(value: unknown, depth: number): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSensitive(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && v.length > 0 && secretKind(k) !== undefined && !v.startsWith('${')) out[k] = `${v.slice(0, 4)}…(masked)`;
    else out[k] = maskSensitive(v, depth + 1);
  }
  return out;
}
