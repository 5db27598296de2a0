// HTML character references: numeric (`&#60;`, `&#x3c;`, with or without `;`, with leading zeros)
// and the named ones attackers use. Unknown names are left as they are.

const NAMED: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ', tab: '\t', newline: '\n',
  colon: ':', sol: '/', bsol: '\\', lpar: '(', rpar: ')', lsqb: '[', rsqb: ']', lbrack: '[',
  rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', semi: ';', comma: ',', period: '.',
  excl: '!', quest: '?', num: '#', dollar: '$', percnt: '%', equals: '=', plus: '+', ast: '*',
  grave: '`', hat: '^', verbar: '|', vert: '|', lowbar: '_', commat: '@', dash: '-', hyphen: '-',
};

// Linear: bounded repetition counts, no nesting.
const REF = /&(?:#[xX]([0-9a-fA-F]{1,8});?|#([0-9]{1,10});?|([a-zA-Z]{2,8});)/g;

export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(REF, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? m;
    const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec!, 10);
    if (!(cp >= 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return m;
    return String.fromCodePoint(cp);
  });
}
