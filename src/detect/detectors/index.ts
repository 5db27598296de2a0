// Every detector, one module per attack class. Order is the order of evaluation; a request
// collects the matches of all of them.

import type { Detector } from '../detector.ts';
import { cmdi } from './cmdi.ts';
import { codeInjection } from './code-injection.ts';
import { crlf } from './crlf.ts';
import { java } from './java.ts';
import { jndi } from './jndi.ts';
import { ldap } from './ldap.ts';
import { nosqli } from './nosqli.ts';
import { protoPollution } from './proto-pollution.ts';
import { shellshock } from './shellshock.ts';
import { sqli } from './sqli.ts';
import { ssrf } from './ssrf.ts';
import { ssti } from './ssti.ts';
import { traversal } from './traversal.ts';
import { xss } from './xss.ts';
import { xxe } from './xxe.ts';

export const ALL_DETECTORS: readonly Detector[] = [
  sqli, xss, cmdi, traversal, ssrf, nosqli, ssti, jndi, xxe, ldap, crlf, shellshock, java, codeInjection, protoPollution,
];
