// An in-process Tessera node (openLocalNode) with the Dynamo server on an ephemeral port,
// and a real @aws-sdk/client-dynamodb client pointed at it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { registerBuiltinProcs } from '../../engine/builtin-procs.js';
import type { Clock } from '../../engine/hlc.js';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry } from '../../engine/procs.js';
import { createDynamoServer, type DynamoServer } from '../../dynamo-api/server.js';
import { registerDynamoProcs } from '../../dynamo-api/procs.js';

export interface TestDynamo {
  node: LocalNode;
  server: DynamoServer;
  port: number;
  endpoint: string;
  client: DynamoDBClient;
  dir: string;
  close(): Promise<void>;
}

export function makeClient(endpoint: string, credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

export async function startDynamo(opts: { shards?: number; clock?: Clock; credentials?: Record<string, string>; background?: boolean } = {}): Promise<TestDynamo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-dynamo-'));
  const shards = opts.shards ?? 1;
  const procs = registerDynamoProcs(registerBuiltinProcs(new ProcRegistry()));
  const node = await openLocalNode({ dir, shards, procs, clock: opts.clock });
  const server = createDynamoServer({
    engine: node.engine,
    clock: opts.clock,
    credentials: opts.credentials,
    background: opts.background ? { shards: Array.from({ length: shards }, (_, i) => i), intervalMs: 3_600_000 } : undefined,
  });
  const port = await server.listen(0);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = makeClient(endpoint);
  return {
    node, server, port, endpoint, client, dir,
    async close() {
      client.destroy();
      await server.close();
      await node.close({ flush: false });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts a raw DynamoDB request; returns status and parsed body. */
export async function post(endpoint: string, op: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${op}`, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** The error an SDK call fails with: its name and message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; error: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    return { name: err.name, message: err.message, error: err };
  }
  throw new Error('expected the call to fail');
}

/** The process tests run dist/: rebuild it when a source file is newer. */
export function ensureBuilt(): void {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const dirs = ['engine', 'bin', 'dynamo-api', 'sql', 'wire'];
  const newest = (dir: string, ext: string): number => {
    let t = 0;
    if (!fs.existsSync(dir)) return t;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) t = Math.max(t, newest(p, ext));
      else if (e.name.endsWith(ext)) t = Math.max(t, fs.statSync(p).mtimeMs);
    }
    return t;
  };
  const src = Math.max(...dirs.map((d) => newest(path.join(root, d), '.ts')));
  const bin = path.join(root, 'dist/bin/tessera.js');
  const built = fs.existsSync(bin) ? Math.min(...dirs.map((d) => newest(path.join(root, 'dist', d), '.js'))) : 0;
  if (built < src) execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
