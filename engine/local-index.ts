// Shard-local index tables: engine tables whose rows are derived from another table's
// rows on the same shard (engine/procs.ts DeriveProc). Such a table has one partition
// per shard, keyed by a small integer *bucket* chosen so that its token falls in that
// shard's range; the clustering key orders the entries. Writing an entry next to its
// base row therefore never leaves the shard, and an index read is one ordered range
// scan per shard, all shards in parallel.

import { encodeTuple, shardOf, tokenChars } from './keys.js';

/** Buckets tried per shard before giving up (a uniform hash finds one in ~shards tries). */
const BUCKET_SEARCH_MAX = 1_000_000;

const buckets = new Map<number, number[]>();

/** The bucket (partition key value, an int) whose partition shard `shard` of `shards` owns. */
export function shardBucket(shard: number, shards: number): number {
  let list = buckets.get(shards);
  if (!list) {
    list = new Array<number>(shards).fill(-1);
    let found = 0;
    for (let b = 0; found < shards; b++) {
      if (b >= BUCKET_SEARCH_MAX) throw new Error(`assertion failed: no bucket for every one of ${shards} shards`);
      const s = shardOf(bucketPkey(b), shards);
      if (list[s] === -1) {
        list[s] = b;
        found++;
      }
    }
    buckets.set(shards, list);
  }
  return list[shard];
}

/** Encoded partition key of a bucket (an index table's partition key is one int column). */
export function bucketPkey(bucket: number): string {
  const tuple = encodeTuple([bucket], ['int']);
  return tokenChars(tuple) + tuple;
}

/** One page of an index read on one shard: entries in [from, to) of the shard's bucket partition. */
export interface IndexScanRequest {
  /** The index table. */
  index: number;
  /** The base table the entries point to (entry cells `p` and `c`: base pkey and ckey). */
  base: number;
  /** Clustering-key bounds inside the bucket partition: from inclusive, to exclusive. */
  from: string;
  to: string;
  reverse?: boolean;
  /** Base rows to return at most. */
  limit?: number;
  /** Index check procedure: drops stale entries and rows failing the pushed filter. */
  check: { proc: string; args: unknown };
}
