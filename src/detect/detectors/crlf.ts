// CRLF / header injection: a line break followed by an HTTP header or a second message, in a value
// that may be copied into a response header (redirects, cookies), and mail-protocol commands
// smuggled after a line break (SMTP, IMAP, POP3).

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit } from '../types.ts';

const HEADER_AFTER_BREAK = re(
  '[\\r\\n]\\s{0,8}(?:set-cookie|location|content-(?:type|length|disposition|security-policy)|transfer-encoding|refresh|x-xss-protection|access-control-allow-[a-z-]{1,32}|cache-control|x-forwarded-[a-z]{1,16}|host|http/\\d(?:\\.\\d)?)\\s{0,8}:?',
  'i',
);
const BODY_AFTER_BREAK = re('\\r?\\n\\r?\\n\\s{0,8}<(?:html|script|body|!doctype|svg)', 'i');
const MAIL_COMMAND = re(
  '[\\r\\n]\\s{0,8}(?:(?:mail\\s{1,8}from|rcpt\\s{1,8}to)\\s{0,8}:|(?:helo|ehlo|starttls|rset|vrfy|expn|quit|noop)\\b|data\\s{0,8}[\\r\\n]|auth\\s{1,8}(?:login|plain|cram-md5|[a-z0-9-]{2,20}(?:\\s{1,8}[a-z0-9+/]{8,1024}={0,2})?\\s{0,4}(?:[\\r\\n]|$))|(?:user|pass|retr|dele|list|stat|top|uidl|apop)\\s{1,8}\\S|[a-z0-9]{1,10}\\s{1,8}(?:login|select|examine|fetch|store|copy|capability|authenticate|list|lsub|status|append|search|uid|create|delete|rename|logout|noop)\\b)',
  'i',
);

export const crlf: Detector = {
  class: 'crlf',
  gate: (v) => (v.chars & C.newline) !== 0,
  scan(v, pl) {
    const t = v.text;
    const hits: Hit[] = [];
    // Documents (YAML, e-mails, markdown) have many lines with `name:`; an injection needs one or two.
    const breaks = t.split('\n', 4).length - 1;
    const m = breaks <= 2 ? (HEADER_AFTER_BREAK.exec(t) ?? BODY_AFTER_BREAK.exec(t)) : null;
    if (m) hits.push({ rule: 'crlf-header-injection', score: 5, paranoia: 1, evidence: excerpt(t, m.index, m.index + 60) });
    else {
      const mail = MAIL_COMMAND.exec(t);
      // Multi-line text in bodies can start a line with "List" or "User"; a short value cannot.
      // ...nor can a value that opens with the line break and the command.
      if (mail && (t.length <= 256 || mail.index <= 2 || pl >= 3)) hits.push({ rule: 'crlf-mail-command', score: 5, paranoia: 2, evidence: excerpt(t, mail.index, mail.index + 60) });
      // A line break in a path, query name or header value has no business there.
      else if (pl >= 2 && (v.location === 'path' || v.location === 'header' || v.location === 'header-other' || (v.isName && v.location !== 'json-key'))) {
        hits.push({ rule: 'crlf-line-break', score: 5, paranoia: 2, evidence: excerpt(t, 0, 60) });
      }
    }
    return hits;
  },
};
