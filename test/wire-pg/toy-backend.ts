// A toy PgBackend that exists only to exercise the protocol layer. It understands a handful of
// statements (case-insensitive, one per ';'-separated piece):
//
//   select <int> [as <name>]   one int4 row            series <n>       n rows (int4 1..n)
//   infinite                   rows until canceled      sleep            waits for cancel()
//   error <sqlstate> [text]    raises, position 1       fatal            raises FATAL 57P01
//   bug                        throws a plain Error     notice <text>    NOTICE then 'DO'
//   echo <type>, <type> …      one row with $1, $2 … of those types (prepared statements)
//   value <type> <literal>     decodes the literal as <type> and returns it (type round trip)
//   begin | commit | end | rollback                     transaction status I/T/E
//   copy <t> from stdin        COPY in (text), rows kept in memory table <t>
//   copy <t> to stdout         COPY out of table <t>
//   insert <n>                 'INSERT 0 n'             set <name> = <value> / show <name>
//   ; or only a comment        empty

import {
  CopyTextParser, PgError, PgFormat, PgType, SqlState, commandTag, decodeText, encodeCopyTextRow,
  type PgBackend, type PgClientChannel, type PgField, type PgResult, type PgRow, type PgSession, type PgSessionStart,
  type PgStatement, type PgTxStatus, type PgValue, type SqlStateCode,
} from '../../wire/pg/index.js';

const TYPE_NAMES: Record<string, number> = {
  int2: PgType.int2, int4: PgType.int4, int8: PgType.int8, float4: PgType.float4, float8: PgType.float8,
  numeric: PgType.numeric, text: PgType.text, varchar: PgType.varchar, bpchar: PgType.bpchar, name: PgType.name,
  bool: PgType.bool, bytea: PgType.bytea, date: PgType.date, timestamp: PgType.timestamp,
  timestamptz: PgType.timestamptz, uuid: PgType.uuid, json: PgType.json, jsonb: PgType.jsonb, oid: PgType.oid,
  'int4[]': PgType._int4, 'text[]': PgType._text, unknown: 0,
};

export interface ToyEvents {
  opened: number;
  /** Sessions closed, with the transaction status they had when closed. */
  closed: { user: string; txStatus: PgTxStatus }[];
  /** Called when a `sleep` or `infinite` statement starts running (to cancel it). */
  onLongRunning?: (processId: number) => void;
  /** Errors the protocol layer reported to sessions through abort(). */
  aborted: string[];
  cancels: number;
}

export class ToyBackend implements PgBackend {
  readonly events: ToyEvents = { opened: 0, closed: [], aborted: [], cancels: 0 };
  readonly tables = new Map<string, (string | null)[][]>();

  openSession(start: PgSessionStart): PgSession {
    if (start.database === 'nosuchdb') {
      throw new PgError(SqlState.InvalidCatalogName, `database "${start.database}" does not exist`);
    }
    this.events.opened++;
    return new ToySession(this, start);
  }
}

interface Parsed {
  /** Parameter types (echo), or none. */
  paramTypes: number[];
  fields: PgField[] | null;
  run(params: readonly PgValue[]): PgResult | Promise<PgResult>;
}

class ToySession implements PgSession {
  private status: PgTxStatus = 'I';
  private cancelWaiter: (() => void) | undefined;
  private canceled = false;
  private readonly settings = new Map<string, string>();
  private readonly client: PgClientChannel;

  constructor(private readonly backend: ToyBackend, private readonly start: PgSessionStart) {
    this.client = start.client;
  }

  txStatus(): PgTxStatus {
    return this.status;
  }

  async *query(sql: string): AsyncGenerator<PgResult> {
    const pieces = splitStatements(sql);
    // Parse everything first, as PostgreSQL does: a syntax error anywhere runs nothing.
    const parsed = pieces.map((p) => (p.text.trim() === '' ? undefined : this.parse(p.text, p.offset)));
    for (const p of parsed) {
      if (p === undefined) yield { kind: 'empty' };
      else yield await p.run([]);
    }
  }

  prepare(sql: string, paramTypes: readonly number[]): PgStatement {
    const pieces = splitStatements(sql).filter((p) => p.text.trim() !== '');
    if (pieces.length > 1) {
      throw new PgError(SqlState.SyntaxError, 'cannot insert multiple commands into a prepared statement');
    }
    const parsed = this.parse(pieces[0]?.text ?? '', pieces[0]?.offset ?? 0);
    const types = parsed.paramTypes.map((t, i) => (paramTypes[i] ? paramTypes[i] : t));
    return {
      paramTypes: types,
      fields: parsed.fields,
      bind: (params) => {
        this.checkNotAborted(sql);
        return { execute: () => parsed.run(params) };
      },
    };
  }

  sync(): void {
    // Each batch outside BEGIN is its own implicit transaction; nothing to commit here.
  }

  abort(error: Error): void {
    this.backend.events.aborted.push(error.message);
    if (this.status === 'T') this.status = 'E';
  }

  cancel(): void {
    this.backend.events.cancels++;
    this.canceled = true;
    this.cancelWaiter?.();
  }

  close(): void {
    this.backend.events.closed.push({ user: this.start.user, txStatus: this.status });
    this.status = 'I'; // rolled back
  }

  private checkNotAborted(sql: string): void {
    if (this.status === 'E' && !/^\s*(rollback|commit|end)\b/i.test(sql)) {
      throw new PgError(SqlState.InFailedSqlTransaction,
        'current transaction is aborted, commands ignored until end of transaction block');
    }
  }

  /** Wraps a statement so that an error inside a block moves the status to E. */
  private guarded(sql: string, run: (params: readonly PgValue[]) => PgResult | Promise<PgResult>): Parsed['run'] {
    return async (params) => {
      this.checkNotAborted(sql);
      try {
        return await run(params);
      } catch (e) {
        if (this.status === 'T') this.status = 'E';
        throw e;
      }
    };
  }

  private parse(text: string, offset: number): Parsed {
    const sql = text.trim().replace(/--.*$/gm, '').trim();
    const lower = sql.toLowerCase();
    const noParams = (fields: PgField[] | null, run: () => PgResult | Promise<PgResult>): Parsed =>
      ({ paramTypes: [], fields, run: this.guarded(sql, run) });
    let m: RegExpExecArray | null;

    if (sql === '') return noParams(null, () => ({ kind: 'empty' }));
    if ((m = /^select\s+(-?\d+)(?:\s+as\s+(\w+))?$/i.exec(sql))) {
      const fields = [{ name: m[2] ?? '?column?', typeOid: PgType.int4 }];
      const value = Number(m[1]);
      return noParams(fields, () => ({ kind: 'rows', fields, rows: [[value]] }));
    }
    if ((m = /^series\s+(\d+)$/i.exec(sql))) {
      const n = Number(m[1]);
      const fields = [{ name: 'n', typeOid: PgType.int4 }];
      return noParams(fields, () => ({ kind: 'rows', fields, rows: series(n) }));
    }
    if (lower === 'infinite') {
      const fields = [{ name: 'n', typeOid: PgType.int4 }];
      return noParams(fields, () => {
        this.backend.events.onLongRunning?.(this.start.processId);
        return { kind: 'rows', fields, rows: series(Infinity) };
      });
    }
    if (lower === 'sleep') {
      return noParams(null, async () => {
        const waiting = new Promise<void>((resolve) => (this.cancelWaiter = resolve));
        this.backend.events.onLongRunning?.(this.start.processId);
        if (!this.canceled) await waiting;
        this.canceled = false;
        this.cancelWaiter = undefined;
        throw new PgError(SqlState.QueryCanceled, 'canceling statement due to user request');
      });
    }
    if ((m = /^error\s+([0-9A-Z]{5})(?:\s+(.*))?$/i.exec(sql))) {
      const code = m[1].toUpperCase() as SqlStateCode;
      const message = m[2] ?? 'toy error';
      return noParams(null, () => {
        throw new PgError(code, message, { position: offset + text.indexOf(sql) + 1, detail: 'raised on request', hint: 'ask for less' });
      });
    }
    if (lower === 'fatal') {
      return noParams(null, () => {
        throw new PgError(SqlState.AdminShutdown, 'terminating connection due to administrator command', {}, 'FATAL');
      });
    }
    if (lower === 'bug') {
      return noParams(null, () => {
        throw new TypeError('toy bug');
      });
    }
    if ((m = /^notice\s+(.*)$/i.exec(sql))) {
      const message = m[1];
      return noParams(null, () => {
        this.client.notice({ severity: 'NOTICE', code: SqlState.SuccessfulCompletion, message });
        return { kind: 'command', tag: 'DO' };
      });
    }
    if ((m = /^echo\s+(.+)$/i.exec(sql))) {
      const types = m[1].split(',').map((t) => typeOid(t.trim(), offset));
      const fields = types.map((t, i) => ({ name: `$${i + 1}`, typeOid: t === 0 ? PgType.text : t }));
      return {
        paramTypes: types,
        fields,
        // An unknown-typed parameter sent in binary arrives as bytes; show it as text.
        run: this.guarded(sql, (params) => {
          if (params.length !== types.length) {
            throw new PgError(SqlState.UndefinedParameter, `there is no parameter $${params.length + 1}`, { position: offset + 1 });
          }
          return {
            kind: 'rows', fields, rows: [params.map((p, i) => (types[i] === 0 && p instanceof Uint8Array ? Buffer.from(p).toString() : p))],
          };
        }),
      };
    }
    if ((m = /^value\s+(\S+)\s+(.*)$/is.exec(sql))) {
      const oid = typeOid(m[1], offset);
      const literal = m[2];
      const fields = [{ name: 'value', typeOid: oid }];
      return noParams(fields, () => ({ kind: 'rows', fields, rows: [[decodeText(oid, literal)]] }));
    }
    if (lower === 'begin' || lower === 'start transaction') {
      return noParams(null, () => {
        this.status = 'T';
        return { kind: 'command', tag: 'BEGIN' };
      });
    }
    if (lower === 'commit' || lower === 'end' || lower === 'rollback') {
      return { paramTypes: [], fields: null, run: () => {
        const tag = lower === 'rollback' || this.status === 'E' ? 'ROLLBACK' : 'COMMIT';
        this.status = 'I';
        return { kind: 'command', tag };
      } };
    }
    if ((m = /^copy\s+(\w+)\s+from\s+stdin$/i.exec(sql))) {
      const table = m[1];
      return noParams(null, () => ({
        kind: 'copyIn', format: PgFormat.Text, columnFormats: [],
        receive: async (data) => {
          const parser = new CopyTextParser();
          const rows: (string | null)[][] = [];
          for await (const chunk of data) rows.push(...parser.push(chunk));
          rows.push(...parser.finish());
          this.backend.tables.set(table, rows);
          return rows.length;
        },
      }));
    }
    if ((m = /^copy\s+(\w+)\s+to\s+stdout$/i.exec(sql))) {
      const table = m[1];
      return noParams(null, () => {
        const rows = this.backend.tables.get(table);
        if (rows === undefined) throw new PgError(SqlState.UndefinedTable, `relation "${table}" does not exist`, { position: offset + 1 });
        return { kind: 'copyOut', format: PgFormat.Text, columnFormats: [], data: rows.map((r) => encodeCopyTextRow(r)) };
      });
    }
    if ((m = /^insert\s+(\d+)$/i.exec(sql))) {
      const n = Number(m[1]);
      return noParams(null, () => ({ kind: 'command', tag: commandTag('INSERT', n) }));
    }
    if ((m = /^set\s+(\w+)\s*(?:=|to)\s*'?([^']*)'?$/i.exec(sql))) {
      const [name, value] = [m[1], m[2]];
      return noParams(null, () => {
        this.settings.set(name.toLowerCase(), value);
        if (name.toLowerCase() === 'application_name') this.client.parameterStatus('application_name', value);
        return { kind: 'command', tag: 'SET' };
      });
    }
    if ((m = /^show\s+(\w+)$/i.exec(sql))) {
      const name = m[1].toLowerCase();
      const fields = [{ name, typeOid: PgType.text }];
      return noParams(fields, () => ({ kind: 'rows', fields, rows: [[this.settings.get(name) ?? '']], command: 'SHOW' }));
    }
    throw new PgError(SqlState.SyntaxError, `syntax error at or near "${sql.split(/\s+/)[0]}"`, {
      position: offset + text.indexOf(sql) + 1,
    });
  }
}

function typeOid(name: string, offset: number): number {
  const oid = TYPE_NAMES[name.toLowerCase()];
  if (oid === undefined) throw new PgError(SqlState.UndefinedObject, `type "${name}" does not exist`, { position: offset + 1 });
  return oid;
}

function* series(n: number): Generator<PgRow> {
  for (let i = 1; i <= n; i++) yield [i];
}

/** Splits on ';' outside single quotes; offsets are character positions in the original. */
function splitStatements(sql: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === "'") quoted = !quoted;
    else if (sql[i] === ';' && !quoted) {
      out.push({ text: sql.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  if (sql.slice(start).trim() !== '' || out.length === 0) out.push({ text: sql.slice(start), offset: start });
  return out;
}
