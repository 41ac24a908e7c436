// Framing and message codecs in isolation (docs: "Message Formats"): backend messages are
// byte-exact and readable by pg-protocol's client parser; frontend frames parse the same at
// every split point; arbitrary bytes only ever produce PgErrors.

import { PassThrough } from 'node:stream';

import fc from 'fast-check';
import { parse } from 'pg-protocol';
import { describe, expect, it } from 'vitest';

import { PgError, PgType, SqlState } from '../../wire/pg/index.js';
import { DEFAULT_LIMITS } from '../../wire/pg/limits.js';
import { FrameReader, type Frame } from '../../wire/pg/frame-reader.js';
import { parseFrontendMessage, parseStartupPacket } from '../../wire/pg/frontend.js';
import { MessageWriter } from '../../wire/pg/serialize.js';
import { PgFormat } from '../../wire/pg/types.js';
import { serialize } from './harness.js';

function hex(b: Buffer): string {
  return b.toString('hex');
}

describe('backend messages are byte-exact', () => {
  it('ReadyForQuery, CommandComplete, ParseComplete, BackendKeyData', () => {
    const w = new MessageWriter();
    w.readyForQuery('T');
    w.commandComplete('INSERT 0 1');
    w.parseComplete();
    w.backendKeyData(1234, -5);
    expect(hex(w.take())).toBe(
      '5a0000000554' +
      '430000000f' + Buffer.from('INSERT 0 1\0').toString('hex') +
      '3100000004' +
      '4b0000000c000004d2fffffffb',
    );
  });

  it('ErrorResponse: S, V, C, M, then optional fields in PostgreSQL\'s order, then a terminator', () => {
    const w = new MessageWriter();
    w.errorResponse(new PgError(SqlState.SyntaxError, 'bad', { position: 3, hint: 'h', detail: 'd' }));
    const body = 'SERROR\0VERROR\0C42601\0Mbad\0Dd\0Hh\0P3\0\0';
    expect(hex(w.take())).toBe(`45${(body.length + 4).toString(16).padStart(8, '0')}${Buffer.from(body).toString('hex')}`);
  });

  it('strips NUL from strings it sends as C strings', () => {
    const w = new MessageWriter();
    w.commandComplete('A\0B');
    expect(w.take().toString('latin1')).toBe('C\0\0\0\x07AB\0');
  });

  it('DataRow: NULL is length -1; text and binary columns', () => {
    const w = new MessageWriter();
    const fields = [
      { name: 'a', tableOid: 0, columnNumber: 0, typeOid: PgType.int4, typeSize: 4, typeModifier: -1, format: PgFormat.Text },
      { name: 'b', tableOid: 0, columnNumber: 0, typeOid: PgType.int4, typeSize: 4, typeModifier: -1, format: PgFormat.Binary },
      { name: 'c', tableOid: 0, columnNumber: 0, typeOid: PgType.text, typeSize: -1, typeModifier: -1, format: PgFormat.Text },
    ];
    w.dataRow([12, 7, null], fields);
    expect(hex(w.take())).toBe('44' + '00000018' + '0003' + '00000002' + '3132' + '00000004' + '00000007' + 'ffffffff');
  });

  it('DataRow: a text value that makes the buffer grow keeps its length (found by the differential test)', () => {
    const w = new MessageWriter();
    const field = { name: 'a', tableOid: 0, columnNumber: 0, typeOid: PgType.text, typeSize: -1, typeModifier: -1, format: PgFormat.Text };
    const values = Array.from({ length: 3000 }, (_, k) => `value ${k}`);
    for (const v of values) w.dataRow([v], [field]);
    const got: string[] = [];
    const out = w.take();
    let at = 0;
    while (at < out.length) {
      const len = out.readInt32BE(at + 1);
      expect(out[at]).toBe(0x44);
      const n = out.readInt32BE(at + 7);
      got.push(out.subarray(at + 11, at + 11 + n).toString());
      at += 1 + len;
    }
    expect(got).toEqual(values);
  });

  it('drops a half-written DataRow when a value cannot be encoded', () => {
    const w = new MessageWriter();
    w.readyForQuery('I');
    const field = { name: 'a', tableOid: 0, columnNumber: 0, typeOid: PgType.int4, typeSize: 4, typeModifier: -1, format: PgFormat.Text };
    expect(() => w.dataRow(['nope'], [field])).toThrow(/cannot encode/);
    w.readyForQuery('I');
    expect(hex(w.take())).toBe('5a0000000549'.repeat(2));
  });

  it('every message is readable by pg-protocol\'s client parser', async () => {
    const w = new MessageWriter();
    const fields = [{ name: 'n', tableOid: 16384, columnNumber: 2, typeOid: PgType.numeric, typeSize: -1, typeModifier: 655366, format: PgFormat.Text }];
    w.authentication(0);
    w.parameterStatus('server_version', '15.20 (Tessera)');
    w.backendKeyData(7, 8);
    w.rowDescription(fields);
    w.dataRow(['12.50'], fields);
    w.commandComplete('SELECT 1');
    w.noticeResponse({ severity: 'NOTICE', code: SqlState.SuccessfulCompletion, message: 'hi' });
    w.parameterDescription([23, 25]);
    w.noData();
    w.portalSuspended();
    w.copyInResponse(PgFormat.Text, [0, 0]);
    w.copyOutResponse(PgFormat.Text, []);
    w.copyData('x\n');
    w.copyDone();
    w.emptyQueryResponse();
    w.bindComplete();
    w.closeComplete();
    w.errorResponse(new PgError(SqlState.UniqueViolation, 'dup', { constraint: 'pk', table: 't', schema: 'public' }));
    w.readyForQuery('E');
    const stream = new PassThrough();
    const seen: { name: string; [k: string]: unknown }[] = [];
    const done = parse(stream, (m) => seen.push(m as unknown as { name: string }));
    stream.end(w.take());
    await done;
    expect(seen.map((m) => m.name)).toEqual([
      'authenticationOk', 'parameterStatus', 'backendKeyData', 'rowDescription', 'dataRow', 'commandComplete', 'notice',
      'parameterDescription', 'noData', 'portalSuspended', 'copyInResponse', 'copyOutResponse', 'copyData', 'copyDone',
      'emptyQuery', 'bindComplete', 'closeComplete', 'error', 'readyForQuery',
    ]);
    expect(seen[3]).toMatchObject({ fields: [{ name: 'n', tableID: 16384, columnID: 2, dataTypeID: 1700, dataTypeModifier: 655366 }] });
    expect(seen[4]).toMatchObject({ fields: ['12.50'] });
    expect(seen[17]).toMatchObject({ code: '23505', constraint: 'pk', table: 't', schema: 'public', severity: 'ERROR' });
    expect(seen[18]).toMatchObject({ status: 'E' });
  });
});

function readAll(reader: FrameReader): Frame[] {
  const out: Frame[] = [];
  for (let f = reader.next(); f !== undefined; f = reader.next()) out.push(f);
  return out;
}

describe('frontend frames', () => {
  const conversation = Buffer.concat([
    serialize.parse({ name: 's', text: 'select $1', types: [23] }),
    serialize.bind({ statement: 's', values: ['1', null] }),
    serialize.describe({ type: 'P', name: '' }),
    serialize.execute({ rows: 5 }),
    serialize.copyData(Buffer.from('a\tb\n')),
    serialize.sync(),
  ]);

  it('parse to the same messages at every split point', () => {
    const whole = new FrameReader(DEFAULT_LIMITS);
    whole.endStartupPhase();
    whole.push(conversation);
    const expected = readAll(whole).map((f) => f.kind === 'message' && parseFrontendMessage(f.code, f.body));
    expect(expected).toHaveLength(6);
    expect(expected[0]).toEqual({ kind: 'parse', name: 's', sql: 'select $1', paramTypes: [23] });
    expect(expected[1]).toMatchObject({ kind: 'bind', portal: '', statement: 's', params: [Buffer.from('1'), null] });
    expect(expected[3]).toEqual({ kind: 'execute', portal: '', maxRows: 5 });
    for (let at = 0; at <= conversation.length; at++) {
      const r = new FrameReader(DEFAULT_LIMITS);
      r.endStartupPhase();
      r.push(conversation.subarray(0, at));
      const frames = readAll(r);
      r.push(conversation.subarray(at));
      frames.push(...readAll(r));
      expect(frames.map((f) => f.kind === 'message' && parseFrontendMessage(f.code, f.body))).toEqual(expected);
      expect(r.bufferedBytes).toBe(0);
    }
  });

  it('parse startup packets: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest', () => {
    expect(parseStartupPacket(serialize.startup({ user: 'u', database: 'd' }).subarray(4))).toEqual({
      kind: 'startup', major: 3, minor: 0, params: new Map([['user', 'u'], ['database', 'd'], ['client_encoding', 'UTF8']]),
    });
    expect(parseStartupPacket(serialize.requestSsl().subarray(4))).toEqual({ kind: 'ssl' });
    expect(parseStartupPacket(serialize.cancel(42, -7).subarray(4))).toEqual({ kind: 'cancel', processId: 42, secretKey: -7 });
  });

  it('turn arbitrary bytes into frames or PgErrors, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, startup) => {
      const r = new FrameReader({ ...DEFAULT_LIMITS, messageBytesMax: 1000 });
      if (!startup) r.endStartupPhase();
      r.push(Buffer.from(bytes));
      try {
        for (let f = r.next(); f !== undefined; f = r.next()) {
          if (f.kind === 'startup') parseStartupPacket(f.body);
          else parseFrontendMessage(f.code, f.body);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(PgError);
      }
    }), { numRuns: 5000, seed: 7 });
  });

  it('turn valid messages with flipped bits into messages or PgErrors, nothing else', () => {
    const messages = [
      serialize.query('select 1'), serialize.parse({ name: 'a', text: 'x $1', types: [0, 25] }),
      serialize.bind({ portal: 'p', statement: 's', values: ['1', null, 'abc'], binary: true }),
      serialize.describe({ type: 'S', name: 'a' }), serialize.execute({ portal: 'p', rows: 3 }), serialize.close({ type: 'P', name: 'p' }),
      serialize.copyFail('why'), serialize.copyDone(), serialize.sync(), serialize.end(),
    ];
    fc.assert(fc.property(fc.constantFrom(...messages), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (m, flips) => {
      const b = Buffer.from(m);
      for (const f of flips) b[f % b.length] ^= 1 << (f % 8);
      const r = new FrameReader({ ...DEFAULT_LIMITS, messageBytesMax: 1000 });
      r.endStartupPhase();
      r.push(b);
      try {
        for (let f = r.next(); f !== undefined; f = r.next()) if (f.kind === 'message') parseFrontendMessage(f.code, f.body);
      } catch (e) {
        expect(e).toBeInstanceOf(PgError);
      }
    }), { numRuns: 5000, seed: 11 });
  });
});
