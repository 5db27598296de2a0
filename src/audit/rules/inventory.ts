// API9: what the document tells about environments, audiences and retirement.
import type { Rule } from '../types.ts';

const ENVIRONMENT = /\b(?:local|localhost|dev|develop|development|sandbox|alpha|beta|test|testing|qa|uat|stag|staging|preprod|pre-production|preproduction|prod|production|live|next|demo|mock)\b/i;

export const serverEnvironmentUndeclared: Rule = {
  id: 'server-environment-undeclared',
  title: 'Server without a declared environment',
  severity: 'low',
  category: 'API9:2023',
  cwe: 1059,
  versions: ['3.0', '3.1'],
  why: 'When a document does not say which server is production and which is staging or a sandbox, test hosts with weaker controls or real data get forgotten, and clients point at the wrong one.',
  fix: 'Give every server a `description` naming its environment (production, staging, sandbox, local...).',
  check(model, report) {
    for (const server of model.servers) {
      const description = server.node.description;
      if (typeof description !== 'string' || !ENVIRONMENT.test(description)) {
        report(server.path, `Server ${String(server.node.url ?? '?')} does not say which environment it is.`);
      }
    }
  },
};

export const serverAudienceUndeclared: Rule = {
  id: 'server-audience-undeclared',
  title: 'Server without a declared audience (x-internal)',
  severity: 'info',
  category: 'API9:2023',
  cwe: 1059,
  versions: ['3.0', '3.1'],
  why: 'Documentation tools publish every server they are given. Marking each server `x-internal: true` or `false` keeps internal hosts out of public portals and makes the exposure a deliberate choice.',
  fix: 'Add `x-internal: false` to public servers and `x-internal: true` to internal ones.',
  check(model, report) {
    for (const server of model.servers) {
      if (typeof server.node['x-internal'] !== 'boolean') {
        report(server.path, `Server ${String(server.node.url ?? '?')} does not declare x-internal (true or false).`);
      }
    }
  },
};

const SUNSET_TEXT = /sunset|removed?\b|removal|retire|end[- ]of[- ]life|\beol\b|replaced by|use .+ instead|\b20\d\d-\d\d(?:-\d\d)?\b/i;

export const deprecatedWithoutSunset: Rule = {
  id: 'deprecated-without-sunset',
  title: 'Deprecated operation without a sunset date',
  severity: 'low',
  category: 'API9:2023',
  cwe: 1059,
  why: 'Deprecated operations that never go away become zombie APIs: unmaintained, unmonitored, often with older and weaker checks. Without a date or a successor, clients have no reason to move.',
  fix: 'Announce the removal: a `Sunset` (RFC 8594) or `Deprecation` response header, an `x-sunset` date, or a description naming the date and the replacement; then remove the operation.',
  check(model, report) {
    for (const op of model.operations) {
      if (!op.deprecated) continue;
      if (typeof op.node['x-sunset'] === 'string' || op.node['x-sunset'] instanceof Date || typeof op.node['x-deprecated-at'] === 'string') continue;
      if (op.responses.some((r) => r.headers.has('sunset') || r.headers.has('deprecation'))) continue;
      if ([op.node.description, op.node.summary].some((t) => typeof t === 'string' && SUNSET_TEXT.test(t))) continue;
      report([...op.at, 'deprecated'], `${op.label} is deprecated without a sunset date or replacement.`, op.label);
    }
  },
};
