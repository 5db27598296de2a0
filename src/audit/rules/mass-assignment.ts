// API3: request bodies that accept properties only the server should set, and contradictory
// readOnly / writeOnly markings.
import type { JsonPath } from '../../config/source.ts';
import type { AuditModel, Node, SchemaVisit } from '../model.ts';
import { isObject } from '../model.ts';
import { isAdminOperation, isPrivilegedField, isServerAssignedField } from '../names.ts';
import type { Report, Rule } from '../types.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function eachWritableProperty(model: AuditModel, visit: (v: SchemaVisit, name: string, at: JsonPath, schema: Node) => void): void {
  for (const v of model.requestSchemas) {
    if (!BODY_METHODS.has(v.operation.method) || isAdminOperation(v.operation)) continue;
    const properties = v.schema.properties;
    if (!isObject(properties)) continue;
    for (const [name, raw] of Object.entries(properties)) {
      const at: JsonPath = [...v.path, 'properties', name];
      const schema = model.resolve(raw, at)?.node;
      if (!schema || schema.readOnly === true || (isObject(raw) && raw.readOnly === true)) continue;
      visit(v, name, at, schema);
    }
  }
}

export const massAssignmentPrivileged: Rule = {
  id: 'mass-assignment-privileged',
  title: 'Request body accepts a privileged property',
  severity: 'high',
  category: 'API3:2023',
  cwe: 915,
  why: 'A body schema that accepts role, isAdmin, permissions, balance, credits, ownerId, verified... (not marked readOnly) invites clients to set them: if the code binds the body to the stored object, a user makes themselves admin or tops up their balance (mass assignment). Operations under admin paths or tags are left out.',
  fix: 'Use a separate request schema without these properties (with `additionalProperties: false`), or mark them `readOnly: true` and have the gateway refuse read-only properties in requests.',
  check(model, report: Report) {
    eachWritableProperty(model, (v, name, at) => {
      if (isPrivilegedField(name)) report(at, `${v.operation.label}: the request body accepts "${name}", a property only the server should set.`, v.operation.label);
    });
  },
};

export const massAssignmentServerFields: Rule = {
  id: 'mass-assignment-server-fields',
  title: 'Request body accepts server-assigned fields',
  severity: 'low',
  category: 'API3:2023',
  cwe: 915,
  why: 'Identifiers and timestamps (id, createdAt, updatedAt, createdBy) are assigned by the server. Accepting them in a body lets clients overwrite another object (id) or forge history.',
  fix: 'Mark them `readOnly: true` (and refuse read-only properties in requests), or leave them out of request schemas.',
  check(model, report) {
    eachWritableProperty(model, (v, name, at) => {
      if (isServerAssignedField(name)) report(at, `${v.operation.label}: the request body accepts "${name}", which the server assigns (not readOnly).`, v.operation.label);
    });
  },
};

export const readOnlyWriteOnlyConflict: Rule = {
  id: 'readonly-writeonly-conflict',
  title: 'Property both readOnly and writeOnly',
  severity: 'low',
  category: 'API3:2023',
  cwe: 1068,
  why: 'A property marked both readOnly and writeOnly can be neither sent nor returned: tools disagree on what it means, and the property-level rules it was meant to express are not enforced.',
  fix: 'Keep one: `readOnly` for values only the server sets, `writeOnly` for secrets the client sends but never gets back (passwords).',
  check(model, report) {
    for (const list of [model.requestSchemas, model.responseSchemas]) {
      for (const v of list) {
        if (!isObject(v.schema.properties)) continue;
        for (const [name, raw] of Object.entries(v.schema.properties)) {
          const at: JsonPath = [...v.path, 'properties', name];
          const schema = model.resolve(raw, at);
          if (schema?.node.readOnly === true && schema.node.writeOnly === true) report(schema.path, `"${name}" is both readOnly and writeOnly.`, v.operation.label);
        }
      }
    }
  },
};
