// Spawns a real `tessera start` (from dist/, built by `npm test`'s pretest) in its own
// process group, so tests can SIGKILL the whole node like a power cut.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shardSocket } from '../../bin/datadir.js';
import { RpcClient } from '../../engine/rpc.js';
import { freePort } from '../../bin/ports.js';
export { freePort };

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const tesseraBin = path.join(repoRoot, 'dist/bin/tessera.js');

export function tempDir(prefix = 'tessera-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs the CLI to completion (for flag and start-up error tests). */
export function runCli(args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [tesseraBin, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class TesseraProcess {
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly dataDir: string, readonly adminPort: number, readonly shards: number, readonly dynamoPort: number, readonly pgPort: number) {
    child.stdout!.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Client ports default to free ports, so parallel nodes never meet on 5432/8000. */
  static async start(opts: { dataDir: string; shards?: number; dynamoPort?: number; pgPort?: number; extraArgs?: string[] }): Promise<TesseraProcess> {
    const adminPort = await freePort();
    const dynamoPort = opts.dynamoPort ?? await freePort();
    const pgPort = opts.pgPort ?? await freePort();
    const shards = opts.shards ?? 2;
    const args = [tesseraBin, 'start', '--data', opts.dataDir, '--shards', String(shards), '--admin-port', String(adminPort),
      '--dynamo-port', String(dynamoPort), '--pg-port', String(pgPort), ...(opts.extraArgs ?? [])];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new TesseraProcess(child, opts.dataDir, adminPort, shards, dynamoPort, pgPort);
    await p.waitReady();
    return p;
  }

  get log(): string {
    return this.output.join('');
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((c) => { exitCode = c; });
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`tessera exited with ${exitCode} before ready:\n${this.log}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.adminPort}/ready`);
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`tessera not ready after ${timeoutMs} ms:\n${this.log}`);
  }

  get dynamoEndpoint(): string {
    return `http://127.0.0.1:${this.dynamoPort}`;
  }

  admin(pathname: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.adminPort}${pathname}`);
  }

  connect(shard: number): Promise<RpcClient> {
    return RpcClient.connect(shardSocket(this.dataDir, shard));
  }

  /** Power cut: SIGKILL the supervisor and every shard process at once. */
  async kill9(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch { /* already gone */ }
    await this.exited;
    // Shards are in the group too; wait until none is left.
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-this.child.pid!, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM and the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
