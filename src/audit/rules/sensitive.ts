// API3: responses that expose secrets (passwords, hashes, keys, card data).
import type { JsonPath } from '../../config/source.ts';
import { isObject, typesOf } from '../model.ts';
import { mayIssueCredentials, secretKind } from '../names.ts';
import type { Rule } from '../types.ts';

export const sensitiveFieldInResponse: Rule = {
  id: 'sensitive-field-in-response',
  title: 'Sensitive field in a response',
  severity: 'high',
  category: 'API3:2023',
  cwe: 200,
  why: 'Responses that carry passwords, password hashes, secrets, private keys, social security or card numbers hand them to every client and every log on the way (excessive data exposure). Tokens, keys and client secrets are accepted only in responses of log in, token and key/client creation operations (POST), which issue them once; boolean and numeric fields (hasPassword) are left out.',
  fix: 'Remove the field from response schemas (use a separate response schema), or mark it `writeOnly: true` and let the gateway strip undocumented or write-only fields from responses.',
  check(model, report) {
    for (const v of model.responseSchemas) {
      const properties = v.schema.properties;
      if (!isObject(properties)) continue;
      const issuing = mayIssueCredentials(v.operation);
      for (const [name, raw] of Object.entries(properties)) {
        const kind = secretKind(name);
        if (!kind || (kind === 'issued' && issuing)) continue;
        const at: JsonPath = [...v.path, 'properties', name];
        const schema = model.resolve(raw, at)?.node;
        if (schema?.writeOnly === true || (isObject(raw) && raw.writeOnly === true)) continue;
        if (schema && typesOf(schema).some((t) => t === 'boolean' || t === 'integer' || t === 'number')) continue; // hasPassword: true

        report(at, `${v.operation.label}: the response includes "${name}".`, v.operation.label);
      }
    }
  },
};
