// Admin HTTP (DESIGN.md §6): /health (process up), /ready (every shard replayed its
// commit log), /metrics (Prometheus, every shard's series aggregated), /status (JSON
// for `tessera status`).

import Fastify, { type FastifyInstance } from 'fastify';
import client from 'prom-client';
import { UsageError } from './config.js';

export interface NodeStatus {
  nodeId: number;
  address: string;
  dataDir: string;
  shards: { index: number; up: boolean }[];
  loadBytes: number;
}

export async function startAdmin(opts: {
  host: string;
  port: number;
  ready: () => { ready: boolean; shards: unknown };
  status: () => NodeStatus;
}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const aggregator = new client.AggregatorRegistry();
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const r = opts.ready();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'starting', shards: r.shards });
  });
  app.get('/status', async () => opts.status());
  app.get('/metrics', async (_req, reply) => {
    const text = await aggregator.clusterMetrics();
    return reply.type(aggregator.contentType).send(text);
  });
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`admin port ${opts.port} is already in use; stop the other process or choose another with --admin-port`);
    }
    throw e;
  }
  return app;
}
