// prom-client backing of engine/metrics.ts. Series carry a `shard` label; the
// supervisor aggregates every shard's registry on /metrics (AggregatorRegistry).

import client from 'prom-client';
import type { ShardMetrics } from '../engine/metrics.js';

/** `sample` is read at scrape time for the gauges that change on every write. */
export function promShardMetrics(shard: number, sample: () => { memtableBytes: number }): ShardMetrics {
  const registry = client.register;
  // Constructing one installs prom-client's worker-side listener that answers the supervisor.
  new client.AggregatorRegistry();
  registry.setDefaultLabels({ shard: String(shard) });
  const writes = new client.Counter({ name: 'tessera_writes_total', help: 'Mutations applied' });
  const reads = new client.Counter({ name: 'tessera_reads_total', help: 'Point reads served' });
  const scanned = new client.Counter({ name: 'tessera_scanned_rows_total', help: 'Entries examined by scans' });
  const sstablesPerRead = new client.Histogram({ name: 'tessera_sstables_per_read', help: 'SSTables consulted by one point read (read amplification)', buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 32] });
  const flushes = new client.Counter({ name: 'tessera_flushes_total', help: 'Memtable flushes' });
  const flushBytes = new client.Counter({ name: 'tessera_flushed_bytes_total', help: 'Bytes written by flushes' });
  const compactions = new client.Counter({ name: 'tessera_compactions_total', help: 'Compactions finished' });
  const compactionBytes = new client.Counter({ name: 'tessera_compacted_bytes_total', help: 'Bytes written by compactions' });
  const fsyncs = new client.Counter({ name: 'tessera_commitlog_fsyncs_total', help: 'Commit-log fdatasync calls' });
  const fsyncRecords = new client.Counter({ name: 'tessera_commitlog_records_total', help: 'Commit-log records made durable' });
  const fsyncSeconds = new client.Histogram({ name: 'tessera_commitlog_fsync_seconds', help: 'Commit-log write+fdatasync latency', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1] });
  const memtableBytes = new client.Gauge({ name: 'tessera_memtable_bytes', help: 'Estimated bytes held in memtables', collect() { this.set(sample().memtableBytes); } });
  const sstables = new client.Gauge({ name: 'tessera_sstables', help: 'Live SSTables' });
  const sstableBytes = new client.Gauge({ name: 'tessera_sstable_bytes', help: 'Bytes in live SSTables' });
  new client.Gauge({ name: 'tessera_process_rss_bytes', help: 'Resident set size of the shard process', collect() { this.set(process.memoryUsage.rss()); } });
  return {
    writes: (n) => writes.inc(n),
    reads: (n, s) => { reads.inc(n); sstablesPerRead.observe(s); },
    scanned: (n) => scanned.inc(n),
    flushed: (bytes) => { flushes.inc(); flushBytes.inc(bytes); },
    compacted: (_inputs, bytes) => { compactions.inc(); compactionBytes.inc(bytes); },
    fsynced: (ms, records) => { fsyncs.inc(); fsyncRecords.inc(records); fsyncSeconds.observe(ms / 1000); },
    gauges: (g) => { sstables.set(g.sstables); sstableBytes.set(g.sstableBytes); },
  };
}

/** Front-end counters of the Postgres wire server in this shard process. */
export interface PgWireMetrics {
  cancelRequest(route: 'local' | 'forwarded' | 'unknown'): void;
}

export function promPgWireMetrics(): PgWireMetrics {
  const cancels = new client.Counter({
    name: 'tessera_pg_cancel_requests_total',
    help: 'CancelRequests received: handled by this process (local) or sent to the process that owns the session (forwarded)',
    labelNames: ['route'],
  });
  return { cancelRequest: (route) => cancels.inc({ route }) };
}
