// wire/pg's PgBackend over the SQL session API: the glue the server needs to serve SQL.
// It lives with the tests for now (sql/ must not depend on wire/pg); it is written to
// move to wire/pg unchanged. Every SqlError becomes a PgError with the same SQLSTATE
// and fields, notices and ParameterStatus changes go to the client channel.

import {
  PgError, PgFormat, type PgBackend, type PgField, type PgPortal, type PgResult, type PgSession, type PgSessionStart,
  type PgStatement, type PgTxStatus, type PgValue, type SqlStateCode, type PgClientChannel,
} from '../../wire/pg/index.js';
import { toSqlError, type Field, type Portal, type Session, type SqlEngine } from '../../sql/index.js';

/** Rows pulled from a portal per round. */
const FETCH_ROWS = 256;

function pgError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  const s = toSqlError(e);
  return new PgError(s.code as SqlStateCode, s.message, { detail: s.detail, hint: s.hint, position: s.position, table: s.table, column: s.column, constraint: s.constraint });
}

function pgFields(fields: Field[]): PgField[] {
  return fields.map((f) => ({ name: f.name, typeOid: f.typeOid, typeModifier: f.typeModifier, tableOid: f.tableOid, columnNumber: f.columnNumber }));
}

export class SqlPgBackend implements PgBackend {
  constructor(private readonly sql: SqlEngine) {}

  openSession(start: PgSessionStart): PgSession {
    const parameters = Object.fromEntries(start.parameters);
    return new SqlPgSession(this.sql.session({ user: start.user, database: start.database, parameters }), start.client);
  }
}

class SqlPgSession implements PgSession {
  readonly startupParameters: Readonly<Record<string, string>>;

  constructor(private readonly s: Session, private readonly client: PgClientChannel) {
    this.startupParameters = s.parameterStatus();
  }

  txStatus(): PgTxStatus {
    return this.s.txStatus as PgTxStatus;
  }

  async *query(sql: string): AsyncIterable<PgResult> {
    const it = this.s.simpleQuery(sql)[Symbol.asyncIterator]();
    try {
      for (;;) {
        let r: IteratorResult<Portal>;
        try {
          r = await it.next();
        } catch (e) {
          throw pgError(e);
        }
        if (r.done) return;
        yield await this.result(r.value);
      }
    } finally {
      await it.return?.(undefined).catch(() => undefined);
    }
  }

  prepare(sql: string, paramTypes: readonly number[]): PgStatement {
    try {
      const p = this.s.prepare(sql, [...paramTypes]);
      return {
        paramTypes: p.paramTypes,
        fields: p.fields ? pgFields(p.fields) : null,
        bind: (params: readonly PgValue[]): PgPortal => {
          let portal: Portal;
          try {
            portal = this.s.bind(p, [...params]);
          } catch (e) {
            throw pgError(e);
          }
          return { execute: () => this.result(portal), close: () => portal.close() };
        },
      };
    } catch (e) {
      throw pgError(e);
    }
  }

  private flushMessages(p: Portal): void {
    for (const n of p.notices.splice(0)) this.client.notice({ severity: n.severity, code: n.code as SqlStateCode, message: n.message });
    for (const c of p.parameterChanges.splice(0)) this.client.parameterStatus(c.name, c.value);
  }

  private async result(p: Portal): Promise<PgResult> {
    if (p.empty) return { kind: 'empty' };
    try {
      await p.start();
    } catch (e) {
      throw pgError(e);
    }
    this.flushMessages(p);
    const sink = p.copyIn;
    if (sink) {
      return {
        kind: 'copyIn', format: PgFormat.Text, columnFormats: Array.from({ length: sink.columns }, () => PgFormat.Text),
        receive: async (data) => {
          try {
            for await (const chunk of data) await sink.write(chunk);
            await sink.end();
          } catch (e) {
            if (!sink.finished) await sink.fail(e instanceof Error ? e.message : String(e)).catch(() => undefined);
            throw pgError(e);
          }
          return sink.rowCount;
        },
      };
    }
    if (p.copyOutColumns !== undefined) {
      const columns = p.copyOutColumns;
      return {
        kind: 'copyOut', format: PgFormat.Text, columnFormats: Array.from({ length: columns }, () => PgFormat.Text),
        data: (async function* () {
          for (;;) {
            let b;
            try {
              b = await p.fetch(FETCH_ROWS);
            } catch (e) {
              throw pgError(e);
            }
            yield* b.copyData ?? [];
            if (b.done) return;
          }
        })(),
      };
    }
    if (p.fields) {
      const fields = pgFields(p.fields);
      const self = this;
      return {
        kind: 'rows', fields, command: p.command,
        rows: (async function* () {
          for (;;) {
            let b;
            try {
              b = await p.fetch(FETCH_ROWS);
            } catch (e) {
              throw pgError(e);
            }
            self.flushMessages(p);
            yield* b.rows as PgValue[][];
            if (b.done) return;
          }
        })(),
      };
    }
    try {
      const b = await p.fetch(0);
      this.flushMessages(p);
      return { kind: 'command', tag: b.tag ?? p.command };
    } catch (e) {
      throw pgError(e);
    }
  }

  sync(): void {
    this.s.sync();
  }

  abort(error: Error): void {
    this.s.abort(error);
  }

  cancel(): void {
    this.s.cancel();
  }

  close(): Promise<void> {
    return this.s.close();
  }
}
