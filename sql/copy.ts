// COPY ... FROM STDIN and COPY ... TO STDOUT in text and CSV formats. The wire layer
// feeds CopyData bytes into a CopyInSink (rows are parsed as lines complete, inserted
// in batches); COPY TO STDOUT yields text lines. Binary COPY is not supported (0A000).

import type { Statement } from './ast.js';
import { ExprBinder, Scope } from './binder.js';
import { bindDefault, runInsert, type DmlContext, type InsertPlan } from './dml.js';
import { SqlError, SqlState, undefinedTable, unsupported } from './errors.js';
import { asyncIds, type BExpr, type Row } from './expr.js';
import type { EvalCtx } from './functions.js';
import { compiled, resolveAsync, run, type ExecEnv } from './executor.js';
import { parseExpression } from './parser.js';
import type { OutputColumn, Plan, PlannedQuery } from './plan.js';
import type { Planner } from './planner.js';
import type { SqlTable } from './schema.js';
import { dynamoTableReadOnly } from './dynamo-tables.js';
import type { Transaction } from './txn.js';
import { type SqlType } from './types.js';
import { inputValue, outputValue, type SqlValue } from './values.js';

/** Rows parsed before they are written in one batch. */
const COPY_BATCH_ROWS = 5000;
/** Longest line accepted (PostgreSQL's limit is 1 GB; ours keeps memory bounded). */
const COPY_LINE_CHARS_MAX = 64 * 1024 * 1024;

export interface CopyContext {
  env: ExecEnv;
  ctx: EvalCtx;
  txn: Transaction | undefined;
  table(name: string): SqlTable | undefined;
  planner(): Planner;
  rowId(): string;
  failed(e: unknown): SqlError;
}

/** Where COPY FROM STDIN data goes. Call write() per CopyData, then end() (CopyDone) or fail() (CopyFail). */
export interface CopyInSink {
  readonly columns: number;
  readonly format: 'text' | 'csv';
  readonly rowCount: number;
  readonly finished: boolean;
  write(data: Uint8Array | string): Promise<void>;
  end(): Promise<void>;
  fail(message: string): Promise<void>;
}

interface Options {
  format: 'text' | 'csv';
  delimiter: string;
  null: string;
  header: boolean;
  quote: string;
  escape: string;
  freeze: boolean;
}

function options(raw: Record<string, string>): Options {
  const format = (raw.format ?? 'text').toLowerCase();
  if (format === 'binary') throw unsupported('COPY in binary format');
  if (format !== 'text' && format !== 'csv') throw new SqlError(SqlState.invalidParameterValue, `COPY format "${format}" not recognized`);
  const csv = format === 'csv';
  const o: Options = {
    format,
    delimiter: raw.delimiter ?? (csv ? ',' : '\t'),
    null: raw.null ?? (csv ? '' : '\\N'),
    header: raw.header !== undefined && raw.header !== 'false' && raw.header !== 'off' && raw.header !== '0',
    quote: raw.quote ?? '"',
    escape: raw.escape ?? raw.quote ?? '"',
    freeze: raw.freeze !== undefined && raw.freeze !== 'false' && raw.freeze !== 'off',
  };
  if (o.delimiter.length !== 1) throw new SqlError(SqlState.featureNotSupported, 'COPY delimiter must be a single one-byte character');
  for (const k of Object.keys(raw)) {
    if (!['format', 'delimiter', 'null', 'header', 'quote', 'escape', 'freeze', 'encoding'].includes(k)) {
      throw new SqlError(SqlState.syntaxError, `option "${k}" not recognized`);
    }
  }
  return o;
}

function unescapeText(field: string): string {
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = field[++i];
    switch (n) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += 'x';
        break;
      }
      default:
        if (n !== undefined && n >= '0' && n <= '7') {
          const m = /^[0-7]{1,3}/.exec(field.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else if (n !== undefined) out += n;
    }
  }
  return out;
}

function splitText(line: string, o: Options): (string | null)[] {
  const parts = line.split(o.delimiter);
  return parts.map((p) => (p === o.null ? null : unescapeText(p)));
}

function splitCsv(line: string, o: Options): (string | null)[] | 'incomplete' {
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === o.quote) {
      let v = '';
      i++;
      for (;;) {
        if (i >= line.length) return 'incomplete';
        if (line[i] === o.escape && line[i + 1] === o.quote && (o.escape !== o.quote || true)) {
          v += o.quote;
          i += 2;
          continue;
        }
        if (line[i] === o.quote) {
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
    } else {
      let j = line.indexOf(o.delimiter, i);
      if (j < 0) j = line.length;
      const raw = line.slice(i, j);
      out.push(raw === o.null ? null : raw);
      i = j;
    }
    if (i >= line.length) return out;
    if (line[i] !== o.delimiter) throw new SqlError(SqlState.badCopyFileFormat, 'unterminated CSV quoted field');
    i++;
  }
}

export async function copyIn(stmt: Statement & { kind: 'copy' }, cc: CopyContext): Promise<CopyInSink> {
  const o = options(stmt.options);
  const name = stmt.table[stmt.table.length - 1];
  const t = cc.table(name);
  if (!t) throw undefinedTable(name);
  if (t.document !== undefined) throw dynamoTableReadOnly(t.name);
  if (o.freeze && !cc.txn?.shadows.has(t.name)) {
    throw new SqlError(SqlState.objectNotInPrerequisiteState, 'cannot perform COPY FREEZE because the table was not created or truncated in the current subtransaction');
  }
  const targets = (stmt.columns ?? t.visible.map((c) => c.name)).map((n) => {
    const c = t.column(n);
    if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${n}" of relation "${t.name}" does not exist`);
    return c.index;
  });
  const planner = cc.planner();
  const defaults: (BExpr | null)[] = t.columns.map((_, i) => (targets.includes(i) ? null : bindDefault(planner, t, i)));
  const checks = t.meta.checks.map((c) => {
    const scope = new Scope();
    scope.addRel(t.name, t.columns.map((x) => ({ name: x.name, type: x.type, hidden: x.hidden, tableOid: 0, attnum: x.attnum })), 0);
    const b = new ExprBinder(planner, scope, { noAggWhere: 'check constraints' });
    return { name: c.name, expr: b.boolArg(b.bind(parseExpression(c.text)), 'CHECK', 0) };
  });
  const plan: InsertPlan = { kind: 'insert', table: t, source: { node: 'result', width: 0 }, rowIdColumn: t.hiddenRowId, checks };
  const env: ExecEnv = { ...cc.env, asyncs: planner.asyncs };
  const dc: DmlContext = { env, ctx: cc.ctx, txn: cc.txn, rowId: cc.rowId };
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let rest = '';
  let lineNo = 0;
  let rows: Row[] = [];
  let count = 0;
  let finished = false;
  let failure: SqlError | undefined;
  let sawEnd = false;
  let headerSkipped = !o.header;

  const toRow = async (fields: (string | null)[]): Promise<Row> => {
    if (fields.length < targets.length) throw new SqlError(SqlState.badCopyFileFormat, `missing data for column "${t.columns[targets[fields.length]].name}"`);
    if (fields.length > targets.length) throw new SqlError(SqlState.badCopyFileFormat, 'extra data after last expected column');
    const row = new Array<SqlValue>(t.columns.length).fill(null);
    targets.forEach((col, k) => {
      const f = fields[k];
      row[col] = f === null ? null : inputValue(f, t.columns[col].type, cc.ctx.catalog, cc.ctx.nowMicros);
    });
    for (let i = 0; i < defaults.length; i++) {
      const d = defaults[i];
      if (!d) continue;
      const ids = asyncIds(d);
      let ctx = cc.ctx;
      if (ids.size) {
        ctx = { ...cc.ctx, async: [] };
        for (const id of ids) ctx.async[id] = await resolveAsync(planner.asyncs[id], [], env, cc.ctx);
      }
      row[i] = compiled(d)([], ctx);
    }
    return row;
  };

  const flush = async (): Promise<void> => {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    const r = await runInsert(plan, dc, (async function* () { yield batch; })());
    count += r.count;
  };

  const consume = async (text: string, final: boolean): Promise<void> => {
    rest += text;
    for (;;) {
      let nl = rest.indexOf('\n');
      if (nl < 0) {
        if (!final || rest === '') break;
        nl = rest.length;
      }
      let line = rest.slice(0, nl);
      if (o.format === 'csv') {
        // a quoted field may contain newlines: wait for the rest of the record
        let parsed = line.endsWith('\r') ? splitCsv(line.slice(0, -1), o) : splitCsv(line, o);
        while (parsed === 'incomplete') {
          const more = rest.indexOf('\n', nl + 1);
          if (more < 0) {
            if (!final) return;
            throw new SqlError(SqlState.badCopyFileFormat, 'unterminated CSV quoted field');
          }
          nl = more;
          line = rest.slice(0, nl);
          parsed = splitCsv(line.endsWith('\r') ? line.slice(0, -1) : line, o);
        }
        rest = rest.slice(nl + 1);
        lineNo++;
        if (line === '\\.' || line === '\\.\r') {
          sawEnd = true;
          continue;
        }
        if (!headerSkipped) {
          headerSkipped = true;
          continue;
        }
        if (sawEnd) continue;
        rows.push(await lineRow(parsed));
      } else {
        rest = rest.slice(nl + 1);
        lineNo++;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '\\.') {
          sawEnd = true;
          continue;
        }
        if (!headerSkipped) {
          headerSkipped = true;
          continue;
        }
        if (sawEnd) continue;
        rows.push(await lineRow(splitText(line, o)));
      }
      if (rows.length >= COPY_BATCH_ROWS) await flush();
    }
    if (rest.length > COPY_LINE_CHARS_MAX) throw new SqlError(SqlState.programLimitExceeded, 'COPY line is too long');
  };

  const lineRow = async (fields: (string | null)[]): Promise<Row> => {
    try {
      return await toRow(fields);
    } catch (e) {
      if (e instanceof SqlError) throw new SqlError(e.code, e.message, { ...e.fields(), detail: e.detail ?? `COPY ${t.name}, line ${lineNo}` });
      throw e;
    }
  };

  const guard = async (fn: () => Promise<void>): Promise<void> => {
    if (failure) throw failure;
    try {
      await fn();
    } catch (e) {
      failure = cc.failed(e);
      finished = true;
      throw failure;
    }
  };

  return {
    columns: targets.length,
    format: o.format,
    get rowCount() {
      return count;
    },
    get finished() {
      return finished;
    },
    write: (data) => guard(() => consume(typeof data === 'string' ? data : decoder.decode(data, { stream: true }), false)),
    end: () => guard(async () => {
      await consume(decoder.decode(), true);
      await flush();
      finished = true;
    }),
    fail: async (message) => {
      finished = true;
      failure = cc.failed(new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${message}`));
      throw failure;
    },
  };
}

function escapeText(s: string, delimiter: string): string {
  let out = '';
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === delimiter) out += '\\' + c;
    else out += c;
  }
  return out;
}

function csvField(s: string, o: Options): string {
  if (s === '' || s.includes(o.delimiter) || s.includes(o.quote) || s.includes('\n') || s.includes('\r') || s === o.null) {
    return o.quote + s.split(o.quote).join(o.escape + o.quote) + o.quote;
  }
  return s;
}

export function copyOutLines(stmt: Statement & { kind: 'copy' }, query: PlannedQuery | undefined, cc: CopyContext): { columns: number; header: string | undefined; lines: AsyncIterable<string[]> } {
  const o = options(stmt.options);
  let plan: Plan;
  let cols: OutputColumn[];
  if (query) {
    plan = query.plan;
    cols = query.columns;
  } else {
    const name = stmt.table[stmt.table.length - 1];
    const t = cc.table(name);
    if (!t) throw undefinedTable(name);
    const targets = (stmt.columns ?? t.visible.map((c) => c.name)).map((n) => {
      const c = t.column(n);
      if (!c || c.hidden) throw new SqlError(SqlState.undefinedColumn, `column "${n}" of relation "${t.name}" does not exist`);
      return c;
    });
    const scan = cc.planner().scanPlan(t, []);
    plan = { node: 'project', input: scan, exprs: targets.map((c) => ({ k: 'col', i: c.index, t: c.type }) as BExpr), width: targets.length };
    cols = targets.map((c) => ({ name: c.name, type: c.type, tableOid: t.oid, attnum: c.attnum }));
  }
  const types: SqlType[] = cols.map((c) => c.type);
  const format = (r: Row): string => r.map((v, i) => {
    if (v === null) return o.format === 'csv' ? o.null : o.null;
    const s = outputValue(v, types[i]);
    return o.format === 'csv' ? csvField(s, o) : escapeText(s, o.delimiter);
  }).join(o.delimiter) + '\n';
  const env = cc.env;
  const ctx = cc.ctx;
  return {
    columns: cols.length,
    header: o.header ? cols.map((c) => (o.format === 'csv' ? csvField(c.name, o) : c.name)).join(o.delimiter) + '\n' : undefined,
    lines: (async function* () {
      for await (const batch of run(plan, env, ctx)) yield batch.map(format);
    })(),
  };
}
