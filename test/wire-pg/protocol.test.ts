// The protocol with raw frames, for what drivers rarely send: startup variants, Describe of
// statements, portal suspension, binary parameters, error recovery until Sync, Close, Flush,
// COPY in the extended protocol, CopyFail, and malformed input. Expected transcripts marked
// "PostgreSQL 15.18" were captured from the real server with the same frames.
// Docs sections: "Message Flow" (53.2) and "Message Formats" (55.7 in PG15's numbering).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  RawClient, cstrings, dataRowValues, errorFields, rowDescription, serialize, startServer, startupPacket, summarize,
  type TestServer,
} from './harness.js';

let t: TestServer;
const clients: RawClient[] = [];

beforeAll(async () => {
  t = await startServer({ limits: { connectionsMax: 50 } });
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(async () => {
  await t.close();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(t.port);
  clients.push(c);
  return c;
}

async function ready(): Promise<RawClient> {
  const c = await client();
  await c.startup();
  return c;
}

function int32Packet(...ints: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * ints.length);
  b.writeInt32BE(b.length, 0);
  ints.forEach((v, i) => b.writeInt32BE(v, 4 + 4 * i));
  return b;
}

/** A typed frame with an arbitrary body. */
function frame(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function bindBinary(statement: string, values: (Buffer | null)[], resultFormat: number): Buffer {
  const parts: Buffer[] = [Buffer.from(`\0${statement}\0`)];
  const counts = Buffer.alloc(4);
  counts.writeInt16BE(1, 0);
  counts.writeInt16BE(1, 2); // one format code: binary for all
  parts.push(counts);
  const n = Buffer.alloc(2);
  n.writeInt16BE(values.length);
  parts.push(n);
  for (const v of values) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(v === null ? -1 : v.length);
    parts.push(len);
    if (v !== null) parts.push(v);
  }
  const rf = Buffer.alloc(4);
  rf.writeInt16BE(1, 0);
  rf.writeInt16BE(resultFormat, 2);
  parts.push(rf);
  return frame('B', Buffer.concat(parts));
}

describe('startup', () => {
  it('answers SSLRequest and GSSENCRequest with N, then accepts the StartupMessage', async () => {
    const c = await client();
    expect(await c.sendForByte(int32Packet(80877103))).toBe('N');
    expect(await c.sendForByte(int32Packet(80877104))).toBe('N');
    const msgs = await c.startup();
    expect(msgs.map((m) => m.type)).toEqual(['R', ...Array(13).fill('S'), 'K', 'Z']);
  });

  it('refuses a second SSLRequest', async () => {
    const c = await client();
    await c.sendForByte(int32Packet(80877103));
    c.send(int32Packet(80877103));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('refuses protocol 2.0 with FATAL 0A000 (PostgreSQL\'s wording)', async () => {
    const c = await client();
    c.send(startupPacket({ user: 'u' }, 2 << 16));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({
      S: 'FATAL', C: '0A000', M: 'unsupported frontend protocol 2.0: server supports 3.0 to 3.0',
    });
  });

  it('negotiates down from 3.1 and reports unknown _pq_ options', async () => {
    const c = await client();
    c.send(startupPacket({ user: 'u', '_pq_.frob': 'on' }, (3 << 16) | 1));
    const msgs = await c.until('Z');
    expect(msgs[0].type).toBe('v');
    expect(msgs[0].body.readInt32BE(0)).toBe(3 << 16);
    expect(msgs[0].body.readInt32BE(4)).toBe(1);
    expect(cstrings(msgs[0].body.subarray(8))).toEqual(['_pq_.frob']);
    expect(msgs.at(-1)?.type).toBe('Z');
  });

  it('requires a user name', async () => {
    const c = await client();
    c.send(startupPacket({ database: 'd' }));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '28000', M: 'no PostgreSQL user name specified in startup packet' });
  });

  it('refuses a client_encoding other than UTF8', async () => {
    const c = await client();
    c.send(startupPacket({ user: 'u', client_encoding: 'LATIN1' }));
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '22023' });
  });

  it('ignores a CancelRequest with a wrong key and closes that connection', async () => {
    const a = await ready();
    const c = await client();
    c.send(int32Packet(80877102, 1000, 12345));
    expect(await c.closed()).toEqual([]);
    a.send(serialize.query('select 1'));
    expect(await a.transcript()).toEqual(['T', 'D 1', 'C SELECT 1', 'Z I']);
  });

  it('turns away connections beyond connectionsMax with 53300', async () => {
    const s = await startServer({ limits: { connectionsMax: 1 } });
    try {
      const a = await RawClient.connect(s.port);
      await a.startup();
      const b = await RawClient.connect(s.port);
      const [e] = await b.closed();
      expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '53300', M: 'sorry, too many clients already' });
      a.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('simple query', () => {
  it('sends one CommandComplete per statement and one ReadyForQuery', async () => {
    const c = await ready();
    c.send(serialize.query('select 1 as a; series 2;;insert 2'));
    expect(await c.transcript()).toEqual(['T', 'D 1', 'C SELECT 1', 'T', 'D 1', 'D 2', 'C SELECT 2', 'I', 'C INSERT 0 2', 'Z I']);
  });

  it('answers an empty string with EmptyQueryResponse (PostgreSQL 15.18)', async () => {
    const c = await ready();
    c.send(serialize.query(''), serialize.query('  \n'), serialize.query(';'));
    expect([...await c.transcript(), ...await c.transcript(), ...await c.transcript()]).toEqual(['I', 'Z I', 'I', 'Z I', 'I', 'Z I']);
  });

  it('stops at the first error: later statements do not run', async () => {
    const c = await ready();
    c.send(serialize.query('select 1; error 22012 division by zero; insert 1'));
    const msgs = await c.until('Z');
    expect(msgs.map(summarize)).toEqual(['T', 'D 1', 'C SELECT 1', 'E 22012', 'Z I']);
    expect(errorFields(msgs[3])).toMatchObject({ S: 'ERROR', V: 'ERROR', C: '22012', M: 'division by zero', P: '11' });
  });

  it('reports T inside a block and E after an error, until ROLLBACK (PostgreSQL 15.18)', async () => {
    const c = await ready();
    c.send(serialize.query('begin'), serialize.query('frob'), serialize.query('select 1'), serialize.query('rollback'));
    expect(await c.transcript()).toEqual(['C BEGIN', 'Z T']);
    expect(await c.transcript()).toEqual(['E 42601', 'Z E']);
    expect(await c.transcript()).toEqual(['E 25P02', 'Z E']);
    expect(await c.transcript()).toEqual(['C ROLLBACK', 'Z I']);
  });

  it('rejects invalid UTF-8 in a query with 22021 and carries on', async () => {
    const c = await ready();
    c.send(frame('Q', Buffer.from([0x73, 0xff, 0xfe, 0])));
    const msgs = await c.until('Z');
    expect(errorFields(msgs[0])).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xff 0xfe' });
    c.send(serialize.query('select 1'));
    expect(await c.transcript()).toEqual(['T', 'D 1', 'C SELECT 1', 'Z I']);
  });

  it('answers FunctionCall with 0A000 and ReadyForQuery', async () => {
    const c = await ready();
    c.send(frame('F', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])));
    expect(await c.transcript()).toEqual(['E 0A000', 'Z I']);
  });
});

describe('extended query', () => {
  it('suspends a portal at max-rows and resumes it (PostgreSQL 15.18 transcript)', async () => {
    const c = await ready();
    c.send(
      serialize.parse({ text: 'series 5' }), serialize.bind({}),
      serialize.execute({ rows: 2 }), serialize.execute({ rows: 3 }), serialize.execute({ rows: 3 }), serialize.sync(),
    );
    expect(await c.transcript()).toEqual(['1', '2', 'D 1', 'D 2', 's', 'D 3', 'D 4', 'D 5', 's', 'C SELECT 0', 'Z I']);
  });

  it('finishes a suspended portal with the count of the last Execute', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'series 5' }), serialize.bind({}), serialize.execute({ rows: 3 }), serialize.execute({ rows: 0 }), serialize.sync());
    expect(await c.transcript()).toEqual(['1', '2', 'D 1', 'D 2', 'D 3', 's', 'D 4', 'D 5', 'C SELECT 2', 'Z I']);
  });

  it('keeps named portals of a transaction block across Sync, and drops them when it ends', async () => {
    const c = await ready();
    c.send(serialize.query('begin'));
    await c.transcript();
    c.send(serialize.parse({ name: 's1', text: 'series 4' }), serialize.bind({ portal: 'p1', statement: 's1' }),
      serialize.execute({ portal: 'p1', rows: 1 }), serialize.sync());
    expect(await c.transcript()).toEqual(['1', '2', 'D 1', 's', 'Z T']);
    c.send(serialize.execute({ portal: 'p1', rows: 2 }), serialize.sync());
    expect(await c.transcript()).toEqual(['D 2', 'D 3', 's', 'Z T']);
    c.send(serialize.query('commit'));
    expect(await c.transcript()).toEqual(['C COMMIT', 'Z I']);
    c.send(serialize.execute({ portal: 'p1' }), serialize.sync());
    const msgs = await c.until('Z');
    expect(errorFields(msgs[0])).toMatchObject({ C: '34000', M: 'portal "p1" does not exist' });
  });

  it('describes a statement (ParameterDescription, RowDescription) and a portal with its formats', async () => {
    const c = await ready();
    c.send(serialize.parse({ name: 'e', text: 'echo int4, text', types: [0, 0] }), serialize.describe({ type: 'S', name: 'e' }),
      bindBinary('e', [Buffer.from([0, 0, 0, 9]), Buffer.from('hi')], 1), serialize.describe({ type: 'P', name: '' }),
      serialize.execute({}), serialize.sync());
    const msgs = await c.until('Z');
    expect(msgs.map((m) => m.type)).toEqual(['1', 't', 'T', '2', 'T', 'D', 'C', 'Z']);
    expect(msgs[1].body.readInt16BE(0)).toBe(2);
    expect([msgs[1].body.readUInt32BE(2), msgs[1].body.readUInt32BE(6)]).toEqual([23, 25]);
    expect(rowDescription(msgs[2])).toEqual([
      { name: '$1', typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
      { name: '$2', typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 },
    ]);
    expect(rowDescription(msgs[4]).map((f) => f.format)).toEqual([1, 1]);
    expect(dataRowValues(msgs[5])).toEqual([Buffer.from([0, 0, 0, 9]), Buffer.from('hi')]);
  });

  it('answers Describe of a statement without rows with NoData', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'begin' }), serialize.describe({ type: 'S' }), serialize.bind({}),
      serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    expect(await c.transcript()).toEqual(['1', 't', 'n', '2', 'n', 'C BEGIN', 'Z T']);
  });

  it('runs an empty statement: NoData, then EmptyQueryResponse', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: '' }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    expect(await c.transcript()).toEqual(['1', '2', 'n', 'I', 'Z I']);
  });

  it('echoes binary parameters of every codec back byte for byte', async () => {
    const c = await ready();
    const values = [
      Buffer.from('000000000000002a', 'hex'), // int8 42
      Buffer.from('3fb999999999999a', 'hex'), // float8 0.1
      Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'), // uuid
      Buffer.from('0002b0ec8517d580', 'hex'), // timestamp 2024-01-02 03:04:05.123456
      Buffer.from('0005000240000006000109291a85000004b0', 'hex'), // numeric -123456789.000012
      Buffer.from('017b2262223a20317d', 'hex'), // jsonb {"b": 1}
      null,
    ];
    c.send(serialize.parse({ name: 'b', text: 'echo int8, float8, uuid, timestamp, numeric, jsonb, int4' }),
      bindBinary('b', values, 1), serialize.execute({}), serialize.sync());
    const msgs = await c.until('Z');
    expect(msgs.map((m) => m.type)).toEqual(['1', '2', 'D', 'C', 'Z']);
    expect(dataRowValues(msgs[2])).toEqual(values);
  });

  it('rejects a binary parameter of the wrong size with 22P03', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'echo int4' }), bindBinary('', [Buffer.from([1, 2])], 0), serialize.sync());
    const msgs = await c.until('Z');
    expect(errorFields(msgs[1])).toMatchObject({ C: '22P03', M: 'incorrect binary data format in bind parameter 1' });
  });

  it('discards everything after an error until Sync, then recovers', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'frob' }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({}),
      serialize.query('select 1'), serialize.sync(), serialize.query('select 2'));
    expect(await c.transcript()).toEqual(['E 42601', 'Z I']);
    expect(await c.transcript()).toEqual(['T', 'D 2', 'C SELECT 1', 'Z I']);
  });

  it('reports a wrong parameter count as an ERROR (not FATAL), then recovers at Sync', async () => {
    const c = await ready();
    c.send(serialize.parse({ name: 'two', text: 'echo int4, int4' }), serialize.bind({ statement: 'two', values: ['1'] }),
      serialize.execute({}), serialize.sync());
    const msgs = await c.until('Z');
    expect(msgs.map(summarize)).toEqual(['1', 'E 08P01', 'Z I']);
    expect(errorFields(msgs[1])).toMatchObject({ S: 'ERROR', M: 'bind message supplies 1 parameters, but prepared statement "two" requires 2' });
    c.send(serialize.bind({ statement: 'two', values: ['1', '2'] }), serialize.execute({}), serialize.sync());
    expect(await c.transcript()).toEqual(['2', 'D 1,2', 'C SELECT 1', 'Z I']);
  });

  it('moves a transaction block to E when the protocol layer raises the error', async () => {
    const c = await ready();
    c.send(serialize.query('begin'));
    await c.transcript();
    c.send(serialize.bind({ statement: 'nope' }), serialize.sync());
    const msgs = await c.until('Z');
    expect(msgs.map(summarize)).toEqual(['E 26000', 'Z E']);
    expect(errorFields(msgs[0]).M).toBe('prepared statement "nope" does not exist');
    c.send(serialize.query('rollback'));
    expect(await c.transcript()).toEqual(['C ROLLBACK', 'Z I']);
  });

  it('refuses a duplicate named statement, closes statements, and tolerates closing unknown names', async () => {
    const c = await ready();
    c.send(serialize.parse({ name: 'x', text: 'select 1' }), serialize.parse({ name: 'x', text: 'select 2' }), serialize.sync());
    const msgs = await c.until('Z');
    expect(msgs.map(summarize)).toEqual(['1', 'E 42P05', 'Z I']);
    expect(errorFields(msgs[1]).M).toBe('prepared statement "x" already exists');
    c.send(serialize.close({ type: 'S', name: 'x' }), serialize.close({ type: 'P', name: 'never' }), serialize.bind({ statement: 'x' }), serialize.sync());
    expect(await c.transcript()).toEqual(['3', '3', 'E 26000', 'Z I']);
  });

  it('replaces the unnamed statement on the next Parse', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'select 1' }), serialize.parse({ text: 'select 2' }), serialize.bind({}), serialize.execute({}), serialize.sync());
    expect(await c.transcript()).toEqual(['1', '1', '2', 'D 2', 'C SELECT 1', 'Z I']);
  });

  it('sends what it has at Flush, before any Sync', async () => {
    const c = await ready();
    c.send(serialize.parse({ text: 'select 1' }), serialize.flush());
    expect((await c.next())?.type).toBe('1');
    c.send(serialize.bind({}), serialize.execute({}), serialize.flush());
    expect((await c.until('C')).map(summarize)).toEqual(['2', 'D 1', 'C SELECT 1']);
    c.send(serialize.sync());
    expect(await c.transcript()).toEqual(['Z I']);
  });

  it('runs COPY FROM STDIN through Execute, ignoring Flush/Sync in copy mode', async () => {
    const c = await ready();
    // libpq sends Sync right after Execute and again after CopyDone; the first is ignored.
    c.send(serialize.parse({ text: 'copy ext from stdin' }), serialize.bind({}), serialize.execute({}), serialize.sync());
    const g = await c.until('G');
    expect(g.map((m) => m.type)).toEqual(['1', '2', 'G']);
    c.send(serialize.copyData(Buffer.from('a\tb\nc')), serialize.flush(), serialize.copyData(Buffer.from('\td\n')), serialize.copyDone(),
      serialize.sync());
    expect(await c.transcript()).toEqual(['C COPY 2', 'Z I']);
    expect(t.backend.tables.get('ext')).toEqual([['a', 'b'], ['c', 'd']]);
  });
});

describe('COPY sub-protocol', () => {
  it('aborts on CopyFail with 57014 and PostgreSQL\'s message', async () => {
    const c = await ready();
    c.send(serialize.query('copy f from stdin'));
    await c.until('G');
    c.send(serialize.copyData(Buffer.from('1\n')), serialize.copyFail('client gave up'));
    const msgs = await c.until('Z');
    expect(msgs.map(summarize)).toEqual(['E 57014', 'Z I']);
    expect(errorFields(msgs[0]).M).toBe('COPY from stdin failed: client gave up');
  });

  it('reports a non-COPY message during COPY as 08P01 and drops the rest of the copy data', async () => {
    const c = await ready();
    c.send(serialize.query('copy g from stdin'));
    await c.until('G');
    c.send(serialize.describe({ type: 'S', name: '' }), serialize.copyData(Buffer.from('late\n')), serialize.copyDone(), serialize.query('select 1'));
    const msgs = await c.until('Z');
    expect(errorFields(msgs[0])).toMatchObject({ S: 'ERROR', C: '08P01', M: 'unexpected message type 0x44 during COPY from stdin' });
    expect(await c.transcript()).toEqual(['T', 'D 1', 'C SELECT 1', 'Z I']);
  });

  it('sends CopyOutResponse, one CopyData per row, CopyDone and COPY n', async () => {
    const c = await ready();
    t.backend.tables.set('out', [['1', null], ['2', 'x\ty']]);
    c.send(serialize.query('copy out to stdout'));
    const msgs = await c.until('Z');
    expect(msgs.map((m) => m.type)).toEqual(['H', 'd', 'd', 'c', 'C', 'Z']);
    expect(msgs.slice(1, 3).map((m) => m.body.toString())).toEqual(['1\t\\N\n', '2\tx\\ty\n']);
    expect(cstrings(msgs[4].body)).toEqual(['COPY 2']);
  });
});

describe('malformed input ends only that connection, with FATAL 08P01', () => {
  const cases: [string, Buffer, string][] = [
    ['an unknown message type', frame('z'), 'invalid frontend message type 122'],
    ['a length below 4', Buffer.from([0x51, 0, 0, 0, 2]), 'invalid message length 2'],
    ['a huge length', Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]), 'invalid message length 2147483647'],
    ['a small message over its limit', Buffer.from([0x53, 0, 1, 0, 0]), 'invalid message length 65536'],
    ['a Query without its terminator', frame('Q', Buffer.from('select 1')), 'invalid string in message'],
    ['a Sync with a body', frame('S', Buffer.from([1])), 'invalid message format'],
    ['a Bind with a negative parameter count', frame('B', Buffer.from([0, 0, 0, 0, 0xff, 0xff])), 'invalid parameter count -1'],
    ['a Describe of an unknown kind', frame('D', Buffer.from('X\0')), 'invalid DESCRIBE message subtype 88'],
    ['a password message after startup', frame('p', Buffer.from('pw\0')), 'invalid frontend message type 112'],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, async () => {
      const c = await ready();
      c.send(bytes);
      const [e, ...rest] = await c.closed();
      expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '08P01', M: message });
      expect(rest).toEqual([]);
    });
  }

  it('a startup packet over the limit', async () => {
    const c = await client();
    c.send(Buffer.from([0, 1, 0x86, 0xa0])); // length 100000
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ S: 'FATAL', C: '08P01', M: 'invalid length of startup packet' });
  });

  it('a startup packet without its final terminator', async () => {
    const c = await client();
    const packet = Buffer.concat([Buffer.alloc(8), Buffer.from('user\0u')]);
    packet.writeInt32BE(packet.length, 0);
    packet.writeInt32BE(3 << 16, 4);
    c.send(packet);
    const [e] = await c.closed();
    expect(errorFields(e)).toMatchObject({ C: '08P01', M: 'invalid startup packet layout: expected terminator as last byte' });
  });
});

describe('framing', () => {
  it('gives the same transcript however the bytes are split (every split point)', async () => {
    const conversation = Buffer.concat([
      serialize.parse({ name: 'p', text: 'echo int4, text' }), serialize.bind({ statement: 'p', values: ['5', 'é'] }),
      serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync(), serialize.query('series 2; select 3'),
    ]);
    const expected = ['1', '2', 'T', 'D 5,é', 'C SELECT 1', 'Z I', 'T', 'D 1', 'D 2', 'C SELECT 2', 'T', 'D 3', 'C SELECT 1', 'Z I'];
    for (let at = 1; at < conversation.length; at += 7) {
      const c = await ready();
      c.socket.write(conversation.subarray(0, at));
      await new Promise((r) => setImmediate(r));
      c.socket.write(conversation.subarray(at));
      expect([...await c.transcript(), ...await c.transcript()]).toEqual(expected);
      c.destroy();
    }
  });

  it('accepts a message byte by byte', async () => {
    const c = await ready();
    for (const b of serialize.query('select 4')) {
      c.socket.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.transcript()).toEqual(['T', 'D 4', 'C SELECT 1', 'Z I']);
  });

  it('closes the session on Terminate', async () => {
    const mine = () => t.backend.events.closed.filter((x) => x.user === 'terminator');
    const c = await client();
    await c.startup('terminator');
    c.send(serialize.end());
    expect(await c.closed()).toEqual([]);
    for (let i = 0; i < 500 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(mine()).toEqual([{ user: 'terminator', txStatus: 'I' }]);
  });
});
