import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BufferedLineSink } from './line-sink.ts';

test('a destination that stops reading: memory stays within maxBuffered, lines beyond it are dropped and counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-sink-'));
  const fifo = join(dir, 'stalled');
  execFileSync('mkfifo', [fifo]);
  // Opened read-write: writes block once the pipe is full, as on a stdout nobody reads.
  const fd = openSync(fifo, constants.O_RDWR);
  const sink = new BufferedLineSink(fd, { maxBuffered: 256 * 1024 });
  const line = `${JSON.stringify({ level: 'info', type: 'access', path: '/orders/42', pad: 'x'.repeat(250) })}\n`;
  const before = process.memoryUsage().arrayBuffers;
  // One line per 100 ms flush, as a quiet gateway writes: each flush seals a small block.
  for (let i = 0; i < 3000; i++) {
    sink.write(line);
    sink.flush();
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 8 * 1024 * 1024, `memory held for queued lines: ${(grown / 1048576).toFixed(1)} MB`);
  assert.ok(sink.dropped > 1000, `lines past the budget are counted as dropped (${sink.dropped})`);
  // Let the blocked write finish so the process can exit.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const chunk = Buffer.alloc(65536);
  for (let idle = 0; idle < 50; ) {
    try {
      if (readSync(reader, chunk) === 0) idle++;
    } catch {
      idle++;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  closeSync(reader);
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

const big = `{"n":"${'x'.repeat(200_000)}"}`;

/** A sink on a fresh `file` with a line of more than half a block (its write starts at once, in the background), then a short one. */
function bigThenAfter(file: string): { fd: number; sink: BufferedLineSink } {
  const fd = openSync(file, 'w');
  const sink = new BufferedLineSink(fd);
  sink.write(`${big}\n`);
  sink.write('{"n":"after"}\n');
  return { fd, sink };
}

test('at exit, lines are written in order even while a block is still being written in the background', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-sink-'));
  const file = join(dir, 'log');
  for (let round = 0; round < 20; round++) {
    const { fd, sink } = bigThenAfter(file);
    sink.flushSync(); // what process 'exit' calls
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.every((l) => l === big || l === '{"n":"after"}'), 'whole lines only');
    // The background write may still land after these (the big line twice): never the later line first.
    assert.ok(lines.indexOf(big) !== -1 && lines.indexOf(big) < lines.indexOf('{"n":"after"}'), `round ${round}: the later line comes after`);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a graceful exit waits for settled(): every line once, in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-sink-'));
  const file = join(dir, 'log');
  for (let round = 0; round < 20; round++) {
    const { fd, sink } = bigThenAfter(file);
    await sink.settled();
    sink.flushSync(); // what process 'exit' calls afterwards: nothing left to write
    closeSync(fd);
    assert.deepEqual(readFileSync(file, 'utf8').split('\n').filter(Boolean), [big, '{"n":"after"}'], `round ${round}`);
  }
  rmSync(dir, { recursive: true, force: true });
});
