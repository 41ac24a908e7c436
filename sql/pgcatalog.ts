// pg_catalog and information_schema as virtual tables generated from the engine
// catalog on every read: what psql's \l \dt \d \d+ \dn \du and drivers ask for
// (see ../shared/reference/pg-client-sql/psql-meta.sql). Shapes follow PostgreSQL 15.

import type { SqlValue } from './values.js';
import type { SqlType } from './types.js';
import type { SqlTable } from './schema.js';

/** What virtual tables are generated from. */
export interface CatalogEnv {
  tables: SqlTable[];
  user: string;
  database: string;
  settings: [string, string][];
  /** Roles as last read from tessera$roles (sql/roles.ts). */
  roles: { name: string; superuser: boolean; login: boolean; password: string | null }[];
}

export interface VirtualTable {
  schema: 'pg_catalog' | 'information_schema';
  name: string;
  oid: number;
  columns: { name: string; type: SqlType }[];
  rows(env: CatalogEnv): SqlValue[][];
}

const REGISTRY = new Map<string, VirtualTable>();

export function registerVirtual(t: VirtualTable): void {
  REGISTRY.set(`${t.schema}.${t.name}`, t);
}

export function virtualTable(schema: string, name: string): VirtualTable | undefined {
  return REGISTRY.get(`${schema}.${name}`);
}

export function virtualTables(): VirtualTable[] {
  return [...REGISTRY.values()];
}
