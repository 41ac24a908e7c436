// The data directory: its identity file, its lock, and the addresses derived from it.
//
//   <data>/TESSERA      JSON {format, shards, nodeId}: fixed at creation
//   <data>/LOCK         pid of the running supervisor
//   <data>/schema.mpk   the catalog (engine/catalog-file.ts)
//   <data>/shard-<i>/   one shard's commit log and tables

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './config.js';

const FORMAT = 1;

export interface DataDirInfo { format: number; shards: number; nodeId: number }

/** Creates or checks the directory; fails with a UsageError naming the fix. */
export function prepareDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create data directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; choose another with --data`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`data directory ${dir} is not a directory; choose another with --data`);
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new UsageError(`data directory ${dir} is not writable by this user; fix its permissions or choose another with --data`);
  }
}

export function readDataDirInfo(dir: string): DataDirInfo | undefined {
  const file = path.join(dir, 'TESSERA');
  if (!fs.existsSync(file)) {
    const entries = fs.readdirSync(dir).filter((f) => f !== 'LOCK');
    if (entries.length > 0) throw new UsageError(`${dir} is not empty and is not a Tessera data directory; choose another with --data`);
    return undefined;
  }
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as DataDirInfo;
    if (info.format !== FORMAT || !Number.isInteger(info.shards)) throw new Error('unknown format');
    return info;
  } catch (e) {
    throw new UsageError(`${file} is unreadable (${(e as Error).message}); restore it or choose another --data`);
  }
}

export function writeDataDirInfo(dir: string, info: Omit<DataDirInfo, 'format'>): void {
  fs.writeFileSync(path.join(dir, 'TESSERA'), JSON.stringify({ format: FORMAT, ...info }) + '\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock, or fails naming the process that holds it. Stale locks are taken over. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UsageError(`data directory ${dir} is in use by another tessera process (pid ${pid}); stop it or choose another with --data`);
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new UsageError(`cannot lock data directory ${dir}; remove ${file} if no tessera process runs`);
}

/** Abstract unix socket of shard i: unique per data directory, gone when the process dies. */
export function shardSocket(dataDir: string, shard: number): string {
  const id = crypto.createHash('sha1').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16);
  return `\0tessera-${id}-shard-${shard}`;
}
