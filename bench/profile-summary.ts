// bench/profile-summary: where the shard processes spend their CPU, from `--cpu-prof` profiles.
//   node dist/bench/profile-summary.js DIR/*.cpuprofile
// Sums the self time of every profile given (pass the shards' profiles, not the supervisor's)
// into coarse categories and prints each as a share of all samples and of the busy (non-idle)
// ones. The profiles span the whole process (start-up, loading, warm-up), so run one workload
// per profile: `node dist/bench/dynamo.js --servers tessera --clients raw --workloads GetItem
// --profile DIR`.

import fs from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string } }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const CATEGORIES: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['socket write syscalls (writev, writeBuffer)', (fn, url) => url === '' && (fn === 'writev' || fn === 'writeBuffer' || fn === 'writeUtf8String')],
  ['fdatasync', (fn, url) => url === '' && fn === 'fdatasync'],
  ['node http, streams, events, ticks', (fn, url) =>
    /node:(_http|internal\/streams|events|net|internal\/stream_base|internal\/http|internal\/process\/task_queues|timers|internal\/timers)/.test(url) ||
    fn === 'runMicrotasks' || fn === 'processTicksAndRejections'],
  ['fastify', (_fn, url) => /node_modules\/(fastify|@fastify|avvio|find-my-way|light-my-request|fast-json|process-warning|abstract-logging)/.test(url)],
  ['dynamo-api protocol: JSON parse/stringify, crc32, request id', (_fn, url) => /dynamo-api\/server\.js/.test(url) || /node:zlib|crypto\/random/.test(url)],
  ['dynamo-api: validation, expressions, items <-> rows', (_fn, url) => /dist\/dynamo-api\//.test(url)],
  ['shard RPC: msgpackr, rpc.js', (_fn, url) => /msgpackr|engine\/rpc\.js/.test(url)],
  ['engine: shard, memtable, keys, commit log', (_fn, url) => /dist\/engine\/|sorted-btree/.test(url)],
  ['buffers, strings', (_fn, url) => /node:buffer|node:internal\/buffer|string_decoder/.test(url)],
  ['other (V8, module loading, metrics, ...)', () => true],
];

const totals = new Map<string, number>();
let all = 0;
for (const file of process.argv.slice(2)) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    all += t;
    const [name] = CATEGORIES.find(([, matches]) => matches(n.callFrame.functionName, n.callFrame.url))!;
    totals.set(name, (totals.get(name) ?? 0) + t);
  }
}
const busy = all - (totals.get('idle') ?? 0);
console.log(`${(all / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
for (const [name, t] of [...totals].sort((a, b) => b[1] - a[1])) {
  const ofBusy = name === 'idle' ? '' : `${((100 * t) / busy).toFixed(1)}% of busy`;
  console.log(`${((100 * t) / all).toFixed(1).padStart(5)}% ${ofBusy.padStart(13)}  ${name}`);
}
