// Secondary indexes across a power cut (issue #3): a real `tessera start` takes a
// write load (inserts, updates of indexed columns, deletes, transactions) from several
// node-postgres clients, is killed with SIGKILL in the middle of it, and restarts. Every
// index entry is in the same commit-log record as its base row, so after replay every
// index-based query returns exactly what a full scan returns. psql's `\d` still lists
// the indexes.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';

const CLIENTS = 4;
/** Statements per client at most; the kill comes long before in practice. */
const STATEMENTS_MAX = 100_000;

async function connect(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  return c;
}

const sorted = (rows: Record<string, unknown>[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('secondary indexes survive kill -9', () => {
  const dataDir = tempDir('tessera-idx-crash-');
  let node: TesseraProcess | undefined;
  afterAll(async () => {
    await node?.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('index queries equal full scans after a crash in the middle of a write load', async () => {
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const setup = await connect(node.pgPort);
    await setup.query('CREATE TABLE acc (id int PRIMARY KEY, grp int, tag text, bal numeric)');
    await setup.query("INSERT INTO acc SELECT g, g % 10, 't' || (g % 3), 0 FROM generate_series(1, 500) g");
    await setup.query('CREATE INDEX acc_grp ON acc (grp)');
    await setup.query('CREATE INDEX acc_tag_bal ON acc (tag, bal)');
    await setup.end();

    // the load: each client writes until its connection dies with the server
    let written = 0;
    const load = Array.from({ length: CLIENTS }, async (_, k) => {
      const c = await connect(node!.pgPort);
      c.on('error', () => undefined);
      try {
        for (let i = 0; i < STATEMENTS_MAX; i++) {
          const id = 1 + ((i * 37 + k * 101) % 700);
          switch (i % 5) {
            case 0: await c.query('INSERT INTO acc VALUES ($1, $2, $3, 0) ON CONFLICT (id) DO UPDATE SET grp = excluded.grp', [id, i % 13, `t${i % 4}`]); break;
            case 1: await c.query('UPDATE acc SET grp = grp + 1, bal = bal + 1 WHERE id = $1', [id]); break;
            case 2: await c.query('DELETE FROM acc WHERE id = $1', [id]); break;
            case 3: await c.query("UPDATE acc SET tag = 't9' WHERE grp = $1 AND id < $2", [i % 13, id]); break;
            default:
              await c.query('BEGIN');
              await c.query('UPDATE acc SET grp = $2 WHERE id = $1', [id, 100 + k]);
              await c.query('INSERT INTO acc VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [1000 + id, 100 + k, 't1', i]);
              await c.query('COMMIT');
          }
          written++;
        }
      } catch {
        // the server went away
      }
    });
    // kill once the load is under way (a count of statements, not a time)
    while (written < 400) await new Promise((r) => setTimeout(r, 20));
    await node.kill9();
    await Promise.all(load);

    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const c = await connect(node.pgPort);
    try {
      const pairs: [string, string, unknown[]][] = [];
      for (let g = 0; g < 16; g++) pairs.push(['SELECT id, grp FROM acc WHERE grp = $1', 'SELECT id, grp FROM acc WHERE grp + 0 = $1', [g]]);
      for (const k of [100, 101, 102, 103]) pairs.push(['SELECT id FROM acc WHERE grp = $1', 'SELECT id FROM acc WHERE grp + 0 = $1', [k]]);
      pairs.push(['SELECT id FROM acc WHERE grp BETWEEN $1 AND $2', 'SELECT id FROM acc WHERE grp + 0 BETWEEN $1 AND $2', [3, 8]]);
      pairs.push(['SELECT id FROM acc WHERE grp > $1', 'SELECT id FROM acc WHERE grp + 0 > $1', [50]]);
      for (const t of ['t0', 't1', 't2', 't3', 't9']) {
        pairs.push(['SELECT id, bal FROM acc WHERE tag = $1', "SELECT id, bal FROM acc WHERE tag || '' = $1", [t]]);
        pairs.push(['SELECT id, bal FROM acc WHERE tag = $1 AND bal >= $2', "SELECT id, bal FROM acc WHERE tag || '' = $1 AND bal + 0 >= $2", [t, 2]]);
      }
      let total = 0;
      for (const [viaIndex, viaScan, params] of pairs) {
        const plan = (await c.query(`EXPLAIN ${viaIndex}`, params)).rows.map((r) => Object.values(r)[0]).join('\n');
        expect(plan).toMatch(/Index Scan using acc_/);
        const a = (await c.query(viaIndex, params)).rows;
        const b = (await c.query(viaScan, params)).rows;
        expect(sorted(a), `${viaIndex} ${JSON.stringify(params)}`).toEqual(sorted(b));
        total += a.length;
      }
      expect(total).toBeGreaterThan(0);
    } finally {
      await c.end();
    }

    // psql's \d lists both indexes
    const out = execFileSync('/usr/bin/psql', ['-X', '-h', '127.0.0.1', '-p', String(node.pgPort), '-U', 'postgres', '-d', 'postgres', '-c', '\\d acc'], { encoding: 'utf8' });
    expect(out).toContain('"acc_grp" btree (grp)');
    expect(out).toContain('"acc_tag_bal" btree (tag, bal)');
  }, 120_000);
});
