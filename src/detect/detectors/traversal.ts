// Path traversal and local file inclusion: `../` sequences in any of their encodings (the normalizer
// already undid %2e, %c0%ae, %u002e, full-width dots), IIS-style `0x2e` spellings, stream wrappers
// (`php://filter`, `file://`), and names of files attackers read (`/etc/passwd`, `win.ini`,
// `.aws/credentials`, `.git/config`).

import { C, type Detector, isProse } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re, wordsRe } from '../regex.ts';
import type { Hit } from '../types.ts';

const DOTS = re('(?:^|[\\\\/;=:\\s])\\.{2,3}(?:[\\\\/;]|$)');
const DOTS_MANY = re('(?:\\.{2,3}[\\\\/;]{1,4}[^\\\\/]{0,64}?){2}');
const WRAPPER = re('\\b(?:file|php|zip|phar|glob|expect|zlib|compress\\.zlib|compress\\.bzip2|rar|ogg|ssh2(?:\\.\\w{1,8})?|jar|netdoc)://', 'i');
// Files worth reading on Unix and Windows hosts, and secrets in application folders.
const SENSITIVE = wordsRe([
  'etc/passwd', 'etc/shadow', 'etc/group', 'etc/hosts', 'etc/issue', 'etc/master.passwd', 'etc/sudoers',
  'etc/crontab', 'etc/fstab', 'etc/hostname', 'etc/resolv.conf', 'etc/motd', 'etc/profile', 'etc/security',
  'etc/apache2', 'etc/httpd', 'etc/nginx', 'etc/mysql', 'etc/subuid', 'etc/subgid', 'etc/gshadow',
  'etc/ssh', 'etc/ssl/private', 'etc/environment', 'etc/bashrc', 'etc/inittab', 'etc/init.d', 'etc/pam.d',
  'proc/self', 'proc/version', 'proc/cpuinfo', 'proc/meminfo', 'proc/net', 'proc/sys', 'proc/interrupts',
  'proc/mounts', 'proc/cmdline', 'proc/sched_debug', 'proc/1/', 'sys/class', 'sys/kernel', 'sys/power',
  'sys/devices', 'sys/firmware', 'sys/module', 'var/log', 'var/run/secrets', 'var/lib/mysql',
  'var/mail', 'var/spool', 'usr/local/apps', 'root/.ssh', 'root/.aws', 'root/.bash_history',
  '.ssh/id_rsa', '.ssh/id_dsa', '.ssh/id_ecdsa', '.ssh/id_ed25519', '.ssh/authorized_keys',
  '.ssh/known_hosts', '.aws/credentials', '.aws/config', '.docker/config.json', '.kube/config',
  '.git/config', '.git/head', '.git/index', '.svn/entries', '.htaccess', '.htpasswd', '.bash_history',
  '.zsh_history', '.mysql_history', '.psql_history', '.history', '.netrc', '.pgpass', '.npmrc',
  '.pypirc', '.gitconfig', '.git-credentials', '.env', '.env.local', '.env.production', '.dockerenv',
  'wp-config.php', 'web.config', 'boot.ini', 'win.ini', 'system.ini', 'windows/system32',
  'winnt/system32', 'system32/config', 'windows/repair', 'inetpub/wwwroot', 'autoexec.bat', 'php.ini',
  'my.cnf', 'httpd.conf', 'apache2.conf', 'nginx.conf', 'id_rsa', 'known_hosts', 'authorized_keys',
  'randomize_va_space', 'credentials.json', 'secrets.yml', 'secrets.yaml', 'database.yml',
  'application.properties', 'web-inf/web.xml', 'meta-inf/manifest.mf', '.docker/secrets', 'sam',
  'ntds.dit', 'pagefile.sys', 'hiberfil.sys', 'debug.log', 'error.log', 'errors.log', 'backup.sql',
  'dump.sql', 'database.sql', 'db.sqlite', 'backup.zip', 'backup.tar.gz',
], 'i', false);
// Paths and folders of AI coding agents and dev servers, which hold credentials (asked in paths).
const AGENT_DIRS = re('(?:^|/)(?:\\.(?:claude|cursor|continue|aider|roo|zed|cline|kiro|windsurf|rovodev|codex|opencode|a0proj|plandex|fabric|n8n|junie|gemini|copilot|aiignore|cursorignore|vscode|idea|git|svn|hg|docker)(?:/|$)|@fs/|@id/__x00__|wp-content/(?:debug|errors?)\\.log)', 'i');
const IIS_ENCODED = re('0x(?:2e|5c|2f)', 'gi');

function sensitive(t: string): RegExpExecArray | null {
  const m = SENSITIVE.exec(t);
  if (!m) return null;
  // A bare name must stand as a path: after a separator or at the start, and end there.
  const before = m.index === 0 ? '' : t[m.index - 1]!;
  const after = t[m.index + m[0].length] ?? '';
  if (before !== '' && !/[\\/\s=:'"(>]/.test(before)) return null;
  if (after !== '' && /[\w-]/.test(after)) return null;
  if (m[0] === 'sam' && before !== '/' && before !== '\\') return null;
  return m;
}

export const traversal: Detector = {
  class: 'traversal',
  gate: (v) => (v.chars & (C.dot | C.slash | C.backslash | C.colon)) !== 0,
  scan(v, pl) {
    let t = v.text;
    if (t.includes('0x') || t.includes('0X')) {
      t = t.replace(IIS_ENCODED, (m) => ({ '2e': '.', '5c': '\\', '2f': '/' })[m.slice(2).toLowerCase()] ?? m);
    }
    const hits: Hit[] = [];
    const ev = (i: number) => excerpt(t, i, i + 60);
    const w = WRAPPER.exec(t);
    if (w) hits.push({ rule: 'traversal-wrapper', score: 5, paranoia: 1, evidence: ev(w.index) });
    const d = DOTS_MANY.exec(t) ?? DOTS.exec(t);
    // In the path the gateway's normalizer already refused `..`; what is left here is encoded.
    if (d && !(v.location === 'path' && v.name === '' && !DOTS_MANY.test(t) && d[0].trim() === '..')) {
      // One `../` in a sentence or a markdown link is a relative link, several are a climb.
      const single = !DOTS_MANY.test(t) && (isProse(t) || (t.match(/ /g)?.length ?? 0) >= 3);
      hits.push({ rule: 'traversal-dot-dot', score: 5, paranoia: single ? 3 : 1, evidence: ev(d.index) });
    }
    const s = sensitive(t.toLowerCase().replaceAll('\\', '/'));
    if (s) hits.push({ rule: 'traversal-sensitive-file', score: 5, paranoia: 1, evidence: ev(s.index) });
    if (v.location === 'path' || pl >= 2) {
      const a = AGENT_DIRS.exec(t);
      if (a) hits.push({ rule: 'traversal-restricted-path', score: 5, paranoia: v.location === 'path' ? 1 : 2, evidence: ev(a.index) });
    }
    return hits;
  },
};
