// Server-side request forgery: URLs (and host-only values) that point at cloud metadata, loopback,
// private or link-local addresses, however the address is spelled: dotless decimal, octal, hex,
// mixed parts, IPv6 with embedded IPv4, enclosed alphanumerics (folded by the normalizer),
// userinfo tricks (`http://good.com&@127.0.0.1#@good.com`) and backslash-split names.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { classifyIpv4, classifyIpv6, type HostKind, parseIpv4 } from '../net/ip.ts';
import { re } from '../regex.ts';
import type { Hit, Paranoia } from '../types.ts';

const URL_START = re('\\b([a-z][a-z0-9+.\\-_]{0,19}):(?:/{1,3}|\\\\{1,2})?', 'gi');
const AT_HOST = re('@([^\\s/?#@]{1,256})', 'g');
const INTERNAL_NAME = re(
  '^(?:localhost|[\\w.-]{1,200}\\.localhost|localhost\\.localdomain|localhost[46](?:\\.localdomain[46])?|ip6-(?:localhost|loopback)|ipv6-localhost|(?:host|gateway|kubernetes)\\.docker\\.internal|host\\.containers\\.internal|kubernetes(?:\\.default(?:\\.svc(?:\\.cluster\\.local)?)?)|[\\w.-]{1,200}\\.svc\\.cluster\\.local|(?:[\\w-]{1,63}\\.)?(?:localtest\\.me|lvh\\.me)|(?:\\d{1,3}[.-]){3}\\d{1,3}\\.(?:nip|sslip|xip)\\.io)$',
);
const METADATA_NAME = re('^(?:metadata\\.google\\.internal|metadata\\.packet\\.net|metadata\\.azure\\.com|instance-data(?:\\.ec2\\.internal)?|metadata|metadata\\.tencentyun\\.com|metadata\\.platformequinix\\.com)$');
/** One label, not a number (numbers are addresses, judged above), with an optional port. */
const SINGLE_LABEL = re('^(?=[\\w-]{0,62}[a-z_])[\\w-]{1,63}\\.?(?::\\d{0,5})?$', 'i');
const SCHEMELESS = re('^\\s{0,4}([\\w.\\-\\[\\]:]{1,253}?)(?::\\d{1,5})?/');
const DATA_URI = re('^\\s{0,8}data:(?!//)(?!(?:image|font|audio|video)/)[a-z]{1,32}/[\\w.+-]{1,64}', 'i');
const RISKY_SCHEMES = new Set(['gopher', 'dict', 'tftp', 'ldap', 'ldaps', 'netdoc', 'jar', 'sftp', 'local_file', 'xri', 'rsync', 'acap', 'irc', 'pop3', 'imap', 'ssh', 'rtmp', 'telnet', 'smb']);
const WEB_SCHEMES = new Set(['http', 'https', 'ftp', 'ws', 'wss']);

interface Verdict {
  kind: HostKind;
  obfuscated: boolean;
}

function classifyHost(raw: string): Verdict | null {
  let h = raw.replaceAll('\\', '').toLowerCase().trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    const k = classifyIpv6(h.slice(1, end < 0 ? undefined : end));
    return k ? { kind: k, obfuscated: true } : null;
  }
  h = h.replace(/:\d{0,5}$/, '').replace(/\.$/, '');
  if (h === '') return null;
  if (METADATA_NAME.test(h)) return { kind: 'metadata', obfuscated: false };
  if (INTERNAL_NAME.test(h)) return { kind: 'loopback', obfuscated: false };
  if (/^[0-9a-fx.]{1,64}$/.test(h) && /\d/.test(h)) {
    const ip = parseIpv4(h);
    if (ip === null) return null;
    const canonical = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(h);
    // A bare short number (`http:12`) is more likely a typo than an address; zero is not (`http://0/`,
    // `0x0`: 0.0.0.0, which Linux connects to this machine).
    if (!canonical && ip !== 0 && (/^\d{1,6}$/.test(h) || /^0x[0-9a-f]{1,6}$/.test(h))) return null;
    return { kind: classifyIpv4(ip), obfuscated: !canonical };
  }
  const v6 = classifyIpv6(h);
  return v6 ? { kind: v6, obfuscated: true } : null;
}

function judge(v: Verdict | null, scheme: string, pl: Paranoia): { rule: string; paranoia: Paranoia } | null {
  if (!v) return null;
  if (v.kind === 'metadata') return { rule: 'ssrf-cloud-metadata', paranoia: 1 };
  if (v.kind === 'loopback' || v.kind === 'unspecified' || v.kind === 'link-local') return { rule: 'ssrf-internal-address', paranoia: 1 };
  if (v.obfuscated) return { rule: 'ssrf-obfuscated-address', paranoia: v.kind === 'public' ? 2 : 1 };
  if (v.kind === 'private') return { rule: 'ssrf-private-address', paranoia: RISKY_SCHEMES.has(scheme) ? 1 : 2 };
  void pl;
  return null;
}

export const ssrf: Detector = {
  class: 'ssrf',
  gate: (v) => (v.chars & (C.colon | C.slash)) !== 0 && v.location !== 'path' && v.location !== 'header',
  scan(v, pl) {
    const t = v.text;
    const hits: Hit[] = [];
    const add = (rule: string, paranoia: Paranoia, at: number) => hits.push({ rule, score: 5, paranoia, evidence: excerpt(t, at, at + 80) });
    URL_START.lastIndex = 0;
    for (let m = URL_START.exec(t), n = 0; m && n < 32; m = URL_START.exec(t), n++) {
      const scheme = m[1]!.toLowerCase();
      const slashes = m[0].length - m[1]!.length - 1;
      // `http:127.0.0.1` (no slashes) is accepted by lenient parsers; other `word:` is prose.
      if (slashes === 0 && !WEB_SCHEMES.has(scheme)) continue;
      const rest = t.slice(m.index + m[0].length, m.index + m[0].length + 512);
      const authority = /^[^\s/?#]{0,256}/.exec(rest)![0];
      const candidates = [authority.slice(authority.lastIndexOf('@') + 1)];
      AT_HOST.lastIndex = 0;
      for (let a = AT_HOST.exec(rest), k = 0; a && k < 8; a = AT_HOST.exec(rest), k++) candidates.push(a[1]!);
      for (const c of candidates) {
        const j = judge(classifyHost(c), scheme, pl);
        if (j) {
          add(j.rule, j.paranoia, m.index);
          return hits;
        }
      }
      // A name of one label (`https://vm:9443/`, `http://intranet/`): no public host has one, and the
      // upstream's resolver finds it in /etc/hosts or its search domains, on the internal network.
      if (slashes > 0 && (WEB_SCHEMES.has(scheme) || RISKY_SCHEMES.has(scheme)) && SINGLE_LABEL.test(candidates[0]!)) {
        add('ssrf-internal-name', 2, m.index);
        return hits;
      }
      if (slashes > 0 && (scheme === 'gopher' || scheme === 'dict')) {
        add('ssrf-risky-scheme', 1, m.index);
        return hits;
      }
    }
    const s = SCHEMELESS.exec(t);
    if (s) {
      const j = judge(classifyHost(s[1]!), '', pl);
      if (j && (j.rule !== 'ssrf-private-address' || pl >= 2)) add(j.rule, j.paranoia === 1 ? 2 : j.paranoia, 0);
    }
    if (hits.length === 0 && pl >= 2 && DATA_URI.test(t)) add('ssrf-data-uri', 2, 0);
    return hits;
  },
};
