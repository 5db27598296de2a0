// API2: operations nobody has to authenticate for, and requirements naming schemes that do not exist.
import type { AuditModel, AuditOperation } from '../model.ts';
import { isAdminOperation, isAuthOperation, isProbeOperation } from '../names.ts';
import type { Report, Rule } from '../types.ts';

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const READ = new Set(['GET', 'HEAD']);

/** Why an operation is open to anonymous callers, or undefined when it requires credentials. */
export function anonymousAccess(op: AuditOperation): string | undefined {
  if (op.security === undefined) return 'declares no security requirement (neither on the operation nor for the document)';
  if (op.security.length === 0) return 'sets `security: []`';
  if (op.security.some((r) => Object.keys(r).length === 0)) return 'accepts anonymous callers (an empty requirement `{}`)';
  return undefined;
}

/** Login, sign-up, token and probe endpoints that opt out explicitly are public on purpose. */
export function intentionallyPublic(op: AuditOperation): boolean {
  return op.explicitSecurity && (isAuthOperation(op) || isProbeOperation(op));
}

function checkAccess(methods: Set<string>) {
  return (model: AuditModel, report: Report): void => {
    for (const op of model.operations) {
      if (!methods.has(op.method) || intentionallyPublic(op) || isAdminOperation(op)) continue; // admin-unprotected reports those
      const why = anonymousAccess(op);
      if (why) report(op.explicitSecurity ? op.securityAt : op.at, `${op.label} ${why}.`, op.label);
    }
  };
}

export const writeUnprotected: Rule = {
  id: 'write-unprotected',
  title: 'Write operation without authentication',
  severity: 'high',
  category: 'API2:2023',
  cwe: 306,
  why: 'A POST, PUT, PATCH or DELETE that anyone can call lets anonymous clients create, change or delete data. Operations that set `security: []` explicitly and look like log in, sign up, token or password-reset endpoints are left out, and admin operations are reported by admin-unprotected.',
  fix: 'Add a `security` requirement to the operation or to the document (`security: [{ bearerAuth: [] }]`), and do not list an empty requirement `{}`.',
  check: checkAccess(WRITE),
};

export const readUnprotected: Rule = {
  id: 'read-unprotected',
  title: 'Read operation without authentication',
  severity: 'medium',
  category: 'API2:2023',
  cwe: 306,
  why: 'A GET or HEAD that anyone can call exposes its data to anonymous clients and scrapers. Health, readiness and discovery endpoints that set `security: []` explicitly are left out, and admin operations are reported by admin-unprotected.',
  fix: 'Add a `security` requirement; when the data is public on purpose, say so with an explicit `security: []` on the operation and accept the finding in a baseline.',
  check: checkAccess(READ),
};

export const securitySchemeUndefined: Rule = {
  id: 'security-scheme-undefined',
  title: 'Security requirement names an undeclared scheme',
  severity: 'medium',
  category: 'API8:2023',
  cwe: 1068,
  why: 'A requirement that names a scheme missing from `components.securitySchemes` (or `securityDefinitions`) cannot be enforced by tools reading the document: gateways and generated clients either reject it or treat the operation as open.',
  fix: 'Declare the scheme, or correct the name in the requirement.',
  check(model, report) {
    const seen = new Set<string>();
    const lists: { at: (string | number)[]; list: unknown; label?: string }[] = [{ at: ['security'], list: model.root.security }];
    for (const op of model.operations) if (op.explicitSecurity) lists.push({ at: [...op.securityAt], list: op.node.security, label: op.label });
    for (const { at, list, label } of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((requirement, i) => {
        if (typeof requirement !== 'object' || requirement === null) return;
        for (const name of Object.keys(requirement)) {
          const key = JSON.stringify([...at, i, name]);
          if (model.securitySchemes.has(name) || seen.has(key)) continue;
          seen.add(key);
          report([...at, i, name], `The security requirement names "${name}", which is not a declared security scheme.`, label);
        }
      });
    }
  },
};
