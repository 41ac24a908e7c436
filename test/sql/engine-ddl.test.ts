// The two catalog operations the SQL layer added to engine/catalog.ts: an atomic
// rename-over-existing (TRUNCATE and ADD PRIMARY KEY swap in a rebuilt table) and
// altering a column's definition (ALTER COLUMN SET/DROP DEFAULT / NOT NULL).

import { describe, expect, it } from 'vitest';
import { applyDdl, emptyCatalog, SchemaError } from '../../engine/catalog.js';

const def = (name: string) => ({ name, columns: [{ name: 'k', type: 'int4' as const }, { name: 'v', type: 'text' as const }], partitionKey: ['k'], clusteringKey: [], options: {} });

describe('engine catalog: rename with replace, alterColumn', () => {
  it('rename onto an existing name needs replace and drops the old table in the same step', () => {
    let s = applyDdl(emptyCatalog(), { kind: 'create', table: def('t') });
    s = applyDdl(s, { kind: 'create', table: def('t$new') });
    expect(() => applyDdl(s, { kind: 'rename', name: 't$new', to: 't' })).toThrow(SchemaError);
    const next = applyDdl(s, { kind: 'rename', name: 't$new', to: 't', replace: true });
    expect(next.tables.map((t) => [t.name, t.id])).toEqual([['t', 2]]);
    expect(next.version).toBe(s.version + 1);
  });

  it('alterColumn replaces a column definition but never its type', () => {
    const s = applyDdl(emptyCatalog(), { kind: 'create', table: def('t') });
    const next = applyDdl(s, { kind: 'alterColumn', name: 't', column: { name: 'v', type: 'text', notNull: true, default: "'x'" } });
    expect(next.tables[0].columns[1]).toEqual({ name: 'v', type: 'text', notNull: true, default: "'x'" });
    expect(() => applyDdl(s, { kind: 'alterColumn', name: 't', column: { name: 'v', type: 'int4' } })).toThrow(/type/);
    expect(() => applyDdl(s, { kind: 'alterColumn', name: 't', column: { name: 'nope', type: 'text' } })).toThrow(/does not exist/);
  });
});
