// bench/dynamo: the DynamoDB API's throughput and latency against dynalite, in one command.
//   node dist/bench/dynamo.js [--seconds 5] [--rounds 3] [--servers bare,dynalite,tessera]
//     [--workloads PutItem,GetItem,Query,GetUpdate] [--clients raw,sdk] [--profile DIR]
//     [--tessera-shards N]
// Workloads (issue #4): PutItem, GetItem, Query of 10 items, 50/50 GetItem/UpdateItem; 1 KB
// items; 32 concurrent requests over keep-alive connections. Each runs with two clients: raw
// HTTP (undici, hand-built JSON bodies) and @aws-sdk/client-dynamodb. Each runs against
//   - bare:     a minimal fastify server answering every request with a canned response of
//               the right shape: the ceiling this client can show on this machine;
//   - dynalite: the npm DynamoDB emulator, in memory, in its own process;
//   - tessera:  a real `tessera start` (default shards), writes durable (fsynced) when answered.
// All three servers are started first and each measurement runs them in alternating rounds
// (--rounds, default 3, splitting --seconds), so the ratios come from the same minute.
// Prints ops/s, p50/p99, server CPU per operation (utime + stime from /proc/<pid>/stat of the
// server processes; for tessera its shard processes, the supervisor's children) and the
// client's CPU per operation, then the Tessera/dynalite ratios.
// --profile DIR runs tessera under `node --cpu-prof --cpu-prof-dir DIR` (the shards inherit it);
// the profiles are written when tessera stops. --tessera-shards N overrides the default shard
// count (one per core), e.g. 1 to see the cost of forwarding requests between shards.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { freePort } from '../bin/ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    servers: { type: 'string', default: 'bare,dynalite,tessera' },
    workloads: { type: 'string', default: 'PutItem,GetItem,Query,GetUpdate' },
    clients: { type: 'string', default: 'raw,sdk' },
    profile: { type: 'string' },
    'tessera-shards': { type: 'string' },
    responder: { type: 'boolean', default: false },
  },
});

// The SDK warns once that its 2027 releases will need Node 22; it changes nothing here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONCURRENCY = 32;
const PARTITIONS = 1000;
const PER_PARTITION = 10;
const TABLE = 'bench';
const DATA = 'x'.repeat(1000); // with pk, sk and cnt: a 1 KB item

const rand = (n: number) => Math.floor(Math.random() * n);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const pkOf = (p: number) => `p${String(p).padStart(4, '0')}`;

// ---- The bare responder (run as a child process: `dynamo.js --responder`) ----

function itemJson(pk: string, sk: string): string {
  return `{"pk":{"S":"${pk}"},"sk":{"S":"${sk}"},"data":{"S":"${DATA}"},"cnt":{"N":"0"}}`;
}

async function responder(): Promise<void> {
  const items = Array.from({ length: PER_PARTITION }, (_, i) => itemJson('p0000', `s${i}`));
  const canned: Record<string, Buffer> = {
    PutItem: Buffer.from('{}'),
    UpdateItem: Buffer.from('{}'),
    GetItem: Buffer.from(`{"Item":${items[0]}}`),
    Query: Buffer.from(`{"Count":${PER_PARTITION},"Items":[${items.join(',')}],"ScannedCount":${PER_PARTITION}}`),
  };
  const empty = Buffer.from('{}');
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/', async (req, reply) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.slice(target.indexOf('.') + 1);
    return reply.header('content-type', 'application/x-amz-json-1.0').send(canned[op] ?? empty);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  process.stdout.write(`port ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
}

// ---- Servers ----

interface Server {
  name: string;
  endpoint: string;
  /** Processes whose CPU time counts as the server's. */
  pids(): number[];
  stop(): Promise<void>;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in µs, or 0 if it is gone. */
function cpuMicros(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU time the whole machine spent busy (all cores), in µs, from /proc/stat. */
function machineBusyMicros(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e6) / CLK_TCK;
}

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(t); resolve(true); });
  });
}

/** Resolves with the first stdout line matching `re`. */
function lineMatching(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${buf}`)));
  });
}

async function startBare(): Promise<Server> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--responder'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, port] = await lineMatching(child, /port (\d+)/);
  return { name: 'bare', endpoint: `http://127.0.0.1:${port}`, pids: () => [child.pid!], stop: async () => { child.kill('SIGKILL'); await exited(child, 5000); } };
}

async function startDynalite(): Promise<Server> {
  const port = await freePort();
  const cli = path.join(root, 'node_modules/dynalite/cli.js');
  const child = spawn(process.execPath, [cli, '--host', '127.0.0.1', '--port', String(port), '--createTableMs', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await lineMatching(child, /listening/);
  return { name: 'dynalite', endpoint: `http://127.0.0.1:${port}`, pids: () => [child.pid!], stop: async () => { child.kill('SIGKILL'); await exited(child, 5000); } };
}

async function startTessera(profileDir: string | undefined, shardCount: string | undefined): Promise<Server & { supervisorPid: number; shards: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-dynamo-'));
  const [dynamo, admin, pg, kafka] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/bin/tessera.js'), 'start', '--data', dataDir,
    '--dynamo-port', String(dynamo), '--admin-port', String(admin), '--pg-port', String(pg), '--kafka-port', String(kafka),
    ...(shardCount ? ['--shards', shardCount] : [])], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`tessera exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${admin}/ready`)).status === 200) break;
    } catch { /* starting */ }
    if (i > 300) throw new Error('tessera did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const shards = childrenOf(child.pid!).length;
  return {
    name: 'tessera', endpoint: `http://127.0.0.1:${dynamo}`, supervisorPid: child.pid!, shards,
    pids: () => childrenOf(child.pid!),
    async stop() {
      child.kill('SIGTERM'); // a clean stop, so --cpu-prof writes its profiles
      if (!(await exited(child, 60_000))) child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- Clients ----

/** One request: an operation and its body, hand-built JSON. */
interface Req { op: string; body: string }

/** Raw HTTP over CONCURRENCY keep-alive connections. */
class RawClient {
  private readonly pool: Pool;
  constructor(endpoint: string) {
    this.pool = new Pool(endpoint, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 });
  }
  async send(r: Req): Promise<string> {
    const res = await this.pool.request({
      path: '/', method: 'POST', body: r.body,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${r.op}`,
        // dynalite checks an Authorization header is present and well formed (not its signature)
        'x-amz-date': '20260101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00',
      },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${r.op}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    return text;
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}

const rawKey = (p: number, s: number) => `"Key":{"pk":{"S":"${pkOf(p)}"},"sk":{"S":"s${s}"}}`;
const raw = {
  put: (p: number, s: number): Req => ({ op: 'PutItem', body: `{"TableName":"${TABLE}","Item":${itemJson(pkOf(p), `s${s}`)}}` }),
  get: (p: number, s: number): Req => ({ op: 'GetItem', body: `{"TableName":"${TABLE}",${rawKey(p, s)}}` }),
  query: (p: number): Req => ({ op: 'Query', body: `{"TableName":"${TABLE}","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"${pkOf(p)}"}}}` }),
  update: (p: number, s: number): Req => ({ op: 'UpdateItem', body: `{"TableName":"${TABLE}",${rawKey(p, s)},"UpdateExpression":"ADD cnt :one","ExpressionAttributeValues":{":one":{"N":"1"}}}` }),
};

const S = (s: string): AttributeValue => ({ S: s });
const sdkKey = (p: number, s: number) => ({ pk: S(pkOf(p)), sk: S(`s${s}`) });
const sdk = {
  put: (p: number, s: number) => new PutItemCommand({ TableName: TABLE, Item: { pk: S(pkOf(p)), sk: S(`s${s}`), data: S(DATA), cnt: { N: '0' } } }),
  get: (p: number, s: number) => new GetItemCommand({ TableName: TABLE, Key: sdkKey(p, s) }),
  query: (p: number) => new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S(pkOf(p)) } }),
  update: (p: number, s: number) => new UpdateItemCommand({ TableName: TABLE, Key: sdkKey(p, s), UpdateExpression: 'ADD cnt :one', ExpressionAttributeValues: { ':one': { N: '1' } } }),
};

function sdkClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' },
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) },
  });
}

type Op = () => Promise<unknown>;
interface Workload { name: string; raw(c: RawClient): Op; sdk(c: DynamoDBClient): Op }

const rp = () => rand(PARTITIONS);
const rs = () => rand(PER_PARTITION);
const WORKLOADS: Workload[] = [
  { name: 'PutItem', raw: (c) => () => c.send(raw.put(rp(), rs())), sdk: (c) => () => c.send(sdk.put(rp(), rs())) },
  { name: 'GetItem', raw: (c) => () => c.send(raw.get(rp(), rs())), sdk: (c) => () => c.send(sdk.get(rp(), rs())) },
  { name: 'Query', raw: (c) => () => c.send(raw.query(rp())), sdk: (c) => () => c.send(sdk.query(rp())) },
  {
    name: 'GetUpdate',
    raw: (c) => () => c.send(Math.random() < 0.5 ? raw.get(rp(), rs()) : raw.update(rp(), rs())),
    sdk: (c) => () => (Math.random() < 0.5 ? c.send(sdk.get(rp(), rs())) : c.send(sdk.update(rp(), rs()))),
  },
];

// ---- Setup: table, 10,000 items, checks ----

async function setup(server: Server): Promise<void> {
  const c = new RawClient(server.endpoint);
  try {
    await c.send({
      op: 'CreateTable',
      body: `{"TableName":"${TABLE}","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],` +
        `"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`,
    });
    for (let i = 0; ; i++) {
      const d = JSON.parse(await c.send({ op: 'DescribeTable', body: `{"TableName":"${TABLE}"}` })) as { Table: { TableStatus: string } };
      if (d.Table.TableStatus === 'ACTIVE') break;
      if (i > 100) throw new Error(`${server.name}: table not ACTIVE`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const batches: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let s = 0; s < PER_PARTITION; s += 5) {
        const puts = [0, 1, 2, 3, 4].map((j) => `{"PutRequest":{"Item":${itemJson(pkOf(p), `s${s + j}`)}}}`);
        batches.push(`{"RequestItems":{"${TABLE}":[${puts.join(',')}]}}`);
      }
    }
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let b = batches.pop(); b !== undefined; b = batches.pop()) {
        const r = JSON.parse(await c.send({ op: 'BatchWriteItem', body: b })) as { UnprocessedItems?: Record<string, unknown> };
        if (r.UnprocessedItems && Object.keys(r.UnprocessedItems).length > 0) throw new Error(`${server.name}: unprocessed items`);
      }
    }));
    await check(c, server.name);
  } finally {
    await c.close();
  }
}

/** Every server answers the benchmark's reads with real data (the bare one with its canned data). */
async function check(c: RawClient, name: string): Promise<void> {
  const g = JSON.parse(await c.send(raw.get(7, 3))) as { Item?: { data?: { S?: string } } };
  const q = JSON.parse(await c.send(raw.query(7))) as { Count?: number; Items?: unknown[] };
  if (g.Item?.data?.S !== DATA || q.Count !== PER_PARTITION || q.Items?.length !== PER_PARTITION) {
    throw new Error(`${name}: unexpected answer: ${JSON.stringify(g).slice(0, 200)} ${JSON.stringify(q).slice(0, 200)}`);
  }
}

// ---- Measurement ----

interface Result {
  ops: number;
  p50: number;
  p99: number;
  serverUs: number;
  clientUs: number;
  /** Cores' worth of CPU the rest of the machine used meanwhile: other work disturbing the run. */
  otherCores: number;
}

/** CONCURRENCY loops calling `op` for `seconds`; latencies in ms. */
async function closedLoop(op: Op, seconds: number, latencies: number[] | undefined): Promise<{ n: number; ms: number }> {
  let n = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let t = performance.now(); t < deadline; ) {
      await op();
      const now = performance.now();
      latencies?.push(now - t);
      t = now;
      n++;
    }
  }));
  return { n, ms: performance.now() - start };
}

/** One server's measurement, accumulated over the rounds. */
class Measurement {
  private n = 0;
  private ms = 0;
  private serverUs = 0;
  private clientUs = 0;
  private otherUs = 0;
  private readonly latencies: number[] = [];
  constructor(readonly server: Server, readonly op: Op) {}

  async round(seconds: number): Promise<void> {
    const pids = this.server.pids();
    const cpu0 = pids.reduce((a, p) => a + cpuMicros(p), 0);
    const machine0 = machineBusyMicros();
    const client0 = process.cpuUsage();
    const { n, ms } = await closedLoop(this.op, seconds, this.latencies);
    const client = process.cpuUsage(client0);
    const server = pids.reduce((a, p) => a + cpuMicros(p), 0) - cpu0;
    this.otherUs += Math.max(0, machineBusyMicros() - machine0 - server - client.user - client.system);
    this.serverUs += server;
    this.clientUs += client.user + client.system;
    this.n += n;
    this.ms += ms;
  }

  result(): Result {
    const l = this.latencies.sort((a, b) => a - b);
    const at = (q: number) => l[Math.min(l.length - 1, Math.floor(q * l.length))];
    return {
      ops: (this.n * 1000) / this.ms, p50: at(0.5), p99: at(0.99), serverUs: this.serverUs / this.n, clientUs: this.clientUs / this.n,
      otherCores: this.otherUs / (this.ms * 1000),
    };
  }
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const rounds = Number(args.rounds);
  const warmup = Math.min(1, seconds / 5);
  const wanted = (list: string) => list.split(',').map((s) => s.trim()).filter(Boolean);
  const serverNames = wanted(args.servers!);
  const clients = wanted(args.clients!);
  const workloads = WORKLOADS.filter((w) => wanted(args.workloads!).includes(w.name));

  const servers: Server[] = [];
  let tessera: Awaited<ReturnType<typeof startTessera>> | undefined;
  try {
    for (const name of serverNames) {
      if (name === 'bare') servers.push(await startBare());
      else if (name === 'dynalite') servers.push(await startDynalite());
      else if (name === 'tessera') servers.push(tessera = await startTessera(args.profile, args['tessera-shards']));
      else throw new Error(`unknown server ${name}`);
    }
    for (const s of servers) {
      if (s.name === 'bare') {
        const c = new RawClient(s.endpoint);
        await check(c, s.name);
        await c.close();
      } else {
        await setup(s);
      }
    }
    const tesseraCpu0 = tessera ? cpuMicros(tessera.supervisorPid) : 0;

    console.log(`bench/dynamo: ${seconds}s per measurement in ${rounds} rounds alternating between the servers (after a ${warmup}s warm-up), ${CONCURRENCY} concurrent requests over keep-alive, ` +
      `${PARTITIONS * PER_PARTITION} items of 1 KB (${PARTITIONS} partitions x ${PER_PARTITION}), ${os.cpus().length} cores, node ${process.version}` +
      (tessera ? `, tessera ${tessera.shards} shard(s)` : '') + (args.profile ? ` (tessera under --cpu-prof)` : ''));
    console.log('bare = fastify answering canned responses (the ceiling of each client); CPU in µs per operation;');
    console.log('others = cores busy with other processes meanwhile (the tessera supervisor, other work on the machine)');
    const header = ['workload', 'client', 'server', 'ops/s', 'p50 ms', 'p99 ms', 'server CPU', 'client CPU', 'others'];
    const widths = [10, 7, 9, 9, 7, 7, 11, 11, 7];
    const row = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
    console.log(row(header));
    const summary: string[] = [];
    for (const w of workloads) {
      for (const clientKind of clients) {
        const closers: (() => unknown)[] = [];
        const runs = servers.map((s) => {
          if (clientKind === 'raw') {
            const c = new RawClient(s.endpoint);
            closers.push(() => c.close());
            return new Measurement(s, w.raw(c));
          }
          const c = sdkClient(s.endpoint);
          closers.push(() => c.destroy());
          return new Measurement(s, w.sdk(c));
        });
        for (const m of runs) await closedLoop(m.op, warmup, undefined); // JIT, connections
        // Rounds alternate between the servers so that a burst of other work on the machine
        // lands on all of them rather than on one.
        for (let r = 0; r < rounds; r++) for (const m of runs) await m.round(seconds / rounds);
        for (const close of closers) await close();
        const results = new Map<string, Result>();
        for (const m of runs) {
          const r = m.result();
          results.set(m.server.name, r);
          console.log(row([w.name, clientKind, m.server.name, fmt(r.ops), r.p50.toFixed(2), r.p99.toFixed(2), fmt(r.serverUs), fmt(r.clientUs), r.otherCores.toFixed(2)]));
        }
        const t = results.get('tessera');
        const d = results.get('dynalite');
        const b = results.get('bare');
        if (t && d) {
          summary.push(`${w.name.padEnd(10)} ${clientKind.padEnd(4)} ${(t.ops / d.ops).toFixed(2).padStart(6)}x ops/s   p99 ${(t.p99 / d.p99).toFixed(2).padStart(5)}x   server CPU/op ${(t.serverUs / d.serverUs).toFixed(2).padStart(5)}x` +
            (b ? `   tessera = ${(t.ops / b.ops).toFixed(2)}x of bare` : ''));
        }
      }
    }
    if (summary.length > 0) {
      console.log('\nTessera / dynalite (ops/s: higher is better; p99 and CPU/op: lower is better)');
      for (const line of summary) console.log(line);
    }
    if (tessera) console.log(`\ntessera supervisor CPU over all runs: ${fmt((cpuMicros(tessera.supervisorPid) - tesseraCpu0) / 1000)} ms (not counted above)`);
  } finally {
    for (const s of servers) await s.stop();
  }
}

if (args.responder) await responder();
else await main();
