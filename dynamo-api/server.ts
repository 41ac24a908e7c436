// The DynamoDB JSON protocol over HTTP (fastify): `POST /` with
// `X-Amz-Target: DynamoDB_20120810.<Operation>` and an `application/x-amz-json-1.0` body
// (gzip accepted), answered with JSON, `x-amz-crc32` and `x-amzn-RequestId`. Every failure
// leaves through errors.ts: client mistakes are 400s with DynamoDB's `__type`, never 500s;
// a 500 InternalServerError means a bug and is logged. With credentials configured,
// requests must carry a valid SigV4 signature (sigv4.ts); without, any credentials pass.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { systemClock, type Clock } from '../engine/hlc.js';
import { recoverAtStart, startBackground, type Background, type BackgroundOptions } from './background.js';
import { batchGetItem, batchWriteItem } from './batch.js';
import type { DynamoContext } from './context.js';
import {
  createTable,
  deleteTable,
  describeEndpoints,
  describeTableOp,
  describeTimeToLive,
  listTables,
  resumeBackfills,
  listTagsOfResource,
  settle,
  tagResource,
  untagResource,
  updateTable,
  updateTimeToLive,
} from './control.js';
import { DynamoError, errorBody, internalServerError, serialization, unknownOperation, validation } from './errors.js';
import { deleteItem, getItem, putItem, updateItem, type Handler } from './items.js';
import { registerDynamoProcs } from './procs.js';
import { query, scan } from './reads.js';
import { verifySigV4, type Credentials } from './sigv4.js';
import { transactGetItems, transactWriteItems } from './transactions.js';

export { registerDynamoProcs };

/** DynamoDB's request size limit (BatchWriteItem's 16 MB), compressed or not. */
export const REQUEST_BYTES_MAX = 16 * 1024 * 1024;
const TARGET_PREFIX = 'DynamoDB_20120810.';
/** Pause between attempts of a start-up recovery that could not reach a peer shard. */
const RECOVERY_RETRY_MS = 1000;

/** Every operation the server knows, by its X-Amz-Target name. */
export const OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateTable: createTable,
  DescribeTable: describeTableOp,
  ListTables: listTables,
  UpdateTable: updateTable,
  DeleteTable: deleteTable,
  UpdateTimeToLive: updateTimeToLive,
  DescribeTimeToLive: describeTimeToLive,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsOfResource: listTagsOfResource,
  PutItem: putItem,
  GetItem: getItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  BatchGetItem: batchGetItem,
  BatchWriteItem: batchWriteItem,
  TransactWriteItems: transactWriteItems,
  TransactGetItems: transactGetItems,
};

export interface DynamoLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DynamoServerOptions {
  readonly engine: Engine;
  readonly clock?: Clock;
  readonly region?: string;
  readonly accountId?: string;
  /** Access key id -> secret key. When given, every request must be SigV4-signed with one. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** TTL deletion and transaction recovery over these shards' ranges; off when absent. */
  readonly background?: BackgroundOptions;
  readonly logger?: DynamoLogger;
}

export interface DynamoServer {
  readonly app: FastifyInstance;
  readonly context: DynamoContext;
  readonly background: Background | undefined;
  /**
   * Finishes what a crash interrupted (index intents, transaction-log records) in the ranges
   * of the background shards, or of every shard without background, and restarts the GSI
   * backfills this front end was running (in the background); call before listen.
   */
  recover(): Promise<{ transactions: number; intents: number; backfills: number }>;
  /** Listens and resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops background work, waits for backfills, closes the listener. */
  close(): Promise<void>;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function decodeBody(raw: Buffer, encoding: string | undefined): unknown {
  let bytes = raw;
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    if (encoding.toLowerCase() !== 'gzip') throw serialization(`Unsupported Content-Encoding: ${encoding}`);
    try {
      bytes = zlib.gunzipSync(raw, { maxOutputLength: REQUEST_BYTES_MAX });
    } catch {
      throw serialization('The request body is not valid gzip or is too large');
    }
  }
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw serialization('Malformed JSON request body');
  }
}

/** A response body and its headers, built once: the crc32 is of exactly the bytes sent. */
function encode(payload: unknown): { body: Buffer; headers: Record<string, string | number> } {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return {
    body,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'x-amz-crc32': zlib.crc32(body),
      'content-length': body.length,
    },
  };
}

/** Through fastify's reply: for its error and not-found handlers, which may add headers (connection: close). */
function send(reply: FastifyReply, status: number, payload: unknown): FastifyReply {
  const { body, headers } = encode(payload);
  return reply.code(status).headers(headers).send(body);
}

function sendError(reply: FastifyReply, err: DynamoError): FastifyReply {
  return send(reply, err.status, errorBody(err));
}

/**
 * The DynamoDB route's answers straight onto node's response, past fastify's reply pipeline
 * (header bookkeeping, onSend hooks, serialisers, per-response listeners): none of it applies
 * to a finished Buffer with fixed headers, and it was a sizeable share of a GetItem's CPU.
 */
function sendRaw(res: ServerResponse, status: number, payload: unknown): void {
  const { body, headers } = encode(payload);
  res.writeHead(status, headers);
  res.end(body);
}

export function createDynamoServer(opts: DynamoServerOptions): DynamoServer {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger;
  const context: DynamoContext = {
    engine: opts.engine,
    clock,
    region: opts.region ?? 'us-east-1',
    accountId: opts.accountId ?? '000000000000',
    background: new Set(),
    log: (level, msg, extra) => logger?.[level](extra ?? {}, msg),
  };
  const credentials: Credentials | undefined = opts.credentials && new Map(Object.entries(opts.credentials));
  const app = Fastify({ bodyLimit: REQUEST_BYTES_MAX, logger: false });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: REQUEST_BYTES_MAX }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof DynamoError) return sendError(reply, err);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, validation(`Request size exceeded ${REQUEST_BYTES_MAX} bytes`));
    }
    if (err.statusCode !== undefined && err.statusCode < 500) return sendError(reply, serialization(err.message));
    logger?.error({ error: err.message, stack: err.stack }, 'dynamo request failed');
    return sendError(reply, internalServerError());
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, unknownOperation()));

  app.get('/', async (_req, reply) => reply.code(200).type('text/plain').send(`healthy: dynamodb.${context.region}.amazonaws.com `));

  // Not async: fastify would wrap the returned promise; the reply is hijacked and written by sendRaw.
  app.post('/', (req, reply) => {
    reply.hijack();
    answer(req.method, req.url, req.headers, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), reply.raw).catch((e: Error) => {
      logger?.error({ error: e.message, stack: e.stack }, 'dynamo response failed');
      reply.raw.destroy();
    });
  });

  async function answer(method: string, url: string, headers: IncomingHttpHeaders, raw: Buffer, res: ServerResponse): Promise<void> {
    try {
      if (credentials !== undefined) verifySigV4({ method, url, headers, body: raw }, credentials, clock.nowMs());
      const target = headerValue(headers['x-amz-target']) ?? '';
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (op === 'DescribeEndpoints') return sendRaw(res, 200, describeEndpoints(headerValue(headers.host) ?? 'localhost'));
      const handler = Object.prototype.hasOwnProperty.call(OPERATIONS, op) ? OPERATIONS[op] : undefined;
      if (handler === undefined) throw unknownOperation();
      const body = decodeBody(raw, headerValue(headers['content-encoding']));
      return sendRaw(res, 200, await handler(context, body));
    } catch (e) {
      const err = e instanceof DynamoError ? e : internalServerError();
      if (err !== e) logger?.error({ error: (e as Error).message, stack: (e as Error).stack }, 'dynamo request failed');
      return sendRaw(res, err.status, errorBody(err));
    }
  }

  const background = opts.background ? startBackground(context, opts.background) : undefined;
  let closing = false;
  return {
    app,
    context,
    background,
    async recover() {
      const shards = opts.background?.shards ?? Array.from({ length: opts.engine.shardCount }, (_, i) => i);
      let finished = { transactions: 0, intents: 0 };
      try {
        finished = await recoverAtStart(context, shards);
      } catch (e) {
        // A peer shard still unreachable (replaying a long commit log): serve, and finish the
        // recovery in the background as soon as it can (recoveries are idempotent).
        logger?.warn({ error: (e as Error).message }, 'could not finish interrupted DynamoDB writes at start-up; retrying in the background');
        const job = (async () => {
          for (let attempt = 1; !closing; attempt++) {
            await new Promise((r) => setTimeout(r, RECOVERY_RETRY_MS));
            if (closing) return;
            try {
              const done = await recoverAtStart(context, shards);
              logger?.info({ ...done, attempt }, 'finished interrupted DynamoDB writes');
              return;
            } catch (err) {
              logger?.warn({ error: (err as Error).message, attempt }, 'DynamoDB start-up recovery failed again; retrying');
            }
          }
        })();
        context.background.add(job);
        void job.finally(() => context.background.delete(job));
      }
      return { ...finished, backfills: resumeBackfills(context) };
    },
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address();
      return typeof addr === 'object' && addr !== null ? addr.port : port;
    },
    async close() {
      closing = true;
      await background?.stop();
      await settle(context);
      await app.close();
    },
  };
}
