// API4 / API8: regular expressions in `pattern` that backtrack exponentially (ReDoS) or do not compile.
import type { JsonPath } from '../../config/source.ts';
import type { AuditModel, Node } from '../model.ts';
import { isObject } from '../model.ts';
import { isExponential, parseRegex } from '../regex.ts';
import type { Rule } from '../types.ts';

/** Every `pattern` and `patternProperties` key of the schemas the operations use, once each. */
function eachPattern(model: AuditModel, visit: (pattern: string, at: JsonPath, label: string) => void): void {
  const seen = new Set<Node>();
  for (const list of [model.requestSchemas, model.responseSchemas]) {
    for (const v of list) {
      if (seen.has(v.schema)) continue;
      seen.add(v.schema);
      if (typeof v.schema.pattern === 'string') visit(v.schema.pattern, [...v.path, 'pattern'], v.operation.label);
      if (isObject(v.schema.patternProperties)) {
        for (const key of Object.keys(v.schema.patternProperties)) visit(key, [...v.path, 'patternProperties', key], v.operation.label);
      }
    }
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

export const patternRedos: Rule = {
  id: 'pattern-redos',
  title: 'Regular expression vulnerable to ReDoS',
  severity: 'high',
  category: 'API4:2023',
  cwe: 1333,
  why: 'Patterns with nested quantifiers (`(a+)+`, `(\\w+\\s?)*`) or overlapping alternatives under a quantifier (`(a|a)*`, `(\\d|\\w)+`) make backtracking engines, including the JavaScript one that validates requests, take exponential time on a short crafted input: one request can hold a CPU for minutes.',
  fix: 'Rewrite the pattern so that each character can be matched in one way only (`^[a-z0-9]+(-[a-z0-9]+)*$` instead of `^([a-z0-9]+-?)+$`), bound the value with `maxLength`, and prefer `format` for well-known shapes (email, uri, uuid).',
  check(model, report) {
    eachPattern(model, (pattern, at, label) => {
      let exponential: boolean | undefined;
      try {
        exponential = isExponential(parseRegex(pattern));
      } catch {
        return; // pattern-invalid reports what does not compile
      }
      if (exponential) report(at, `The pattern ${JSON.stringify(pattern)} can backtrack exponentially (ReDoS).`, label);
    });
  },
};

export const patternInvalid: Rule = {
  id: 'pattern-invalid',
  title: 'Pattern that is not a valid regular expression',
  severity: 'low',
  category: 'API8:2023',
  cwe: 1286,
  why: 'A `pattern` that does not compile as an ECMAScript regular expression (with the `u` flag, as JSON Schema validators use it) makes validators fail or skip the check, so the value is not validated at all.',
  fix: 'Fix the expression (JSON Schema patterns are ECMA-262; escape `-` and `/` inside classes as needed) and test it with the validator you deploy.',
  check(model, report) {
    eachPattern(model, (pattern, at, label) => {
      if (!compiles(pattern)) report(at, `The pattern ${JSON.stringify(pattern)} is not a valid regular expression (ECMA-262, u flag).`, label);
    });
  },
};
