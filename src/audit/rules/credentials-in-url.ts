// API2: parameters that carry credentials in the URL.
import { isCredentialName } from '../names.ts';
import type { Rule } from '../types.ts';

export const credentialsInUrl: Rule = {
  id: 'credentials-in-url',
  title: 'Credentials in a query or path parameter',
  severity: 'high',
  category: 'API2:2023',
  cwe: 598,
  why: 'Tokens, passwords, secrets and API keys in the URL are written to access logs, proxy logs and browser history and leak through the Referer header.',
  fix: 'Take credentials in a header (Authorization, or a named header declared as a security scheme) or in the request body.',
  check(model, report) {
    for (const op of model.operations) {
      for (const p of op.parameters) {
        if ((p.in === 'query' || p.in === 'path') && isCredentialName(p.name)) {
          report(p.path, `${op.label} takes "${p.name}" in the ${p.in}: credentials in the URL.`, op.label);
        }
      }
    }
  },
};
