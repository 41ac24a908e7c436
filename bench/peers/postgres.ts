// A private PostgreSQL 15 (Debian's postgresql-15) for benchmarks and differential tests:
// a fresh cluster in a temp directory on a free port, trust auth, stopped by stop().
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/ports.js';

const BIN = '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 30_000;

export interface PostgresPeer {
  port: number;
  /** The server's process (runuser's when started as root): its descendants are the backends. */
  pid: number;
  stop(): Promise<void>;
}

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export function postgresAvailable(): boolean {
  return fs.existsSync(path.join(BIN, 'postgres')) && fs.existsSync(path.join(BIN, 'initdb'));
}

export async function startPostgres(settings: Record<string, string> = {}): Promise<PostgresPeer> {
  if (!postgresAvailable()) throw new Error(`PostgreSQL 15 is not installed (${BIN}); apt-get install postgresql-15`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pg15-'));
  if (process.getuid?.() === 0) fs.chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout));
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = asPostgresUser(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }
  const port = await freePort();
  const opts = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, ...settings };
  const args = ['-D', data, '-p', String(port), ...Object.entries(opts).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const [cmd, cmdArgs] = asPostgresUser(path.join(BIN, 'postgres'), args);
  const child: ChildProcess = spawn(cmd, cmdArgs, { stdio: 'ignore' });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ready = spawnSync(path.join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { encoding: 'utf8' });
    if (ready.status === 0) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      // Leave nothing behind: a test run that failed here must not leak a server or a data directory.
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      const [stopCmd, stopArgs] = asPostgresUser(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      spawnSync(stopCmd, stopArgs, { encoding: 'utf8' });
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
