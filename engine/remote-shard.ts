// A shard in another process of this node, reached over its RPC socket. Writes sent to
// it in one turn of the event loop travel as one message and become one commit-log
// record and one fsync there (each caller's group still succeeds or fails alone).

import type { ShardEndpoint } from './engine.js';
import { errorFromWire, RpcClient, type WireError } from './rpc.js';
import type { LiveRow, Mutation } from './types.js';

/** Connection attempts (100 ms apart) before a call fails: covers a peer's restart. */
const CONNECT_ATTEMPTS_MAX = 100;

export function remoteShard(address: string): ShardEndpoint {
  let client: Promise<RpcClient> | undefined;
  const call = async <T>(op: string, args: unknown): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      let c: RpcClient;
      try {
        c = await (client ??= RpcClient.connect(address));
      } catch (e) {
        client = undefined;
        if (attempt >= CONNECT_ATTEMPTS_MAX) throw new Error(`shard socket unreachable: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (c.closed) {
        client = undefined;
        continue;
      }
      return c.call<T>(op, args);
    }
  };

  let queued: { groups: Mutation[][]; waiters: { resolve: () => void; reject: (e: Error) => void }[] } | undefined;
  const sendQueued = () => {
    const batch = queued!;
    queued = undefined;
    call<(WireError | null)[]>('shard.applyGroups', batch.groups).then(
      (errors) => batch.waiters.forEach((w, i) => (errors[i] ? w.reject(errorFromWire(errors[i]!)) : w.resolve())),
      (e: Error) => batch.waiters.forEach((w) => w.reject(e)),
    );
  };

  return {
    apply: (mutations) => new Promise<void>((resolve, reject) => {
      if (!queued) {
        queued = { groups: [], waiters: [] };
        setImmediate(sendQueued);
      }
      queued.groups.push(mutations);
      queued.waiters.push({ resolve, reject });
    }),
    get: async (table, pkey, ckey) => {
      const found = await call<[LiveRow['values'], LiveRow['maxTs']] | null>('shard.get', [table, pkey, ckey]);
      return found ? { pkey, ckey, values: found[0], maxTs: found[1] } : undefined;
    },
    scan: (req) => call('shard.scan', req),
    rmw: (req) => call('shard.rmw', req),
    commit: (mutations, steps) => call('shard.commit', [mutations, steps]),
    indexScan: (req) => call('shard.indexScan', req),
    load: (mutations) => call('shard.load', mutations),
    flush: () => call('shard.flushDurable', null),
    task: (name, args) => call('shard.task', [name, args]),
  };
}
