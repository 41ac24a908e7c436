// What a shard reports. The engine calls this narrow interface; the process wiring
// backs it with prom-client (bin/shard-metrics.ts), tests with nothing.

export interface ShardMetrics {
  writes(n: number): void;
  reads(n: number, sstablesRead: number): void;
  scanned(rows: number): void;
  flushed(bytes: number, ms: number): void;
  compacted(inputs: number, bytes: number, ms: number): void;
  fsynced(latencyMs: number, records: number): void;
  gauges(g: { memtableBytes: number; sstables: number; sstableBytes: number }): void;
}

export const noMetrics: ShardMetrics = {
  writes() {}, reads() {}, scanned() {}, flushed() {}, compacted() {}, fsynced() {}, gauges() {},
};
