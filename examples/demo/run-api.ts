// Runs the demo API alone, without the gateway: node examples/demo/run-api.ts [--port N] [--host H]
import { parseArgs } from 'node:util';
import { startDemoApi } from './api.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '3000' }, host: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number (0 = any free port), not "${values.port}"\n`);
  process.exit(2);
}
const api = await startDemoApi({ port, host: values.host });
const alice = api.users[0]!;
process.stdout.write(
  [
    `Demo API (deliberately vulnerable: see examples/demo/README.md) on ${api.url}`,
    `  documented API   ${api.url}/api/v2   (spec: examples/demo/openapi.yaml)`,
    `  token issuer     ${api.issuer}   JWKS ${api.url}/.well-known/jwks.json`,
    '',
    '  username  password         role   API key',
    ...api.users.map((u) => `  ${u.username.padEnd(9)} ${u.password.padEnd(16)} ${u.role.padEnd(6)} ${u.apiKey}`),
    '',
    '  try:',
    `    curl -s ${api.url}/api/v2/products?limit=3`,
    `    curl -s -H 'X-API-Key: ${alice.apiKey}' ${api.url}/api/v2/me`,
    `    curl -s -X POST ${api.url}/api/v2/auth/login -H 'Content-Type: application/json' -d '{"username":"${alice.username}","password":"${alice.password}"}'`,
    '',
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
);
const stop = (): void => {
  void api.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
