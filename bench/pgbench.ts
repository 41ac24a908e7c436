// bench/pgbench: pgbench workloads against PostgreSQL 15 and Tessera in one command.
//   node dist/bench/pgbench.js [--scale 10] [--seconds 10] [--warmup 10] [--clients 8] [--threads 2]
// Prints TPS, average latency and Tessera/PostgreSQL for -S (prepared and simple), -N
// and TPC-B, plus a bare pg-wire responder (answers every statement with one canned
// row: the most this client can show on this machine) and server CPU per transaction.
// Every measured run follows an unmeasured run of the same workload (--warmup seconds) on
// the same server: Tessera's V8 spends its first ~15 s of a new workload compiling the hot
// paths (about 12 CPU seconds for -N), which would otherwise dominate a 10 s run.

import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { PgBackend, PgResult } from '../wire/pg/backend.js';
import { PgServer } from '../wire/pg/server.js';
import { startPostgres } from './peers/postgres.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    clients: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
  },
});
const execFileAsync = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Workload { name: string; flags: string[] }
const workloads: Workload[] = [
  { name: '-S -M prepared', flags: ['-S', '-M', 'prepared'] },
  { name: '-S -M simple', flags: ['-S', '-M', 'simple'] },
  { name: '-N -M prepared', flags: ['-N', '-M', 'prepared'] },
  { name: 'TPC-B -M prepared', flags: ['-M', 'prepared'] },
];

interface Run { tps: number; latencyMs: number; failed: number; cpuMsPerTx: number }

/** CPU ms of a process and its descendants, including children already reaped (cutime, cstime). */
function cpuMs(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  const visit = (p: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / ticks;
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const c of children ? children.split(' ') : []) visit(Number(c));
      }
    } catch { /* exited */ }
  };
  visit(pid);
  return total;
}

/** Async, so a responder in this process keeps serving while pgbench runs. */
async function pgbench(port: number, flags: string[]): Promise<string> {
  const { stdout } = await execFileAsync('pgbench', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', ...flags, 'postgres'], {
    encoding: 'utf8', maxBuffer: 64 << 20,
  });
  return stdout;
}

async function run(port: number, serverPid: number, w: Workload): Promise<Run> {
  if (Number(args.warmup) > 0) await pgbench(port, ['-n', '-c', args.clients!, '-j', args.threads!, '-T', args.warmup!, ...w.flags]);
  const before = cpuMs(serverPid);
  const out = await pgbench(port, ['-n', '-c', args.clients!, '-j', args.threads!, '-T', args.seconds!, ...w.flags]);
  const cpu = cpuMs(serverPid) - before;
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
  const tx = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? 1);
  return { tps, latencyMs, failed, cpuMsPerTx: cpu / tx };
}

async function waitReady(adminPort: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${adminPort}/ready`)).status === 200) return;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tessera did not become ready');
}

/** A pg-wire server that answers any statement with one canned row (or a command tag). */
function bareBackend(): PgBackend {
  // pgbench's start-up probes: the partitioning of pgbench_accounts (3 columns), the scale.
  const partitions = /partstrat/i;
  const answer = (sql: string): PgResult => partitions.test(sql)
    ? { kind: 'rows', fields: [{ name: 'n', typeOid: 23 }, { name: 'partstrat', typeOid: 18 }, { name: 'count', typeOid: 20 }], rows: [[1, null, 0n]] }
    : /^\s*select/i.test(sql)
      ? { kind: 'rows', fields: [{ name: 'abalance', typeOid: 23 }], rows: [[1]] }
      : { kind: 'command', tag: /^\s*(\w+)/.exec(sql)?.[1].toUpperCase() ?? 'OK' };
  return {
    openSession: () => ({
      txStatus: () => 'I',
      *query(sql: string) { for (const s of sql.split(';').filter((x) => x.trim())) yield answer(s); },
      prepare: (sql: string, paramTypes: readonly number[]) => {
        const n = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        const rows = /^\s*select/i.test(sql);
        return {
          paramTypes: Array.from({ length: n }, (_, i) => paramTypes[i] || 23),
          fields: rows ? [{ name: 'abalance', typeOid: 23 }] : null,
          bind: () => ({ execute: () => answer(sql) }),
        };
      },
      sync: () => {},
      abort: () => {},
      cancel: () => {},
      close: () => {},
    }),
  };
}

function fmt(r: Run): string {
  return `${r.tps.toFixed(0).padStart(7)} tps  ${r.latencyMs.toFixed(2).padStart(7)} ms  ${r.cpuMsPerTx.toFixed(3).padStart(7)} CPU ms/tx${r.failed ? `  ${r.failed} FAILED` : ''}`;
}

async function main(): Promise<void> {
  console.log(`bench/pgbench: scale ${args.scale}, ${args.clients} clients, ${args.threads} threads, ${args.seconds}s per run after ${args.warmup}s of warm-up, ${os.cpus().length} cores`);
  const results = new Map<string, Map<string, Run>>();

  // Bare responder: the ceiling for -S (same pgbench client, no database work).
  const bare = new PgServer({ backend: bareBackend() });
  const bareAddr = await bare.listen(0, '127.0.0.1');
  const bareRuns = new Map<string, Run>();
  for (const w of workloads.slice(0, 2)) bareRuns.set(w.name, await run(bareAddr.port, process.pid, w));
  await bare.close();
  results.set('bare pg-wire responder', bareRuns);

  const pg = await startPostgres({ fsync: 'on', synchronous_commit: 'on', shared_buffers: '256MB' });
  try {
    await pgbench(pg.port, ['-i', '-s', args.scale!, '-q']);
    const runs = new Map<string, Run>();
    for (const w of workloads) runs.set(w.name, await run(pg.port, pg.pid, w));
    results.set('PostgreSQL 15', runs);
  } finally {
    await pg.stop();
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-pgbench-'));
  const pgPort = 25432, adminPort = 29180;
  const child = spawn(process.execPath, [path.join(root, 'dist/bin/tessera.js'), 'start', '--data', dataDir, '--pg-port', String(pgPort), '--admin-port', String(adminPort), '--dynamo-port', '28000'], { stdio: 'ignore' });
  try {
    await waitReady(adminPort);
    const started = Date.now();
    await pgbench(pgPort, ['-i', '-s', args.scale!, '-q']);
    console.log(`tessera: pgbench -i -s ${args.scale} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const runs = new Map<string, Run>();
    for (const w of workloads) runs.set(w.name, await run(pgPort, child.pid!, w));
    results.set('Tessera', runs);
    const check = execFileSync('psql', ['-X', '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-At', '-c',
      'select (select sum(abalance) from pgbench_accounts), (select sum(tbalance) from pgbench_tellers), (select sum(bbalance) from pgbench_branches), (select sum(delta) from pgbench_history)'], { encoding: 'utf8' }).trim();
    // -N updates only accounts and history, so only those two agree after the whole series.
    console.log(`tessera balances after the runs (accounts|tellers|branches|history): ${check}`);
  } finally {
    child.kill('SIGKILL');
  }

  for (const w of workloads) {
    console.log(`\n${w.name}`);
    for (const [server, runs] of results) {
      const r = runs.get(w.name);
      if (r) console.log(`  ${server.padEnd(24)} ${fmt(r)}`);
    }
    const t = results.get('Tessera')?.get(w.name), p = results.get('PostgreSQL 15')?.get(w.name);
    if (t && p) console.log(`  Tessera/PostgreSQL       ${(t.tps / p.tps).toFixed(2)}x TPS`);
  }
}

await main();
