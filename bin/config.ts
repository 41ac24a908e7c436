// `tessera start` flags (DESIGN.md §6), parsed and checked before anything touches disk.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** A mistake of the user's: printed as one line, without a stack trace. */
export class UsageError extends Error {}

export interface NodeConfig {
  dataDir: string;
  shards: number | undefined;
  listen: string;
  pgPort: number;
  dynamoPort: number;
  kafkaPort: number;
  adminPort: number;
  nodeId: number;
  seeds: string[];
  rf: number;
  memtableBudgetBytes: number;
  /** Per-shard memory budget: sizes the V8 heap limit of each shard process. */
  shardMemoryBytes: number;
  /** How pg clients authenticate (like a pg_hba.conf method for every connection). */
  pgAuth: PgAuthFlag;
  /**
   * `--auth FILE`: access key id -> secret access key. When set, every DynamoDB request must
   * carry a valid SigV4 signature by one of these keys; when absent, any credentials pass.
   */
  dynamoCredentials?: Record<string, string>;
}

export const PG_AUTH_METHODS = ['trust', 'password', 'md5', 'scram-sha-256'] as const;
export type PgAuthFlag = typeof PG_AUTH_METHODS[number];

const startOptions = {
  data: { type: 'string', default: './tessera-data' },
  shards: { type: 'string' },
  listen: { type: 'string', default: '127.0.0.1' },
  'pg-port': { type: 'string', default: '5432' },
  'pg-auth': { type: 'string', default: 'trust' },
  'dynamo-port': { type: 'string', default: '8000' },
  'kafka-port': { type: 'string', default: '9092' },
  'admin-port': { type: 'string', default: '9180' },
  'node-id': { type: 'string', default: '1' },
  seeds: { type: 'string' },
  rf: { type: 'string', default: '1' },
  'memtable-mb': { type: 'string', default: '64' },
  'shard-memory-mb': { type: 'string', default: '512' },
  auth: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const startUsage = `usage: tessera start [flags]
  --data DIR          data directory (default ./tessera-data)
  --shards N          shard processes, one per core (default: the directory's, else ${os.availableParallelism()})
  --listen HOST       address the client ports bind to (default 127.0.0.1)
  --pg-port N         PostgreSQL wire port (default 5432)
  --pg-auth METHOD    trust (default), scram-sha-256, md5 or password: how pg clients log in;
                      the password methods check the roles of CREATE/ALTER ROLE ... PASSWORD
  --dynamo-port N     DynamoDB HTTP port (default 8000)
  --kafka-port N      Kafka protocol port (default 9092)
  --admin-port N      admin HTTP port: /health /ready /metrics (default 9180)
  --node-id N         this node's id, 1..4194303 (default 1)
  --seeds HOSTS       cluster seed nodes (not supported yet: single node only)
  --rf N              replication factor (only 1 until replication lands)
  --memtable-mb N     per-shard memtable flush budget in MiB (default 64)
  --shard-memory-mb N memory budget of each shard process in MiB (default 512)
  --auth FILE         verify SigV4 signatures on the DynamoDB port with the keys in FILE,
                      a JSON object {"<access key id>": "<secret access key>", ...}
                      (default: no verification, any credentials are accepted)`;

/** Access key ids are word characters (AWS issues 16..128 of them); secrets any non-empty text. */
const ACCESS_KEY_ID = /^\w{1,128}$/;
export const AUTH_KEYS_MAX = 10_000;

/** Reads and checks an --auth file: a JSON object of access key id -> secret access key. */
export function readAuthFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--auth: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--auth: ${file} is not JSON; expected {"<access key id>": "<secret access key>", ...}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`--auth: ${file} must hold a JSON object {"<access key id>": "<secret access key>", ...}`);
  }
  const keys: Record<string, string> = {};
  const entries = Object.entries(json);
  if (entries.length === 0) throw new UsageError(`--auth: ${file} holds no keys; every request would be refused`);
  if (entries.length > AUTH_KEYS_MAX) throw new UsageError(`--auth: ${file} holds more than ${AUTH_KEYS_MAX} keys`);
  for (const [id, secret] of entries) {
    if (!ACCESS_KEY_ID.test(id)) throw new UsageError(`--auth: ${file}: access key id ${JSON.stringify(id.slice(0, 40))} must be 1 to 128 letters, digits or underscores`);
    if (typeof secret !== 'string' || secret === '') throw new UsageError(`--auth: ${file}: the secret of ${id} must be a non-empty string`);
    keys[id] = secret;
  }
  return keys;
}

function int(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

export function parseStartArgs(argv: string[]): NodeConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: startOptions, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see tessera start --help)`);
  }
  if (values.help) return 'help';
  const port = (flag: keyof typeof startOptions) => int(flag, String(values[flag]), 0, 65535);
  const seeds = values.seeds ? values.seeds.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (seeds.length > 0) throw new UsageError('--seeds: clustering is not supported yet; run a single node without --seeds');
  const pgAuth = values['pg-auth'] as PgAuthFlag;
  if (!PG_AUTH_METHODS.includes(pgAuth)) throw new UsageError(`--pg-auth must be one of ${PG_AUTH_METHODS.join(', ')}, got "${pgAuth}"`);
  const rf = int('rf', values.rf, 1, 9);
  if (rf !== 1) throw new UsageError('--rf: replication is not supported yet; only --rf 1 works on a single node');
  const config: NodeConfig = {
    dataDir: path.resolve(values.data),
    shards: values.shards === undefined ? undefined : int('shards', values.shards, 1, 256),
    listen: values.listen,
    pgPort: port('pg-port'),
    dynamoPort: port('dynamo-port'),
    kafkaPort: port('kafka-port'),
    adminPort: port('admin-port'),
    nodeId: int('node-id', values['node-id'], 1, 4194303),
    seeds,
    rf,
    memtableBudgetBytes: int('memtable-mb', values['memtable-mb'], 1, 65536) * 1024 * 1024,
    shardMemoryBytes: int('shard-memory-mb', values['shard-memory-mb'], 128, 1 << 20) * 1024 * 1024,
    pgAuth,
  };
  if (values.auth !== undefined) config.dynamoCredentials = readAuthFile(path.resolve(values.auth));
  if (config.memtableBudgetBytes * 4 > config.shardMemoryBytes) {
    throw new UsageError(`--memtable-mb must be at most a quarter of --shard-memory-mb (a shard holds an active and a flushing memtable besides its caches)`);
  }
  return config;
}
