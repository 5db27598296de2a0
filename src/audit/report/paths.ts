// How reports name the audited file: relative to the working directory when it is inside it.
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** A SARIF artifact URI: a relative reference (forward slashes, percent-encoded) or a file:// URL. */
export function artifactUri(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(file).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}
