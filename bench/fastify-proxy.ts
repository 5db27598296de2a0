// Peer: fastify + @fastify/http-proxy with its defaults (undici pool to the upstream), logger off.
//   node bench/fastify-proxy.ts --port 8080 --upstream http://127.0.0.1:3000
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, upstream: { type: 'string', default: 'http://127.0.0.1:3000' } } });

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: values.upstream });
await app.listen({ port: Number(values.port), host: values.host });
console.log(`listening ${values.port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void app.close().finally(() => process.exit(0)));
