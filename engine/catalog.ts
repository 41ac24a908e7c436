// The schema catalog: every table's definition. One node-wide copy is owned by the
// supervisor (durable in <data>/schema.mpk) and pushed to every shard, so all shards
// hold the identical catalog. Applying DDL is a pure function of (catalog, ddl).

import { KeyCodec, KeyError } from './keys.js';
import type { ColumnDef, TableSchema, Value } from './types.js';

export interface CatalogState {
  version: number;
  nextTableId: number;
  tables: TableSchema[];
}

export type TableDef = Omit<TableSchema, 'id'>;

export type Ddl =
  | { kind: 'create'; table: TableDef; ifNotExists?: boolean }
  | { kind: 'drop'; name: string; ifExists?: boolean }
  | { kind: 'addColumns'; name: string; columns: ColumnDef[] }
  | { kind: 'dropColumns'; name: string; columns: string[] }
  | { kind: 'setOptions'; name: string; options: Record<string, Value> }
  | { kind: 'alterColumn'; name: string; column: ColumnDef }
  /** With replace, an existing table named `to` is dropped in the same step (atomic swap). */
  | { kind: 'rename'; name: string; to: string; replace?: boolean };

export type SchemaErrorCode = 'table_exists' | 'no_such_table' | 'column_exists' | 'no_such_column' | 'invalid';

/** An expected failure of DDL; front ends map `code` to SQLSTATE / Dynamo error types. */
export class SchemaError extends Error {
  constructor(readonly code: SchemaErrorCode, message: string) {
    super(message);
  }
}

export const emptyCatalog = (): CatalogState => ({ version: 0, nextTableId: 1, tables: [] });

const NAME_MAX = 255;

function validateTable(t: TableDef): void {
  if (!t.name || t.name.length > NAME_MAX) throw new SchemaError('invalid', `invalid table name "${t.name}"`);
  const seen = new Set<string>();
  for (const c of t.columns) {
    if (seen.has(c.name)) throw new SchemaError('column_exists', `column "${c.name}" specified more than once`);
    seen.add(c.name);
  }
  if (t.partitionKey.length === 0) throw new SchemaError('invalid', `table "${t.name}" needs a partition key`);
  const keys = [...t.partitionKey, ...t.clusteringKey];
  if (new Set(keys).size !== keys.length) throw new SchemaError('invalid', `a column appears twice in the key of "${t.name}"`);
  if (t.clusteringOrder && t.clusteringOrder.length !== t.clusteringKey.length) {
    throw new SchemaError('invalid', 'clustering order must name every clustering column');
  }
  try {
    new KeyCodec({ ...t, id: 0 });
  } catch (e) {
    if (e instanceof KeyError) throw new SchemaError('invalid', e.message);
    throw e;
  }
}

function find(state: CatalogState, name: string): TableSchema {
  const t = state.tables.find((x) => x.name === name);
  if (!t) throw new SchemaError('no_such_table', `table "${name}" does not exist`);
  return t;
}

function replace(state: CatalogState, table: TableSchema): CatalogState {
  return { ...state, version: state.version + 1, tables: state.tables.map((t) => (t.id === table.id ? table : t)) };
}

/** Returns the catalog after `ddl`, or throws SchemaError. Never mutates `state`. */
export function applyDdl(state: CatalogState, ddl: Ddl): CatalogState {
  switch (ddl.kind) {
    case 'create': {
      if (state.tables.some((t) => t.name === ddl.table.name)) {
        if (ddl.ifNotExists) return state;
        throw new SchemaError('table_exists', `relation "${ddl.table.name}" already exists`);
      }
      validateTable(ddl.table);
      const table: TableSchema = { ...ddl.table, id: state.nextTableId };
      return { version: state.version + 1, nextTableId: state.nextTableId + 1, tables: [...state.tables, table] };
    }
    case 'drop': {
      if (!state.tables.some((t) => t.name === ddl.name)) {
        if (ddl.ifExists) return state;
        find(state, ddl.name);
      }
      return { ...state, version: state.version + 1, tables: state.tables.filter((t) => t.name !== ddl.name) };
    }
    case 'addColumns': {
      const t = find(state, ddl.name);
      for (const c of ddl.columns) {
        if (t.columns.some((x) => x.name === c.name)) throw new SchemaError('column_exists', `column "${c.name}" of relation "${t.name}" already exists`);
      }
      return replace(state, { ...t, columns: [...t.columns, ...ddl.columns] });
    }
    case 'dropColumns': {
      const t = find(state, ddl.name);
      for (const name of ddl.columns) {
        if (!t.columns.some((x) => x.name === name)) throw new SchemaError('no_such_column', `column "${name}" of relation "${t.name}" does not exist`);
        if (t.partitionKey.includes(name) || t.clusteringKey.includes(name)) throw new SchemaError('invalid', `cannot drop key column "${name}"`);
      }
      return replace(state, { ...t, columns: t.columns.filter((c) => !ddl.columns.includes(c.name)) });
    }
    case 'setOptions': {
      const t = find(state, ddl.name);
      return replace(state, { ...t, options: { ...t.options, ...ddl.options } });
    }
    case 'alterColumn': {
      const t = find(state, ddl.name);
      const old = t.columns.find((c) => c.name === ddl.column.name);
      if (!old) throw new SchemaError('no_such_column', `column "${ddl.column.name}" of relation "${t.name}" does not exist`);
      if (old.type !== ddl.column.type) throw new SchemaError('invalid', `cannot change the type of column "${old.name}"`);
      return replace(state, { ...t, columns: t.columns.map((c) => (c.name === old.name ? ddl.column : c)) });
    }
    case 'rename': {
      const t = find(state, ddl.name);
      const target = state.tables.find((x) => x.name === ddl.to);
      if (target && !ddl.replace) throw new SchemaError('table_exists', `relation "${ddl.to}" already exists`);
      const renamed = replace(state, { ...t, name: ddl.to });
      return target ? { ...renamed, tables: renamed.tables.filter((x) => x.id !== target.id) } : renamed;
    }
    default: {
      const never: never = ddl;
      throw new Error(`unknown DDL ${JSON.stringify(never)}`);
    }
  }
}

/** Read-only view of the catalog with the derived key codecs. */
export class Catalog {
  private byName = new Map<string, TableSchema>();
  private byId = new Map<number, TableSchema>();
  private codecs = new Map<number, KeyCodec>();

  constructor(public state: CatalogState = emptyCatalog()) {
    this.set(state);
  }

  set(state: CatalogState): void {
    this.state = state;
    this.byName = new Map(state.tables.map((t) => [t.name, t]));
    this.byId = new Map(state.tables.map((t) => [t.id, t]));
    const codecs = new Map<number, KeyCodec>();
    for (const t of state.tables) codecs.set(t.id, this.codecs.get(t.id)?.table === t ? this.codecs.get(t.id)! : new KeyCodec(t));
    this.codecs = codecs;
  }

  get version(): number {
    return this.state.version;
  }

  tables(): TableSchema[] {
    return this.state.tables;
  }

  table(name: string): TableSchema | undefined {
    return this.byName.get(name);
  }

  tableById(id: number): TableSchema | undefined {
    return this.byId.get(id);
  }

  /** The table or a SchemaError naming it. */
  require(name: string): TableSchema {
    const t = this.byName.get(name);
    if (!t) throw new SchemaError('no_such_table', `relation "${name}" does not exist`);
    return t;
  }

  codec(tableId: number): KeyCodec {
    const c = this.codecs.get(tableId);
    if (!c) throw new SchemaError('no_such_table', `table id ${tableId} does not exist`);
    return c;
  }
}
