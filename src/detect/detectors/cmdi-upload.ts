// Uploads named like a server-side script (`shell.php5`, read by code-injection) or like a server or
// tool configuration file (`.htaccess`, `web.config`, `wp-config.php`,
// `.bashrc`): written where the server reads it, such a file changes what the server executes.
// Only file names are looked at: a multipart part's `filename` and the `X-Filename` headers.

import type { ScanValue } from '../detector.ts';
import { re } from '../regex.ts';

const FILE_NAME_HEADER = re('^x[-_.]?file[-_.]?name$');
// Extensions a web server hands to an interpreter; trailing dots and blanks are dropped by Windows
// and some servers (`shell.php.`, `shell.php5 `). A script extension before an image one
// (`x.php.jpg`) runs under lenient handler mappings: paranoia 3.
const SCRIPT_EXTENSION = re('\\.(?:php\\d{0,3}|phtml|phar|phps|pht|phpt|pgif|shtml|asp|aspx|ashx|asmx|cer|jsp|jspx|cfm|cgi)$');
const SCRIPT_INNER_EXTENSION = re('\\.(?:php\\d{0,3}|phtml|phar|pht|asp|aspx|jsp)\\.[a-z0-9]{1,8}$');
const CONFIG_FILE = re(
  '^(?:\\.ht(?:access|passwd|digest|group)|\\.user\\.ini|php\\.ini|web\\.config|(?:wp-config|settings|local\\.settings|configuration|config\\.inc|localsettings|parameters)[._-]{1,2}(?:php|ya?ml|json|inc|ini)(?:[._-]\\w{1,8})?|config\\.(?:php|ya?ml|ini|inc)|\\.env(?:\\.\\w{1,16})?|\\.(?:bashrc|bash_profile|bash_login|profile|zshrc|cshrc|kshrc|login|logout|netrc|npmrc|pypirc|gitconfig|boto|s3cfg|pgpass|my\\.cnf|dockercfg|wgetrc|curlrc|viminfo|forward|rhosts|shosts)|authorized_keys2?|id_(?:rsa|dsa|ecdsa|ed25519)|known_hosts|crontab|sudoers|passwd|shadow|credentials)$',
);

export function isUploadName(v: ScanValue): boolean {
  return (v.location === 'multipart' && v.name.endsWith('.filename')) || (v.location === 'header' && FILE_NAME_HEADER.test(v.name));
}

function baseName(lower: string): string {
  return lower.slice(Math.max(lower.lastIndexOf('/'), lower.lastIndexOf('\\')) + 1).replace(/\s+/g, '');
}

/** The paranoia level at which an uploaded file name is a server-side script, or null. */
export function scriptFileParanoia(lower: string): 1 | 3 | null {
  const base = baseName(lower).replace(/\.+$/, '');
  return SCRIPT_EXTENSION.test(base) ? 1 : SCRIPT_INNER_EXTENSION.test(base) ? 3 : null;
}

/** The configuration file name an upload carries, or null. Blanks around dots and at the ends are
 *  dropped the way file systems and servers do (`settings. php`, `config.yml `). */
export function configFileName(lower: string): string | null {
  const base = baseName(lower);
  return CONFIG_FILE.test(base) ? base : null;
}
