// Aggregate functions: result types as PostgreSQL's (sum(int4) is int8, sum(int8) and
// avg(int) are numeric, ...), exact numeric accumulation, DISTINCT and ORDER BY inside
// the call, and FILTER (WHERE ...) evaluated by the executor before step().

import { SqlError, SqlState } from './errors.js';
import { textOf, toJsonText } from './functions.js';
import { formatInterval, intervalAdd, intervalMul, parseInterval } from './datetime.js';
import { decAdd, decDiv, decFromBigInt, formatDec, parseDec, type Dec } from './numeric.js';
import { arrayOf, formatType, isArray, Oid, T, type SqlType } from './types.js';
import { checkInt8, comparator, groupKey, type SqlValue } from './values.js';

export interface AggState {
  step(args: SqlValue[]): void;
  final(): SqlValue;
}

export interface AggSpec {
  /** Aggregate name (count, sum, ...). */
  name: string;
  argTypes: SqlType[];
  ret: SqlType;
  star: boolean;
  distinct: boolean;
}

export const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'string_agg', 'array_agg', 'bool_and', 'bool_or', 'every', 'json_agg', 'jsonb_agg', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop']);

export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name);
}

/** Result type of an aggregate over arguments of these types (throws 42883 when none applies). */
export function aggregateType(name: string, argTypes: SqlType[], star: boolean): SqlType {
  const a = argTypes[0];
  const noFn = (): SqlError => new SqlError(SqlState.undefinedFunction, `function ${name}(${argTypes.map((t) => formatType(t.oid, -1)).join(', ')}) does not exist`, { hint: 'No function matches the given name and argument types. You might need to add explicit type casts.' });
  switch (name) {
    case 'count':
      if (!star && argTypes.length !== 1) throw noFn();
      return T.int8;
    case 'sum':
      if (argTypes.length !== 1) throw noFn();
      switch (a.oid) {
        case Oid.int2: case Oid.int4: return T.int8;
        case Oid.int8: case Oid.numeric: return T.numeric;
        case Oid.float4: return T.float4;
        case Oid.float8: return T.float8;
        case Oid.interval: return T.interval;
        default: throw noFn();
      }
    case 'avg':
      if (argTypes.length !== 1) throw noFn();
      switch (a.oid) {
        case Oid.int2: case Oid.int4: case Oid.int8: case Oid.numeric: return T.numeric;
        case Oid.float4: case Oid.float8: return T.float8;
        case Oid.interval: return T.interval;
        default: throw noFn();
      }
    case 'min': case 'max': {
      if (argTypes.length !== 1) throw noFn();
      const t = minMaxArgType(a);
      if (t === undefined) throw noFn();
      return t;
    }
    case 'string_agg':
      if (argTypes.length !== 2) throw noFn();
      return a.oid === Oid.bytea ? T.bytea : T.text;
    case 'array_agg':
      if (argTypes.length !== 1) throw noFn();
      return arrayOf({ oid: a.oid, mod: -1 });
    case 'bool_and': case 'bool_or': case 'every':
      if (argTypes.length !== 1 || a.oid !== Oid.bool) throw noFn();
      return T.bool;
    case 'json_agg': return T.json;
    case 'jsonb_agg': return T.jsonb;
    case 'stddev': case 'stddev_samp': case 'stddev_pop': case 'variance': case 'var_samp': case 'var_pop':
      if (argTypes.length !== 1) throw noFn();
      if (a.oid === Oid.float4 || a.oid === Oid.float8) return T.float8;
      throw new SqlError(SqlState.featureNotSupported, `${name}() is supported for double precision arguments only; cast the argument`);
    default:
      throw noFn();
  }
}

/**
 * The input (and result) type of min/max over a type, as PostgreSQL resolves it: its
 * catalog has min/max for numbers, text, bpchar, dates and times, interval, oid and
 * arrays; varchar and name convert to text; bool, uuid, bytea and json have none.
 */
function minMaxArgType(a: SqlType): SqlType | undefined {
  if (isArray(a)) return { oid: a.oid, mod: -1 };
  switch (a.oid) {
    case Oid.int2: case Oid.int4: case Oid.int8: case Oid.float4: case Oid.float8: case Oid.numeric:
    case Oid.text: case Oid.bpchar: case Oid.date: case Oid.timestamp: case Oid.timestamptz:
    case Oid.interval: case Oid.oid:
      return { oid: a.oid, mod: -1 };
    case Oid.varchar: case Oid.name: case Oid.unknown: return T.text;
    default: return undefined;
  }
}

/** Argument types an aggregate's arguments are coerced to before step(). */
export function aggregateArgTypes(name: string, argTypes: SqlType[]): SqlType[] {
  if ((name === 'min' || name === 'max') && argTypes.length === 1) return [minMaxArgType(argTypes[0]) ?? argTypes[0]];
  if (name === 'string_agg') return argTypes[0].oid === Oid.bytea ? [T.bytea, T.bytea] : [T.text, T.text];
  if (name.startsWith('stddev') || name.startsWith('var')) return [T.float8];
  return argTypes.map((t) => (t.oid === Oid.unknown ? T.text : t));
}

class Count implements AggState {
  n = 0n;
  constructor(private readonly star: boolean) {}
  step(args: SqlValue[]): void {
    if (this.star || args[0] !== null) this.n++;
  }
  final(): SqlValue {
    return this.n;
  }
}

class SumInt implements AggState {
  // int2/int4 sums: exact in a float until 2^53, then bigint
  sum = 0n;
  small = 0;
  any = false;
  step([v]: SqlValue[]): void {
    if (v === null) return;
    this.any = true;
    this.small += v as number;
    if (Math.abs(this.small) > 2 ** 50) {
      this.sum += BigInt(this.small);
      this.small = 0;
    }
  }
  final(): SqlValue {
    return this.any ? checkInt8(this.sum + BigInt(this.small)) : null;
  }
}

class SumDec implements AggState {
  acc: Dec = { n: 0n, s: 0 };
  count = 0n;
  constructor(private readonly from: number, private readonly avg: boolean) {}
  step([v]: SqlValue[]): void {
    if (v === null) return;
    this.count++;
    const d = this.from === Oid.numeric ? parseDec(v as string) : decFromBigInt(typeof v === 'bigint' ? v : BigInt(v as number));
    this.acc = decAdd(this.acc, d);
  }
  final(): SqlValue {
    if (this.count === 0n) return null;
    if (!this.avg) return formatDec(this.acc);
    return formatDec(decDiv(this.acc, decFromBigInt(this.count)));
  }
}

class SumFloat implements AggState {
  sum = 0;
  count = 0;
  constructor(private readonly avg: boolean, private readonly single: boolean) {}
  step([v]: SqlValue[]): void {
    if (v === null) return;
    this.count++;
    this.sum += v as number;
  }
  final(): SqlValue {
    if (this.count === 0) return null;
    const r = this.avg ? this.sum / this.count : this.sum;
    return this.single && !this.avg ? Math.fround(r) : r;
  }
}

class SumInterval implements AggState {
  acc = { months: 0, days: 0, micros: 0 };
  count = 0;
  constructor(private readonly avg: boolean) {}
  step([v]: SqlValue[]): void {
    if (v === null) return;
    this.count++;
    this.acc = intervalAdd(this.acc, parseInterval(v as string), 1);
  }
  final(): SqlValue {
    if (this.count === 0) return null;
    return formatInterval(this.avg ? intervalMul(this.acc, 1 / this.count) : this.acc);
  }
}

class MinMax implements AggState {
  best: SqlValue = null;
  private readonly cmp: (a: SqlValue, b: SqlValue) => number;
  constructor(t: SqlType, private readonly max: boolean) {
    this.cmp = comparator(t);
  }
  step([v]: SqlValue[]): void {
    if (v === null) return;
    if (this.best === null) this.best = v;
    else {
      const c = this.cmp(v, this.best);
      if (this.max ? c > 0 : c < 0) this.best = v;
    }
  }
  final(): SqlValue {
    return this.best;
  }
}

class BoolAgg implements AggState {
  v: boolean | null = null;
  constructor(private readonly and: boolean) {}
  step([x]: SqlValue[]): void {
    if (x === null) return;
    this.v = this.v === null ? (x as boolean) : this.and ? this.v && (x as boolean) : this.v || (x as boolean);
  }
  final(): SqlValue {
    return this.v;
  }
}

/** Aggregates that see values in order: collect, then combine. */
class Collect implements AggState {
  items: SqlValue[][] = [];
  constructor(private readonly combine: (items: SqlValue[][]) => SqlValue) {}
  step(args: SqlValue[]): void {
    this.items.push(args);
  }
  final(): SqlValue {
    return this.combine(this.items);
  }
}

class Variance implements AggState {
  n = 0;
  mean = 0;
  m2 = 0;
  constructor(private readonly kind: string) {}
  step([v]: SqlValue[]): void {
    if (v === null) return;
    const x = v as number;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  final(): SqlValue {
    const pop = this.kind.endsWith('_pop');
    if (this.n === 0 || (!pop && this.n === 1)) return null;
    const variance = this.m2 / (pop ? this.n : this.n - 1);
    return this.kind.startsWith('stddev') ? Math.sqrt(variance) : variance;
  }
}

/** Wraps a state so it only sees each distinct argument once. */
class Distinct implements AggState {
  private readonly seen = new Set<string>();
  constructor(private readonly inner: AggState, private readonly types: SqlType[]) {}
  step(args: SqlValue[]): void {
    const key = args.map((a, i) => groupKey(a, this.types[i])).join('\u0001');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.inner.step(args);
  }
  final(): SqlValue {
    return this.inner.final();
  }
}

export function newAggState(spec: AggSpec): AggState {
  const s = createState(spec);
  if (spec.distinct && !spec.star) return new Distinct(s, spec.argTypes);
  return s;
}

function createState(spec: AggSpec): AggState {
  const a = spec.argTypes[0];
  switch (spec.name) {
    case 'count': return new Count(spec.star);
    case 'sum':
    case 'avg': {
      const avg = spec.name === 'avg';
      if (a.oid === Oid.interval) return new SumInterval(avg);
      if (a.oid === Oid.float4 || a.oid === Oid.float8) return new SumFloat(avg, a.oid === Oid.float4);
      if (!avg && (a.oid === Oid.int2 || a.oid === Oid.int4)) return new SumInt();
      return new SumDec(a.oid, avg);
    }
    case 'min': return new MinMax(a, false);
    case 'max': return new MinMax(a, true);
    case 'bool_and': case 'every': return new BoolAgg(true);
    case 'bool_or': return new BoolAgg(false);
    case 'string_agg':
      return new Collect((items) => {
        const vals = items.filter((x) => x[0] !== null);
        if (vals.length === 0) return null;
        if (a.oid === Oid.bytea) {
          const parts: Buffer[] = [];
          vals.forEach((x, i) => {
            if (i > 0 && x[1] !== null) parts.push(Buffer.from(x[1] as Uint8Array));
            parts.push(Buffer.from(x[0] as Uint8Array));
          });
          return Buffer.concat(parts);
        }
        let out = '';
        vals.forEach((x, i) => {
          if (i > 0 && x[1] !== null) out += x[1] as string;
          out += x[0] as string;
        });
        return out;
      });
    case 'array_agg':
      return new Collect((items) => (items.length === 0 ? null : items.map((x) => x[0])));
    case 'json_agg': case 'jsonb_agg':
      return new Collect((items) => (items.length === 0 ? null : '[' + items.map((x) => toJsonText(x[0], a)).join(spec.name === 'jsonb_agg' ? ', ' : ', ') + ']'));
    case 'stddev': case 'stddev_samp': case 'stddev_pop': case 'variance': case 'var_samp': case 'var_pop':
      return new Variance(spec.name === 'stddev' ? 'stddev_samp' : spec.name === 'variance' ? 'var_samp' : spec.name);
    default:
      throw new Error(`bug: unknown aggregate ${spec.name}`);
  }
}

export { textOf };
