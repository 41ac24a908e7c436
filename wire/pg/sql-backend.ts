// The PostgreSQL protocol layer's backend, backed by the SQL engine (sql/): one sql
// Session per connection. Translates portals and results between the two interfaces
// and SqlError into PgError; everything protocol-shaped stays in this folder and
// everything SQL-shaped in sql/.

import { randomBytes } from 'node:crypto';

import type { PasswordEncryptor } from '../../sql/roles.js';
import { toSqlError, type Field, type Portal, type Session, type SqlEngine } from '../../sql/session.js';
import { md5Secret, type PgUserStore } from './auth.js';
import type { PgBackend, PgPortal, PgResult, PgRow, PgSession, PgSessionStart, PgStatement, PgField } from './backend.js';
import { PgError } from './errors.js';
import type { SqlStateCode } from './sqlstate.js';
import { formatScramVerifier, parseScramVerifier, scramSecret, SCRAM_SALT_BYTES } from './scram.js';
import { PgFormat } from './types.js';

/** Rows pulled from the SQL portal per fetch while the client streams a result. */
const FETCH_ROWS = 1000;

/** Every failure the SQL layer can raise (SqlError, engine schema/key errors) as a PgError with its SQLSTATE. */
function toPgError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  const s = toSqlError(e);
  return new PgError(s.code as SqlStateCode, s.message, {
    position: s.position, detail: s.detail, hint: s.hint, table: s.table, column: s.column, constraint: s.constraint,
  }, s.severity === 'FATAL' ? 'FATAL' : 'ERROR');
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toPgError(e);
  }
}

function pgFields(fields: readonly Field[] | null): PgField[] | null {
  return fields ? fields.map((f) => ({ name: f.name, typeOid: f.typeOid, typeModifier: f.typeModifier, tableOid: f.tableOid, columnNumber: f.columnNumber })) : null;
}

async function* rowsOf(portal: Portal): AsyncGenerator<PgRow> {
  try {
    for (;;) {
      const batch = await guarded(() => portal.fetch(FETCH_ROWS));
      for (const r of batch.rows) yield r as PgRow;
      if (batch.done) return;
    }
  } finally {
    portal.close();
  }
}

/** Runs a SQL portal and describes its outcome as the protocol layer wants it. */
async function resultOf(portal: Portal): Promise<PgResult> {
  if (portal.empty) return { kind: 'empty' };
  const start = (portal as { start?: () => Promise<void> }).start;
  if (start) await guarded(() => start.call(portal));
  const copyIn = portal.copyIn;
  if (copyIn) {
    return {
      kind: 'copyIn',
      format: PgFormat.Text,
      columnFormats: Array.from({ length: copyIn.columns }, () => PgFormat.Text),
      receive: async (data) => guarded(async () => {
        try {
          for await (const chunk of data) await copyIn.write(chunk);
        } catch (e) {
          await copyIn.fail((e as Error).message).catch(() => undefined);
          throw e;
        }
        await copyIn.end();
        const batch = await portal.fetch(0);
        return copyIn.rowCount ?? Number(/(\d+)$/.exec(batch.tag ?? '')?.[1] ?? 0);
      }),
    };
  }
  if (portal.copyOutColumns !== undefined) {
    const columns = portal.copyOutColumns;
    return {
      kind: 'copyOut',
      format: PgFormat.Text,
      columnFormats: Array.from({ length: columns }, () => PgFormat.Text),
      data: (async function* () {
        for (;;) {
          const batch = await guarded(() => portal.fetch(FETCH_ROWS));
          for (const line of batch.copyData ?? []) yield line;
          if (batch.done) return;
        }
      })(),
    };
  }
  const fields = pgFields(portal.fields);
  if (!fields) {
    const batch = await guarded(() => portal.fetch(0));
    return { kind: 'command', tag: batch.tag ?? portal.command };
  }
  return { kind: 'rows', fields, rows: rowsOf(portal), command: portal.command === 'SELECT' ? undefined : portal.command };
}

class SqlPgSession implements PgSession {
  readonly startupParameters: Readonly<Record<string, string>>;

  constructor(private readonly session: Session, private readonly start: PgSessionStart) {
    this.startupParameters = session.parameterStatus();
  }

  txStatus(): 'I' | 'T' | 'E' {
    return this.session.txStatus;
  }

  private report(portal: Portal): void {
    for (const n of portal.notices.splice(0)) this.start.client.notice({ severity: n.severity, code: n.code as SqlStateCode, message: n.message });
    for (const p of portal.parameterChanges.splice(0)) this.start.client.parameterStatus(p.name, p.value);
  }

  async *query(sql: string): AsyncGenerator<PgResult> {
    const it = this.session.simpleQuery(sql);
    try {
      for (;;) {
        const next = await guarded(() => it.next());
        if (next.done) return;
        const result = await resultOf(next.value);
        this.report(next.value);
        yield result;
      }
    } finally {
      // The protocol layer stops pulling after an error: end the implicit transaction too.
      await it.return(undefined).catch(() => undefined);
    }
  }

  async prepare(sql: string, paramTypes: readonly number[]): Promise<PgStatement> {
    const prepared = await guarded(() => this.session.prepare(sql, [...paramTypes]));
    return {
      paramTypes: prepared.paramTypes,
      fields: prepared.empty ? null : pgFields(prepared.fields),
      bind: async (params): Promise<PgPortal> => {
        const portal = await guarded(() => this.session.bind(prepared, [...params]));
        return {
          execute: async () => {
            const r = await resultOf(portal);
            this.report(portal);
            return r;
          },
          close: () => portal.close(),
        };
      },
    };
  }

  sync(): void {
    this.session.sync();
  }

  abort(error: Error): void {
    this.session.abort(error);
  }

  cancel(): void {
    this.session.cancel();
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** A PgBackend that opens one SQL session per authenticated connection. */
export function sqlBackend(sql: SqlEngine): PgBackend {
  return {
    openSession: (start) => {
      const session = sql.session({ user: start.user, database: start.database, parameters: Object.fromEntries(start.parameters), backendPid: start.processId });
      return new SqlPgSession(session, start);
    },
  };
}

/**
 * How CREATE/ALTER ROLE ... PASSWORD stores a password: PostgreSQL's rolpassword forms,
 * derived by this folder's authentication code (give it to createSqlEngine).
 */
export const pgPasswordEncryptor: PasswordEncryptor = {
  encrypt: (method, user, password) => (method === 'md5'
    ? md5Secret(user, password)
    : formatScramVerifier(scramSecret(password, randomBytes(SCRAM_SALT_BYTES)))),
};

/**
 * The roles of the SQL layer (engine table tessera$roles, the same in every shard process)
 * as the user store password authentication checks. Read on every login, so a role created
 * or changed through any process applies at the next connection everywhere.
 */
export function sqlUserStore(sql: SqlEngine): PgUserStore {
  return {
    getUser: async (name) => {
      const r = await sql.roles.get(name);
      if (r === undefined) return undefined;
      const password = r.password ?? '';
      return {
        md5: password.startsWith('md5') ? password : undefined,
        scram: parseScramVerifier(password),
        superuser: r.superuser,
        login: r.login,
      };
    },
  };
}
