// API5: administrative operations protected exactly like ordinary ones.
import type { AuditOperation } from '../model.ts';
import { isAdminOperation } from '../names.ts';
import type { Rule } from '../types.ts';
import { anonymousAccess } from './access.ts';

/** One alternative of a security requirement as a comparable string: "bearer[admin,write]+apiKey[]". */
function alternatives(op: AuditOperation): string[] {
  if (!op.security || op.security.length === 0) return ['(none)'];
  return op.security.map((requirement) =>
    Object.entries(requirement)
      .map(([scheme, scopes]) => `${scheme}[${[...(Array.isArray(scopes) ? scopes : [])].sort().join(',')}]`)
      .sort()
      .join('+') || '(none)',
  );
}

export const adminSecurityShared: Rule = {
  id: 'admin-security-shared',
  title: 'Admin operation secured like ordinary ones',
  severity: 'high',
  category: 'API5:2023',
  cwe: 285,
  why: 'When an administrative operation (an admin, internal or management path or tag) accepts exactly the credentials and scopes that ordinary operations accept, any user who can call the API can call it unless the code checks roles by hand (broken function level authorization).',
  fix: 'Require something ordinary callers do not have: an admin scope (`bearerAuth: [admin]`), a separate security scheme, or mTLS; and enforce it at the gateway (roles / scopes per operation).',
  check(model, report) {
    const ordinary = new Set<string>();
    for (const op of model.operations) if (!isAdminOperation(op)) for (const a of alternatives(op)) ordinary.add(a);
    for (const op of model.operations) {
      if (!isAdminOperation(op)) continue;
      const shared = alternatives(op).filter((a) => ordinary.has(a) && a !== '(none)');
      if (shared.length === 0) continue;
      report(op.explicitSecurity ? op.securityAt : op.at, `Admin operation ${op.label} accepts the same credentials as ordinary operations (${shared.join(' | ')}).`, op.label);
    }
  },
};

export const adminUnprotected: Rule = {
  id: 'admin-unprotected',
  title: 'Admin operation without authentication',
  severity: 'critical',
  category: 'API5:2023',
  cwe: 306,
  why: 'An administrative operation (an admin, internal or management path or tag) that anonymous callers may use hands the keys of the API to anyone who finds the path; these paths are the first ones scanners try.',
  fix: 'Require authentication and an administrative scope or role (`security: [{ bearerAuth: [admin] }]`), or do not expose the operation on the public API at all.',
  check(model, report) {
    for (const op of model.operations) {
      if (!isAdminOperation(op)) continue;
      const why = anonymousAccess(op);
      if (why) report(op.explicitSecurity ? op.securityAt : op.at, `Admin operation ${op.label} ${why}.`, op.label);
    }
  },
};
