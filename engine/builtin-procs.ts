// Procedures the engine itself registers in every shard: simple column filters and an
// atomic counter increment, used by engine clients, tests and benchmarks.

import type { ProcRegistry } from './procs.js';
import type { Value } from './types.js';

export interface EqArgs { column: string; value: Value }
export interface IncrementArgs { column: string; by: number }

export function registerBuiltinProcs(procs: ProcRegistry): ProcRegistry {
  return procs
    .registerFilter('engine.eq', (row, args) => {
      const a = args as EqArgs;
      return row.values[a.column] === a.value;
    })
    .registerRmw('engine.increment', (row, args, ctx) => {
      const a = args as IncrementArgs;
      const current = row?.values[a.column];
      const next = (typeof current === 'number' ? current : 0) + a.by;
      return {
        mutations: [{
          table: ctx.table,
          pkey: ctx.pkey,
          ckey: ctx.ckey,
          row: { marker: { ts: ctx.ts, w: ctx.w, v: true }, cells: { [a.column]: { ts: ctx.ts, w: ctx.w, v: next } } },
        }],
        result: next,
      };
    });
}
