// Runs the CockroachDB-style logic tests in test/sql/logic/*.test through the session
// API on a local node, once with 1 shard and once with 3. Format:
//
//   statement ok                 the statement succeeds
//   statement count <n>          ... and its tag ends in n (INSERT 0 n, UPDATE n, ...)
//   statement error <regex>      it fails; the regex matches "<SQLSTATE> <message>"
//   query <types> [rowsort]      a query; <types> has one letter per column (I T R B ...);
//   <sql>                        rows follow '----', values as PostgreSQL prints them,
//   ----                         separated by spaces, NULL for NULL, (empty) for ''
//   <rows>
//   query error <regex>          like statement error
//   session <name>               switch to (or open) another session
//
// Blocks end at a blank line. Lines starting with # are comments.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { outputValue, SqlError, type Session } from '../../sql/index.js';
import { openSqlNode, type SqlNode } from './helpers.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'logic');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test')).sort();

interface Block {
  line: number;
  kind: 'statement' | 'query' | 'session';
  mode: string;
  arg: string;
  sql: string;
  expected: string[];
}

function parseFile(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const start = i + 1;
    const head = line.trim().split(/\s+/);
    const kind = head[0] as Block['kind'];
    if (kind === 'session') {
      blocks.push({ line: start, kind, mode: '', arg: head[1], sql: '', expected: [] });
      i++;
      continue;
    }
    if (kind !== 'statement' && kind !== 'query') throw new Error(`line ${start}: unknown directive "${line}"`);
    let mode = head[1] ?? 'ok';
    let arg = head.slice(2).join(' ');
    if (mode === 'error' || mode === 'count') arg = line.trim().slice(line.trim().indexOf(mode) + mode.length).trim();
    i++;
    const sql: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && lines[i] !== '----') sql.push(lines[i++]);
    const expected: string[] = [];
    if (lines[i] === '----') {
      i++;
      while (i < lines.length && lines[i].trim() !== '') expected.push(lines[i++]);
    }
    if (kind === 'query' && mode !== 'error') {
      arg = head.slice(2).join(' ');
      mode = head[1];
    }
    blocks.push({ line: start, kind, mode, arg, sql: sql.join('\n'), expected });
  }
  return blocks;
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

function formatRow(row: unknown[], typeOids: number[]): string {
  return row.map((v, i) => {
    if (v === null) return 'NULL';
    const s = outputValue(v as never, { oid: typeOids[i], mod: -1 });
    return s === '' ? '(empty)' : s;
  }).join(' ');
}

/** Runs a query string as the simple protocol does; returns the last statement's result. */
async function simple(s: Session, sql: string): Promise<{ tag: string; rows: unknown[][]; fields: { typeOid: number }[] | null }> {
  let last = { tag: '', rows: [] as unknown[][], fields: null as { typeOid: number }[] | null };
  for await (const portal of s.simpleQuery(sql)) {
    const batch = await portal.fetch(0);
    last = { tag: batch.tag ?? '', rows: batch.rows, fields: portal.fields };
  }
  return last;
}

async function runBlock(b: Block, s: Session, where: string): Promise<void> {
  if (b.kind === 'statement' || b.mode === 'error') {
    let err: unknown;
    let tag = '';
    try {
      tag = (await simple(s, b.sql)).tag;
    } catch (e) {
      err = e;
    }
    if (b.mode === 'error') {
      if (!err) throw new Error(`${where}: expected an error matching /${b.arg}/, got success (${tag})\n${b.sql}`);
      if (!(err instanceof SqlError)) throw err;
      const text = `${err.code} ${err.message}`;
      if (!new RegExp(b.arg).test(text)) throw new Error(`${where}: error "${text}" does not match /${b.arg}/\n${b.sql}`);
      return;
    }
    if (err) throw new Error(`${where}: ${err instanceof SqlError ? `${err.code} ${err.message}` : String(err)}\n${b.sql}`);
    if (b.mode === 'count' && !tag.endsWith(` ${b.arg}`)) throw new Error(`${where}: tag "${tag}" does not end in ${b.arg}\n${b.sql}`);
    return;
  }
  let r;
  try {
    r = await simple(s, b.sql);
  } catch (e) {
    throw new Error(`${where}: ${e instanceof SqlError ? `${e.code} ${e.message}` : String(e)}\n${b.sql}`);
  }
  const types = b.mode.length;
  const fields = r.fields ?? [];
  if (fields.length !== types) throw new Error(`${where}: query returned ${fields.length} columns, expected ${types} (${b.mode})\n${b.sql}`);
  let actual = r.rows.map((row) => norm(formatRow(row, fields.map((f) => f.typeOid))));
  let expected = b.expected.map(norm);
  if (b.arg.includes('rowsort')) {
    actual = [...actual].sort();
    expected = [...expected].sort();
  }
  if (actual.join('\n') !== expected.join('\n')) {
    throw new Error(`${where}: result mismatch\n${b.sql}\n--- expected\n${expected.join('\n')}\n--- actual\n${actual.join('\n')}`);
  }
}

for (const shards of [1, 3]) {
  describe(`logic tests, ${shards} shard(s)`, () => {
    for (const file of files) {
      it(file, async () => {
        const node: SqlNode = await openSqlNode(shards);
        const blocks = parseFile(fs.readFileSync(path.join(dir, file), 'utf8'));
        const sessions = new Map<string, Session>();
        let current = node.sql.session({ user: 'postgres', database: 'test' });
        sessions.set('default', current);
        const failures: string[] = [];
        for (const b of blocks) {
          if (b.kind === 'session') {
            let s = sessions.get(b.arg);
            if (!s) sessions.set(b.arg, (s = node.sql.session({ user: 'postgres', database: 'test' })));
            current = s;
            continue;
          }
          try {
            await runBlock(b, current, `${file}:${b.line}`);
          } catch (e) {
            failures.push(e instanceof Error ? e.message : String(e));
          }
        }
        for (const s of sessions.values()) await s.close();
        await node.close();
        if (failures.length) throw new Error(`${failures.length} failure(s)\n\n${failures.join('\n\n')}`);
      });
    }
  });
}
