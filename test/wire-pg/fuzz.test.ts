// Fuzzing the front end: about 3000 random and mutated frames over many connections (random
// bytes, valid messages with bit flips, truncated messages, huge lengths, random startup
// packets), in random-sized chunks. Every connection must end (the server may answer with
// errors, but never hang or crash), every opened session must be closed exactly once, no
// internal error may be logged but the toy's deliberate one, and afterwards the server must
// still answer a normal query.
// Deterministic: a fixed seed drives everything.

import { connect } from 'node:net';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { serialize, startServer, startupPacket, type TestServer } from './harness.js';
import { rng as prng } from '../helpers/rng.js';

const SEED = 20_241_121;
const CONNECTIONS = 120;
const FRAMES_PER_CONNECTION = 25;
const PARALLEL = 12;


let t: TestServer;

beforeAll(async () => {
  // Small limits so that "large" frames hit them quickly.
  t = await startServer({ limits: { messageBytesMax: 64 * 1024, startupTimeoutMs: 30_000 } });
});

afterAll(async () => {
  await t.close();
});

class Fuzzer {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A well-formed message; the ones that end or stall a connection are rare. */
  validMessage(): Buffer {
    const sql = this.int(100) < 3
      ? this.pick(['sleep', 'infinite'])
      : this.pick(['select 1', 'series 3', 'begin', 'rollback', 'commit', 'copy f from stdin', 'copy f to stdout',
        'echo int4, text', 'echo int4', 'error 23505', 'notice hi', ';', '', 'frob', 'value jsonb {"a":[1,2]}', 'bug']);
    if (this.int(100) < 2) return serialize.end();
    return this.pick<() => Buffer>([
      () => serialize.query(sql),
      () => serialize.parse({ name: this.pick(['', 's1', 's2']), text: sql, types: this.pick([[], [23], [0, 25]]) }),
      () => serialize.bind({ portal: this.pick(['', 'p1']), statement: this.pick(['', 's1', 's2']), values: this.pick([[], ['1'], ['x', null], ['7', 'y']]) }),
      () => serialize.describe({ type: this.pick(['S', 'P'] as const), name: this.pick(['', 's1', 'p1']) }),
      () => serialize.execute({ portal: this.pick(['', 'p1']), rows: this.int(3) }),
      () => serialize.sync(),
      () => serialize.sync(),
      () => serialize.flush(),
      () => serialize.close({ type: this.pick(['S', 'P'] as const), name: this.pick(['', 's1', 'p1']) }),
      () => serialize.copyData(Buffer.from(this.pick(['1\t2\n', 'a\\tb\n', '\\.\n', 'x']))),
      () => serialize.copyData(this.bytes(this.int(20))),
      () => serialize.copyDone(),
      () => serialize.copyFail('fuzz'),
    ])();
  }

  /** Flips 1-3 bits from byte `from` on (5 keeps the type and length: the framing stays intact). */
  flipBits(b: Buffer, from = 0): Buffer {
    const out = Buffer.from(b);
    const flips = 1 + this.int(3);
    for (let i = 0; i < flips && out.length > from; i++) out[from + this.int(out.length - from)] ^= 1 << this.int(8);
    return out;
  }

  /** Frames that keep the framing intact, so the connection lives on into deeper states. */
  gentleFrame(): Buffer {
    return this.int(100) < 15 ? this.flipBits(this.validMessage(), 5) : this.validMessage();
  }

  /**
   * One frame of a random kind. Most are valid, so that connections live long enough to reach
   * deep states (extended batches, COPY, failed transactions) before a fatal frame ends them.
   */
  frame(): Buffer {
    const r = this.int(100);
    switch (r < 6 ? 0 : r < 20 ? 1 : r < 26 ? 2 : r < 31 ? 3 : 4) {
      case 0:
        return this.bytes(1 + this.int(48));
      case 1:
        return this.flipBits(this.validMessage());
      case 2: {
        const m = this.validMessage();
        return m.subarray(0, this.int(m.length));
      }
      case 3: {
        // A plausible type byte with a huge or negative length.
        const head = Buffer.alloc(5);
        head[0] = this.pick([0x51, 0x50, 0x42, 0x64, 0x53, 0x70]);
        head.writeInt32BE(this.pick([0x7fffffff, -1, 0x40000000, 65 * 1024, 3, 0]), 1);
        return head;
      }
      default:
        return this.validMessage();
    }
  }

  startupPhase(): Buffer {
    switch (this.int(5)) {
      case 0:
        return this.bytes(1 + this.int(40));
      case 1:
        return this.flipBits(startupPacket({ user: 'fuzz', database: 'd' }));
      case 2:
        return Buffer.concat([serialize.requestSsl(), this.pick([this.bytes(this.int(16)), serialize.cancel(1000 + this.int(200), this.int(2 ** 31))])]);
      case 3: {
        const b = Buffer.alloc(8);
        b.writeInt32BE(this.pick([8, 16, 10_001, 0x7fffffff, 4]), 0);
        b.writeInt32BE(this.pick([80877102, 80877103, 80877104, 196608, 131072, 196609]), 4);
        return b;
      }
      default:
        return startupPacket({ user: 'fuzz', database: 'd', [this.pick(['options', '_pq_.x', 'client_encoding'])]: this.pick(['UTF8', 'x', '']) });
    }
  }
}

/** Sends the frames in random chunks, half-closes, and waits for the server to close. */
function runConnection(port: number, fuzz: Fuzzer, frames: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => undefined); // resets are a fine way for the server to say no
    socket.on('close', () => resolve(received));
    socket.on('connect', () => {
      const all = Buffer.concat(frames);
      let pos = 0;
      const writeSome = () => {
        if (socket.destroyed) return;
        if (pos >= all.length) {
          socket.end();
          return;
        }
        const n = 1 + fuzz.int(64);
        socket.write(all.subarray(pos, pos + n));
        pos += n;
        setImmediate(writeSome);
      };
      writeSome();
    });
    socket.setTimeout(30_000, () => reject(new Error('connection did not end')));
  });
}

describe('fuzz', () => {
  it(`survives ${CONNECTIONS * FRAMES_PER_CONNECTION} random and mutated frames`, async () => {
    const fuzz = new Fuzzer(prng(SEED));
    const plans: Buffer[][] = [];
    let frameCount = 0;
    for (let c = 0; c < CONNECTIONS; c++) {
      const frames: Buffer[] = [];
      // One in three connections fuzzes the startup phase; of the others, half are hostile
      // (any frame) and half gentle (framing intact, so they reach deeper states).
      const kind = c % 3;
      frames.push(kind === 0 ? fuzz.startupPhase() : startupPacket({ user: 'fuzz', database: 'd' }));
      for (let i = 1; i < FRAMES_PER_CONNECTION; i++) frames.push(kind === 2 ? fuzz.gentleFrame() : fuzz.frame());
      frameCount += frames.length;
      plans.push(frames);
    }
    expect(frameCount).toBe(CONNECTIONS * FRAMES_PER_CONNECTION);

    for (let i = 0; i < plans.length; i += PARALLEL) {
      await Promise.all(plans.slice(i, i + PARALLEL).map((frames) => runConnection(t.port, fuzz, frames)));
    }

    // Every connection the server accepted has ended and closed its session exactly once.
    for (let i = 0; i < 500 && t.server.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.server.connectionCount).toBe(0);
    expect(t.backend.events.closed.length).toBe(t.backend.events.opened);
    // The toy's `bug` statement is the only internal error allowed (it throws a TypeError).
    expect(t.internalErrors.filter((e) => (e as { err?: Error }).err?.message !== 'toy bug')).toEqual([]);

    const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: 'u', database: 'd' });
    await c.connect();
    expect((await c.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    expect((await c.query('echo int4', ['5'])).rows).toEqual([{ $1: 5 }]);
    await c.end();
  });
});
