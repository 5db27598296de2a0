// Base64 look-alikes (standard or URL alphabet, padded or not) decoded when the result is mostly
// printable text: attackers wrap payloads in base64; random tokens decode to binary and are ignored.

const B64 = /^[A-Za-z0-9+/_-]{8,}={0,2}$/;

export function decodeBase64Text(s: string): string | null {
  const v = s.trim();
  if (v.length < 8 || v.length > 65536 || !B64.test(v)) return null;
  // Plain words and numbers are valid base64 too; require a mix that encoders produce.
  if (!/[A-Z]/.test(v) || !/[a-z0-9]/.test(v)) return null;
  const buf = Buffer.from(v.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  if (buf.length < 5) return null;
  let printable = 0;
  for (const b of buf) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
  if (printable / buf.length < 0.9) return null;
  return buf.toString('latin1');
}
