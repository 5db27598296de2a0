// `portcullis scan --spec <URL>`: the document is downloaded with a size cap, so a target that
// streams without end gets an error, not the scanner's memory.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadScanSpec } from './index.ts';

test('scan: a spec URL that streams without end is refused once past the cap', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/yaml' });
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    pump();
    res.on('close', () => res.removeAllListeners('drain'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.yaml`;
    const before = process.memoryUsage().rss;
    await assert.rejects(loadScanSpec(url), /cannot download the document \(the answer is larger than \d+ bytes\)/);
    assert.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024, 'memory stayed bounded');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
