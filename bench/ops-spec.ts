// Generates an OpenAPI document with N resources × 4 operations (list, create, read, update), each
// with typed path and query parameters and a JSON body schema, for the ops-get scenario: routing and
// validation cost must not grow with the size of the document.
//   node bench/ops-spec.ts 1000 > /tmp/ops-1000.yaml
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function opsSpec(operations: number): string {
  const resources = Math.max(1, Math.ceil(operations / 4));
  const lines = ['openapi: 3.1.0', 'info: { title: generated, version: "1" }', 'paths:'];
  for (let r = 0; r < resources; r++) {
    const base = `/ops/r${r}/items`;
    lines.push(
      `  ${base}:`,
      `    get: { operationId: list${r}, parameters: [{ name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }], responses: { '200': { description: ok } } }`,
      `    post: { operationId: create${r}, requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }, responses: { '201': { description: ok } } }`,
      `  ${base}/{id}:`,
      `    parameters: [{ name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }]`,
      `    get: { operationId: read${r}, parameters: [{ name: fields, in: query, schema: { type: string, maxLength: 64 } }], responses: { '200': { description: ok } } }`,
      `    patch: { operationId: update${r}, requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }, responses: { '200': { description: ok } } }`,
    );
  }
  lines.push('components:', '  schemas:', '    Item: { type: object, additionalProperties: false, properties: { name: { type: string, maxLength: 100 }, qty: { type: integer } } }');
  return `${lines.join('\n')}\n`;
}

/** Writes the document to a temp file and returns its path. */
export function writeOpsSpec(operations: number): string {
  const dir = join(tmpdir(), 'portcullis-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `ops-${operations}.yaml`);
  writeFileSync(file, opsSpec(operations));
  return file;
}

if (import.meta.main) process.stdout.write(opsSpec(Number(process.argv[2] ?? 1000)));
