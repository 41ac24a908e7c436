// Roles (CREATE / ALTER / DROP ROLE and USER): one row per role in the engine table
// tessera$roles, so every shard process sees the same roles — the pg wire server of any
// process authenticates against them (wire/pg/sql-backend.ts sqlUserStore) and
// pg_roles / pg_user / pg_authid list them.
//
// Passwords are stored the way PostgreSQL stores rolpassword: `md5<hex>` or
// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, chosen by the session's
// password_encryption; a password given already in one of those forms is stored as is.
// The hashing itself is injected (PasswordEncryptor), because it belongs to the wire
// protocol's authentication code (wire/pg/scram.ts), which this layer must not import.

import type { Engine } from '../engine/engine.js';
import { SqlError, SqlState } from './errors.js';

export const ROLES_TABLE = 'tessera$roles';

/** The bootstrap superuser: exists without a row (until one is written for it, e.g. by ALTER ROLE). */
export const BOOTSTRAP_SUPERUSER = 'postgres';

export interface RoleRecord {
  name: string;
  superuser: boolean;
  login: boolean;
  /** PostgreSQL's rolpassword form, or null (no password: password authentication fails). */
  password: string | null;
}

export type PasswordMethod = 'md5' | 'scram-sha-256';

export interface PasswordEncryptor {
  /** rolpassword for `password` of `user`. */
  encrypt(method: PasswordMethod, user: string, password: string): string;
}

/** What CREATE/ALTER ROLE change; undefined fields stay as they are (or get the default). */
export interface RoleChanges {
  superuser?: boolean;
  login?: boolean;
  /** null: PASSWORD NULL. */
  password?: string | null;
}

/** Roles listed in pg_roles: the bootstrap superuser is always there. */
const ROLE_COLUMNS = [
  { name: 'name', type: 'text' }, { name: 'superuser', type: 'bool' }, { name: 'login', type: 'bool' }, { name: 'password', type: 'text' },
] as const;

/** A stored password in PostgreSQL's encrypted forms (kept as given). */
function isEncrypted(text: string): boolean {
  return /^md5[0-9a-f]{32}$/.test(text) || /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(text);
}

export class Roles {
  private creating: Promise<unknown> | undefined;
  /** Last list read by refresh(), for the synchronous catalog views. */
  private snapshot: RoleRecord[] = [];

  constructor(private readonly engine: Engine, private readonly encryptor?: PasswordEncryptor) {}

  private async ensureTable(): Promise<number> {
    let t = this.engine.catalog.table(ROLES_TABLE);
    if (!t) {
      this.creating ??= this.engine.ddl({
        kind: 'create', ifNotExists: true,
        table: { name: ROLES_TABLE, columns: ROLE_COLUMNS.map((c) => ({ ...c })), partitionKey: ['name'], clusteringKey: [], options: {} },
      });
      await this.creating;
      t = this.engine.catalog.table(ROLES_TABLE)!;
    }
    return t.id;
  }

  private key(tableId: number, name: string): { table: number; pkey: string; ckey: string } {
    return { table: tableId, pkey: this.engine.catalog.codec(tableId).pkey([name]), ckey: '' };
  }

  /** The role's record; the bootstrap superuser without a row is a superuser without a password. */
  async get(name: string): Promise<RoleRecord | undefined> {
    const t = this.engine.catalog.table(ROLES_TABLE);
    const row = t ? await this.engine.get(t.id, this.key(t.id, name).pkey, '') : undefined;
    if (row) return recordOf(row.values);
    return name === BOOTSTRAP_SUPERUSER ? { name, superuser: true, login: true, password: null } : undefined;
  }

  /** Every role, by name (bootstrap superuser included); also refreshes snapshot(). */
  async list(): Promise<RoleRecord[]> {
    const out = new Map<string, RoleRecord>([[BOOTSTRAP_SUPERUSER, { name: BOOTSTRAP_SUPERUSER, superuser: true, login: true, password: null }]]);
    const t = this.engine.catalog.table(ROLES_TABLE);
    let from: string | undefined = t ? '' : undefined;
    while (from !== undefined) {
      const page = await this.engine.scanPage({ table: t!.id, from });
      for (const r of page.rows) out.set(r.values.name as string, recordOf(r.values));
      from = page.next;
    }
    this.snapshot = [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.snapshot;
  }

  /** The roles as last listed by this process (pg_roles is a synchronous view). */
  cached(): RoleRecord[] {
    return this.snapshot.length ? this.snapshot : [{ name: BOOTSTRAP_SUPERUSER, superuser: true, login: true, password: null }];
  }

  async create(name: string, changes: RoleChanges, defaults: { login: boolean }, method: PasswordMethod): Promise<void> {
    if (await this.get(name)) throw new SqlError(SqlState.duplicateObject, `role "${name}" already exists`);
    await this.write({
      name, superuser: changes.superuser ?? false, login: changes.login ?? defaults.login,
      password: this.passwordOf(name, changes.password, method) ?? null,
    });
  }

  async alter(name: string, changes: RoleChanges, method: PasswordMethod): Promise<void> {
    const r = await this.get(name);
    if (!r) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
    const password = this.passwordOf(name, changes.password, method);
    await this.write({
      name, superuser: changes.superuser ?? r.superuser, login: changes.login ?? r.login, password: password === undefined ? r.password : password,
    });
  }

  /** Returns false when the role did not exist. */
  async drop(name: string): Promise<boolean> {
    if (name === BOOTSTRAP_SUPERUSER) throw new SqlError(SqlState.dependentObjectsStillExist, `role "${name}" cannot be dropped because some objects depend on it`);
    if (!(await this.get(name))) return false;
    const tableId = await this.ensureTable();
    await this.engine.apply([{ ...this.key(tableId, name), row: { del: { ts: this.engine.now(), w: this.engine.writerId } } }]);
    return true;
  }

  private passwordOf(name: string, password: string | null | undefined, method: PasswordMethod): string | null | undefined {
    if (password === undefined || password === null) return password;
    if (password === '') return null; // PostgreSQL: "empty string is not a valid password, clearing password"
    if (isEncrypted(password)) return password;
    if (!this.encryptor) throw new SqlError(SqlState.featureNotSupported, 'passwords are not supported without the wire protocol\'s authentication');
    return this.encryptor.encrypt(method, name, password);
  }

  private async write(r: RoleRecord): Promise<void> {
    const tableId = await this.ensureTable();
    const ts = this.engine.now();
    const w = this.engine.writerId;
    const cell = (v: string | boolean | null) => ({ ts, w, v });
    await this.engine.apply([{
      ...this.key(tableId, r.name),
      row: { marker: { ts, w, v: true }, cells: { superuser: cell(r.superuser), login: cell(r.login), password: cell(r.password) } },
    }]);
  }
}

function recordOf(values: Record<string, unknown>): RoleRecord {
  return {
    name: values.name as string,
    superuser: values.superuser === true,
    login: values.login === true,
    password: typeof values.password === 'string' ? values.password : null,
  };
}
