// Redis counters read Redis's clock on each connection before sending any decision. The reading was
// sent on 'ready' but not awaited: a decision sent before its answer carried no deadline, so a Redis
// that hung between the connection and that answer ran it, and charged it, whenever it resumed. Here
// a fake Redis (enough RESP for ioredis's handshake and our scripts) holds the clock reading back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisCounters } from '../src/store/counters/redis.ts';
import { CLOCK_LUA, DECIDE_LUA } from '../src/store/counters/redis-script.ts';
import type { Rule, Take } from '../src/store/counters/types.ts';

const sha = (lua: string) => createHash('sha1').update(lua).digest('hex');
const CLOCK = sha(CLOCK_LUA);
const DECIDE = sha(DECIDE_LUA);
const quota: Rule = { id: 'quota', algorithm: 'fixed-window', limit: 100, periodMs: 3_600_000 };
const takes: Take[] = [{ rule: quota, key: 'k', cost: 1 }];

/** A Redis that answers the handshake and the scripts, and the clock only when `clock` is on. */
class FakeRedis {
  clock = false;
  readonly clockReadings: number[] = [];
  /** The deadline argument of each decision received. */
  readonly decisions: number[] = [];
  readonly #sockets = new Set<Socket>();
  readonly server: Server = createServer((socket) => {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const parsed = parse(buffer);
        if (parsed === undefined) return;
        buffer = buffer.slice(parsed.used);
        this.#answer(socket, parsed.args);
      }
    });
  });

  #answer(socket: Socket, args: string[]): void {
    const name = args[0]!.toUpperCase();
    if (name === 'INFO') return void socket.write(bulk('# Server\r\nredis_version:7.0.0\r\nloading:0\r\n'));
    if (name !== 'EVALSHA' && name !== 'EVAL') return void socket.write('+OK\r\n');
    const script = name === 'EVAL' ? sha(args[1]!) : args[1];
    if (script === CLOCK) {
      this.clockReadings.push(Date.now());
      if (this.clock) socket.write(`:${Date.now()}\r\n`);
      return;
    }
    if (script === DECIDE) {
      const keys = Number(args[2]);
      this.decisions.push(Number(args[3 + keys + 1]));
      return void socket.write(`*5\r\n:1\r\n:99\r\n:1000\r\n:0\r\n:${Date.now()}\r\n`);
    }
    socket.write('-ERR unexpected script\r\n');
  }

  /** Cuts every connection (the client reconnects). */
  cut(): void {
    for (const s of this.#sockets) s.destroy();
  }
}

function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
}

/** One RESP array of bulk strings from the start of `b`, or undefined when incomplete. */
function parse(b: string): { args: string[]; used: number } | undefined {
  let at = b.indexOf('\r\n');
  if (at < 0) return undefined;
  const n = Number(b.slice(1, at));
  let pos = at + 2;
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    at = b.indexOf('\r\n', pos);
    if (at < 0) return undefined;
    const len = Number(b.slice(pos + 1, at));
    if (b.length < at + 2 + len + 2) return undefined;
    args.push(b.slice(at + 2, at + 2 + len));
    pos = at + 2 + len + 2;
  }
  return { args, used: pos };
}

let fake: FakeRedis;
let url: string;

before(async () => {
  fake = new FakeRedis();
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const address = fake.server.address();
  url = `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(() => {
  fake.cut();
  fake.server.close();
});

test('no decision is sent before Redis\'s clock is read on the connection; then each carries its deadline', async () => {
  fake.clock = false;
  const counters = new RedisCounters({ url, timeoutMs: 100, prefix: 'clock' });
  try {
    const started = performance.now();
    await assert.rejects(Promise.resolve(counters.consume(takes)), /Redis/);
    assert.ok(performance.now() - started < 1000, 'the first decision waited for the clock within the timeout, no longer');
    await sleep(300);
    assert.ok(fake.clockReadings.length >= 2, 'a reading that got no answer within the timeout dropped the connection, and the next one read again');
    assert.deepEqual(fake.decisions, [], 'no decision was sent without its deadline');

    fake.clock = true;
    await counters.ready();
    assert.equal((await counters.consume(takes)).allowed, true);
    assert.equal(fake.decisions.length, 1);
    const deadline = fake.decisions[0]!;
    assert.ok(deadline > Date.now() - 1000 && deadline <= Date.now() + 100, `deadline ${deadline - Date.now()} ms from now`);

    // A new connection reads the clock again (perhaps another node): until then, decisions fail at once.
    fake.clock = false;
    fake.cut();
    await sleep(200);
    const cutAt = performance.now();
    await assert.rejects(Promise.resolve(counters.consume(takes)), /clock is not read yet|not connected/);
    assert.ok(performance.now() - cutAt < 50, 'failed at once, not after the timeout');
    assert.equal(fake.decisions.length, 1, 'nothing sent');
    fake.clock = true;
    await counters.ready();
    assert.equal((await counters.consume(takes)).allowed, true);
  } finally {
    await counters.close();
  }
});
