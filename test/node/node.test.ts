// Issue #2: `tessera start` as a user runs it: every shard used and forwarding
// (acceptance 4), admin endpoints, clean SIGTERM, and one-line errors for bad input.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyCodec, shardOf } from '../../engine/keys.js';
import type { TableSchema } from '../../engine/types.js';
import { checkPortFree } from '../../bin/ports.js';
import { freePort, repoRoot, runCli, tempDir, TesseraProcess } from '../helpers/tessera.js';

const table: Omit<TableSchema, 'id'> = {
  name: 'kv', columns: [{ name: 'k', type: 'int8' }, { name: 'v', type: 'text' }], partitionKey: ['k'], clusteringKey: [], options: {},
};

function metric(text: string, name: string, shard: number): number {
  const m = new RegExp(`^${name}\\{shard="${shard}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('tessera start --shards 2', () => {
  let node: TesseraProcess;
  const dataDir = tempDir();
  afterAll(async () => { await node?.kill9(); });

  it('uses both shards, forwards requests to the owner, and reports per-shard metrics', async () => {
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const c = [await node.connect(0), await node.connect(1)];
    await c[0].call('native.createTable', table);
    const puts = Array.from({ length: 200 }, (_, k) => ({ table: 'kv', key: { k }, values: { v: `v${k}` } }));
    await c[1].call('native.put', puts);

    const codec = new KeyCodec({ ...table, id: 1 });
    const owner = (k: number) => shardOf(codec.pkey([k]), 2);
    const onShard0 = puts.map((p) => p.key.k).filter((k) => owner(k) === 0);
    const onShard1 = puts.map((p) => p.key.k).filter((k) => owner(k) === 1);
    expect(onShard0.length).toBeGreaterThan(50);
    expect(onShard1.length).toBeGreaterThan(50);

    // Ask each shard for keys the *other* shard owns: forwarded and answered.
    for (const k of onShard1.slice(0, 20)) expect(await c[0].call('native.get', { table: 'kv', key: { k } })).toEqual({ k, v: `v${k}` });
    for (const k of onShard0.slice(0, 20)) expect(await c[1].call('native.get', { table: 'kv', key: { k } })).toEqual({ k, v: `v${k}` });
    expect(await c[0].call('native.get', { table: 'kv', key: { k: 100_000 } })).toBeNull();

    const metrics = await (await node.admin('/metrics')).text();
    for (const s of [0, 1]) {
      expect(metric(metrics, 'tessera_writes_total', s)).toBe(s === 0 ? onShard0.length : onShard1.length);
      expect(metric(metrics, 'tessera_reads_total', s)).toBeGreaterThanOrEqual(20);
      expect(metric(metrics, 'tessera_commitlog_fsyncs_total', s)).toBeGreaterThan(0);
    }
    expect(metrics).toContain('tessera_commitlog_fsync_seconds_bucket');
    expect(metrics).toContain('tessera_sstables_per_read_bucket');
    for (const x of c) x.close();
  });

  it('answers /health and /ready', async () => {
    expect((await node.admin('/health')).status).toBe(200);
    const ready = await node.admin('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', shards: { total: 2, ready: 2 } });
  });

  it('prints the ring with tessera status', async () => {
    const r = runCli(['status', '--admin-port', String(node.adminPort)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^UN\s+127\.0\.0\.1\s+\d+(\.\d+)? (B|KiB|MiB)\s+2\/2\s+100\.0%\s+node-1$/m);
  });

  it('refuses a second node on the same data directory', async () => {
    const r = runCli(['start', '--data', dataDir, '--admin-port', String(await freePort())]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^tessera: error: data directory .* is in use by another tessera process \(pid \d+\); stop it or choose another with --data$/);
  });

  it('stops cleanly on SIGTERM: flushes, exits 0, and keeps the data', async () => {
    expect(await node.stop()).toBe(0);
    const sstables = fs.readdirSync(path.join(dataDir, 'shard-0', 'tables', '1')).filter((f) => f.endsWith('.sst'));
    expect(sstables.length).toBe(1);
    node = await TesseraProcess.start({ dataDir, shards: 2 });
    const c = await node.connect(0);
    expect(await c.call('native.get', { table: 'kv', key: { k: 7 } })).toEqual({ k: 7, v: 'v7' });
    c.close();
  });
});

// README command 1 is `npm start`: a SIGTERM to npm (a service manager, a terminal's kill)
// must reach the server. Without `exec` in the script, npm's shell child died and the
// node was orphaned, still holding the ports and the data directory.
describe('npm start', () => {
  it('stops the server when npm gets SIGTERM', async () => {
    const npm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
    // `npm test` has built dist/ already; a shim skips the script's `npm run build` so this
    // test never rewrites dist/ under other tests' feet.
    const shimDir = tempDir('tessera-npm-shim-');
    fs.writeFileSync(path.join(shimDir, 'npm'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const [adminPort, pgPort, dynamoPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(npm, ['start', '--silent', '--', '--data', tempDir(), '--admin-port', String(adminPort), '--pg-port', String(pgPort), '--dynamo-port', String(dynamoPort)],
      { cwd: repoRoot, env: { ...process.env, PATH: `${shimDir}:${process.env.PATH}` }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${adminPort}/ready`).catch(() => undefined);
      if (r?.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Nothing is left listening: the supervisor's and the shards' ports can be bound again.
    await expect(checkPortFree('127.0.0.1', adminPort, 'admin', '--admin-port')).resolves.toBeUndefined();
    await expect(checkPortFree('127.0.0.1', pgPort, 'PostgreSQL', '--pg-port')).resolves.toBeUndefined();
  }, 60_000);
});

describe('bad input ends in one line naming the problem and the fix', () => {
  const oneLine = (s: string) => {
    expect(s.trim().split('\n')).toHaveLength(1);
    expect(s).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  };

  it('unknown flag', () => {
    const r = runCli(['start', '--bogus']);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/Unknown option '--bogus'.*tessera start --help/);
  });

  it('status with no node listening', async () => {
    const r = runCli(['status', '--admin-port', String(await freePort())]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no Tessera node answers at 127\.0\.0\.1:\d+; start one or pass --host\/--admin-port/);
  });

  it('unknown command', () => {
    const r = runCli(['launch']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "launch"/);
  });

  it('bad number', () => {
    const r = runCli(['start', '--pg-port', 'abc']);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/--pg-port must be a whole number from 0 to 65535, got "abc"/);
  });

  it('unknown --pg-auth method', () => {
    const r = runCli(['start', '--pg-auth', 'ldap']);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/--pg-auth must be one of trust, password, md5, scram-sha-256, got "ldap"/);
  });

  it('cluster flags not supported yet', () => {
    const r = runCli(['start', '--seeds', '10.0.0.1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--seeds: clustering is not supported yet/);
  });

  it('admin port in use, and nothing is written to the data directory', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    const dataDir = tempDir();
    const r = runCli(['start', '--data', dataDir, '--admin-port', String(port)]);
    blocker.close();
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(new RegExp(`admin port ${port} is already in use.*--admin-port`));
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('data directory that is a file', () => {
    const file = path.join(tempDir(), 'file');
    fs.writeFileSync(file, 'x');
    const r = runCli(['start', '--data', file]);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/--data/);
  });

  it('a non-empty directory that is not Tessera data', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    const r = runCli(['start', '--data', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not empty and is not a Tessera data directory/);
    expect(fs.readdirSync(dir)).toEqual(['precious.txt']);
  });

  it('a different shard count than the directory was created with', async () => {
    const dataDir = tempDir();
    const node = await TesseraProcess.start({ dataDir, shards: 2 });
    expect(await node.stop()).toBe(0);
    const r = runCli(['start', '--data', dataDir, '--shards', '3', '--admin-port', String(await freePort())]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/was created with 2 shards; start with --shards 2/);
  });

  it('a corrupt commit-log record in the middle stops start-up with its position, modifying nothing', async () => {
    const dataDir = tempDir();
    const node = await TesseraProcess.start({ dataDir, shards: 1 });
    const c = await node.connect(0);
    await c.call('native.createTable', table);
    for (let k = 0; k < 20; k++) await c.call('native.put', { table: 'kv', key: { k }, values: { v: `v${k}` } });
    await node.kill9();
    const dir = path.join(dataDir, 'shard-0', 'commitlog');
    const seg = path.join(dir, fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).size > 8).sort().pop()!);
    const bytes = fs.readFileSync(seg);
    bytes[8 + 8 + 2] ^= 0xff; // inside the first record's payload
    fs.writeFileSync(seg, bytes);
    const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]);
    const r = runCli(['start', '--data', dataDir, '--admin-port', String(await freePort())]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/corrupt at byte 8/);
    expect(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')])).toEqual(before);
  });
});
