// The rows of pg_catalog and information_schema, generated from the SQL tables on every
// read. Only what clients read is filled in (see ../shared/reference/pg-clients.md §5);
// catalogs of features Tessera lacks (inheritance, policies, publications, triggers,
// extended statistics) exist and are empty so client queries join against them cleanly.
// OIDs: a table's block of OIDS_PER_TABLE oids holds the table (+0), its primary key
// index (+1), sequences (+2..), secondary indexes (+16..), the primary key constraint
// (+40) and CHECK constraints (+41..).

import { registeredFunctionNames } from './functions.js';
import { registerVirtual, virtualTables, type CatalogEnv, type VirtualTable } from './pgcatalog.js';
import type { SqlTable } from './schema.js';
import { allTypeOids, formatType, numericPrecisionScale, Oid, T, typeInfo, typeSize, type SqlType } from './types.js';
import type { SqlValue } from './values.js';

export const NAMESPACE = { pg_catalog: 11, public: 2200, information_schema: 13183, pg_toast: 99 } as const;
const SUPERUSER_OID = 10;
const HEAP_AM = 2;
const BTREE_AM = 403;
const DEFAULT_COLLATION = 100;
const CATALOG_OID_BASE = 1000;
const FUNCTION_OID_BASE = 3000;
export const DATABASE_OID = 16384;

const pkConstraintOid = (t: SqlTable): number => t.oid + 40;
const checkOid = (t: SqlTable, k: number): number => t.oid + 41 + k;

export function catalogEnvOf(tables: SqlTable[], user: string, database: string, settings: [string, string][], roles: CatalogEnv['roles'] = []): CatalogEnv {
  return { tables, user, database, settings, roles };
}

/** relation oid -> name, for tables, indexes, sequences and catalog tables. */
export function relationByOid(env: CatalogEnv, oid: number): string | undefined {
  for (const t of env.tables) {
    if (t.oid === oid) return t.name;
    if (t.meta.pk.length && t.pkeyIndexOid === oid) return t.primaryKeyName;
    const s = t.meta.sequences.findIndex((_x, k) => t.sequenceOid(k) === oid);
    if (s >= 0) return t.meta.sequences[s].name;
    const i = t.meta.indexes.findIndex((_x, k) => t.indexOid(k) === oid);
    if (i >= 0) return t.meta.indexes[i].name;
  }
  const v = virtualTables().find((x) => x.oid === oid);
  return v ? (v.schema === 'pg_catalog' ? v.name : `${v.schema}.${v.name}`) : undefined;
}

export function relationOidByName(env: CatalogEnv, name: string): number | undefined {
  for (const t of env.tables) {
    if (t.name === name) return t.oid;
    if (t.meta.pk.length && t.primaryKeyName === name) return t.pkeyIndexOid;
    const s = t.meta.sequences.findIndex((x) => x.name === name);
    if (s >= 0) return t.sequenceOid(s);
    const i = t.meta.indexes.findIndex((x) => x.name === name);
    if (i >= 0) return t.indexOid(i);
  }
  const [schema, rel] = name.includes('.') ? name.split('.') : ['pg_catalog', name];
  return virtualTables().find((x) => x.name === rel && x.schema === schema)?.oid;
}

export function indexDefinition(env: CatalogEnv, oid: number): string | null {
  for (const t of env.tables) {
    if (t.meta.pk.length && t.pkeyIndexOid === oid) return `CREATE UNIQUE INDEX ${t.primaryKeyName} ON public.${t.name} USING btree (${t.meta.pk.join(', ')})`;
    const i = t.meta.indexes.findIndex((_x, k) => t.indexOid(k) === oid);
    if (i >= 0) {
      const ix = t.meta.indexes[i];
      return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ix.name} ON public.${t.name} USING btree (${ix.columns.join(', ')})`;
    }
  }
  return null;
}

/** pg_get_constraintdef; `pretty` (psql's \d) drops the redundant parentheses as PostgreSQL does. */
export function constraintDefinition(env: CatalogEnv, oid: number, pretty = false): string | null {
  for (const t of env.tables) {
    if (t.meta.pk.length && pkConstraintOid(t) === oid) return `PRIMARY KEY (${t.meta.pk.join(', ')})`;
    const k = t.meta.checks.findIndex((_c, i) => checkOid(t, i) === oid);
    if (k >= 0) return pretty ? `CHECK (${t.meta.checks[k].text})` : `CHECK ((${t.meta.checks[k].text}))`;
  }
  return null;
}

// ---- helpers ----

type Col = [string, SqlType];

let nextCatalogOid = CATALOG_OID_BASE;

function table(schema: VirtualTable['schema'], name: string, cols: Col[], rows: (env: CatalogEnv) => SqlValue[][]): void {
  registerVirtual({ schema, name, oid: nextCatalogOid++, columns: cols.map(([n, t]) => ({ name: n, type: t })), rows });
}

const empty = (): SqlValue[][] => [];

const { oid, name, text, bool, int2, int4, int8, char, float4, regproc, aclitemArray, textArray, oidArray, int2vector, oidvector, pgNodeTree, timestamptz, regtype, charArray } = {
  ...T, oid: T.oid, name: T.name, text: T.text, bool: T.bool, int2: T.int2, int4: T.int4, int8: T.int8, char: T.char, float4: T.float4, regproc: T.regproc,
};
const int2Array: SqlType = { oid: Oid.int2Array, mod: -1 };
const varchar: SqlType = T.varchar;

function visibleUserRelations(env: CatalogEnv): { oid: number; name: string; kind: string; table: SqlTable; am: number; natts: number }[] {
  const out: { oid: number; name: string; kind: string; table: SqlTable; am: number; natts: number }[] = [];
  for (const t of env.tables) {
    out.push({ oid: t.oid, name: t.name, kind: 'r', table: t, am: HEAP_AM, natts: t.visible.length });
    if (t.meta.pk.length) out.push({ oid: t.pkeyIndexOid, name: t.primaryKeyName, kind: 'i', table: t, am: BTREE_AM, natts: t.meta.pk.length });
    t.meta.sequences.forEach((s, k) => out.push({ oid: t.sequenceOid(k), name: s.name, kind: 'S', table: t, am: 0, natts: 3 }));
    t.meta.indexes.forEach((ix, k) => out.push({ oid: t.indexOid(k), name: ix.name, kind: 'i', table: t, am: BTREE_AM, natts: ix.columns.length }));
  }
  return out;
}

// ---- pg_catalog ----

table('pg_catalog', 'pg_namespace', [['oid', oid], ['nspname', name], ['nspowner', oid], ['nspacl', aclitemArray]], () => [
  [NAMESPACE.pg_catalog, 'pg_catalog', SUPERUSER_OID, null],
  [NAMESPACE.public, 'public', SUPERUSER_OID, null],
  [NAMESPACE.information_schema, 'information_schema', SUPERUSER_OID, null],
  [NAMESPACE.pg_toast, 'pg_toast', SUPERUSER_OID, null],
]);

table('pg_catalog', 'pg_class', [
  ['oid', oid], ['relname', name], ['relnamespace', oid], ['reltype', oid], ['reloftype', oid], ['relowner', oid], ['relam', oid],
  ['relfilenode', oid], ['reltablespace', oid], ['relpages', int4], ['reltuples', float4], ['relallvisible', int4], ['reltoastrelid', oid],
  ['relhasindex', bool], ['relisshared', bool], ['relpersistence', char], ['relkind', char], ['relnatts', int2], ['relchecks', int2],
  ['relhasrules', bool], ['relhastriggers', bool], ['relhassubclass', bool], ['relrowsecurity', bool], ['relforcerowsecurity', bool],
  ['relispopulated', bool], ['relreplident', char], ['relispartition', bool], ['relrewrite', oid], ['relfrozenxid', oid], ['relminmxid', oid],
  ['relacl', aclitemArray], ['reloptions', textArray], ['relpartbound', pgNodeTree],
], (env) => {
  const rows: SqlValue[][] = visibleUserRelations(env).map((r) => {
    const t = r.table;
    const isTable = r.kind === 'r';
    return [
      r.oid, r.name, NAMESPACE.public, 0, 0, SUPERUSER_OID, r.am, r.oid, 0, 0, -1, 0, 0,
      isTable && (t.meta.pk.length > 0 || t.meta.indexes.length > 0), false, 'p', r.kind, r.natts, isTable ? t.meta.checks.length : 0,
      false, false, false, false, false, true, isTable ? 'd' : 'n', false, 0, 0, 0, null,
      isTable && t.meta.reloptions.length ? t.meta.reloptions : null, null,
    ];
  });
  for (const v of virtualTables()) {
    rows.push([
      v.oid, v.name, NAMESPACE[v.schema], 0, 0, SUPERUSER_OID, v.schema === 'pg_catalog' ? HEAP_AM : 0, 0, 0, 0, -1, 0, 0,
      false, false, 'p', v.schema === 'pg_catalog' ? 'r' : 'v', v.columns.length, 0, false, false, false, false, false, true, 'n', false, 0, 0, 0, null, null, null,
    ]);
  }
  return rows;
});

function attRow(relid: number, attname: string, type: SqlType, attnum: number, notNull: boolean, hasDef: boolean, identity = ''): SqlValue[] {
  const info = typeInfo(type.oid);
  return [
    relid, attname, type.oid, -1, typeSize(type.oid), attnum, info.category === 'A' ? 1 : 0, -1, type.mod, typeSize(type.oid) > 0 && typeSize(type.oid) <= 8,
    typeSize(type.oid) === 8 ? 'd' : typeSize(type.oid) === 2 ? 's' : typeSize(type.oid) === 1 ? 'c' : 'i',
    typeSize(type.oid) > 0 ? 'p' : 'x', '', notNull, hasDef, false, identity, '', false, true, 0,
    info.category === 'S' && type.oid !== Oid.char ? DEFAULT_COLLATION : 0, null, null, null,
  ];
}

table('pg_catalog', 'pg_attribute', [
  ['attrelid', oid], ['attname', name], ['atttypid', oid], ['attstattarget', int4], ['attlen', int2], ['attnum', int2], ['attndims', int4],
  ['attcacheoff', int4], ['atttypmod', int4], ['attbyval', bool], ['attalign', char], ['attstorage', char], ['attcompression', char],
  ['attnotnull', bool], ['atthasdef', bool], ['atthasmissing', bool], ['attidentity', char], ['attgenerated', char], ['attisdropped', bool],
  ['attislocal', bool], ['attinhcount', int4], ['attcollation', oid], ['attacl', aclitemArray], ['attoptions', textArray], ['attfdwoptions', textArray],
], (env) => {
  const rows: SqlValue[][] = [];
  for (const t of env.tables) {
    for (const c of t.visible) rows.push(attRow(t.oid, c.name, c.type, c.attnum, c.notNull, c.default !== undefined));
    if (t.meta.pk.length) t.meta.pk.forEach((k, i) => rows.push(attRow(t.pkeyIndexOid, k, t.column(k)!.type, i + 1, false, false)));
    t.meta.indexes.forEach((ix, n) => ix.columns.forEach((k, i) => {
      const c = t.column(k);
      if (c) rows.push(attRow(t.indexOid(n), k, c.type, i + 1, false, false));
    }));
  }
  for (const v of virtualTables()) v.columns.forEach((c, i) => rows.push(attRow(v.oid, c.name, c.type, i + 1, false, false)));
  return rows;
});

/** Casts PostgreSQL shows on a string-literal default of a string column (pg_get_expr of the stored default). */
const LITERAL_DEFAULT_CAST = new Map<number, string>([[Oid.text, 'text'], [Oid.varchar, 'character varying'], [Oid.bpchar, 'bpchar']]);

/** A DEFAULT as pg_get_expr prints it: PostgreSQL keeps the coercion of a string literal as a cast. */
function defaultExpression(text: string, type: SqlType): string {
  const cast = LITERAL_DEFAULT_CAST.get(type.oid);
  return cast !== undefined && /^'(?:[^']|'')*'$/.test(text) ? `${text}::${cast}` : text;
}

table('pg_catalog', 'pg_attrdef', [['oid', oid], ['adrelid', oid], ['adnum', int2], ['adbin', pgNodeTree]], (env) => {
  const rows: SqlValue[][] = [];
  for (const t of env.tables) for (const c of t.visible) if (c.default !== undefined) rows.push([t.oid + 48 + c.attnum, t.oid, c.attnum, defaultExpression(c.default, c.type)]);
  return rows;
});

table('pg_catalog', 'pg_index', [
  ['indexrelid', oid], ['indrelid', oid], ['indnatts', int2], ['indnkeyatts', int2], ['indisunique', bool], ['indnullsnotdistinct', bool],
  ['indisprimary', bool], ['indisexclusion', bool], ['indimmediate', bool], ['indisclustered', bool], ['indisvalid', bool],
  ['indcheckxmin', bool], ['indisready', bool], ['indislive', bool], ['indisreplident', bool], ['indkey', int2vector],
  ['indcollation', oidvector], ['indclass', oidvector], ['indoption', int2vector], ['indexprs', pgNodeTree], ['indpred', pgNodeTree],
], (env) => {
  const rows: SqlValue[][] = [];
  const row = (t: SqlTable, ioid: number, cols: string[], unique: boolean, primary: boolean): SqlValue[] => [
    ioid, t.oid, cols.length, cols.length, unique, false, primary, false, true, false, true, false, true, true, false,
    cols.map((c) => t.column(c)?.attnum ?? 0), cols.map(() => 0), cols.map(() => 0), cols.map(() => 0), null, null,
  ];
  for (const t of env.tables) {
    if (t.meta.pk.length) rows.push(row(t, t.pkeyIndexOid, t.meta.pk, true, true));
    t.meta.indexes.forEach((ix, k) => rows.push(row(t, t.indexOid(k), ix.columns, ix.unique, false)));
  }
  return rows;
});

table('pg_catalog', 'pg_constraint', [
  ['oid', oid], ['conname', name], ['connamespace', oid], ['contype', char], ['condeferrable', bool], ['condeferred', bool], ['convalidated', bool],
  ['conrelid', oid], ['contypid', oid], ['conindid', oid], ['conparentid', oid], ['confrelid', oid], ['confupdtype', char], ['confdeltype', char],
  ['confmatchtype', char], ['conislocal', bool], ['coninhcount', int4], ['connoinherit', bool], ['conkey', int2Array], ['confkey', int2Array],
  ['conbin', pgNodeTree],
], (env) => {
  const rows: SqlValue[][] = [];
  for (const t of env.tables) {
    if (t.meta.pk.length) {
      rows.push([pkConstraintOid(t), t.primaryKeyName, NAMESPACE.public, 'p', false, false, true, t.oid, 0, t.pkeyIndexOid, 0, 0, ' ', ' ', ' ', true, 0, true, t.meta.pk.map((k) => t.column(k)!.attnum), null, null]);
    }
    t.meta.checks.forEach((c, k) => rows.push([checkOid(t, k), c.name, NAMESPACE.public, 'c', false, false, true, t.oid, 0, 0, 0, 0, ' ', ' ', ' ', true, 0, false, null, null, c.text]));
  }
  return rows;
});

table('pg_catalog', 'pg_am', [['oid', oid], ['amname', name], ['amhandler', regproc], ['amtype', char]], () => [
  [HEAP_AM, 'heap', 0, 't'], [BTREE_AM, 'btree', 0, 'i'], [405, 'hash', 0, 'i'], [783, 'gist', 0, 'i'], [2742, 'gin', 0, 'i'], [3580, 'brin', 0, 'i'],
]);

table('pg_catalog', 'pg_type', [
  ['oid', oid], ['typname', name], ['typnamespace', oid], ['typowner', oid], ['typlen', int2], ['typbyval', bool], ['typtype', char],
  ['typcategory', char], ['typispreferred', bool], ['typisdefined', bool], ['typdelim', char], ['typrelid', oid], ['typelem', oid],
  ['typarray', oid], ['typinput', regproc], ['typoutput', regproc], ['typreceive', regproc], ['typsend', regproc], ['typalign', char],
  ['typstorage', char], ['typnotnull', bool], ['typbasetype', oid], ['typtypmod', int4], ['typndims', int4], ['typcollation', oid],
  ['typdefault', text], ['typacl', aclitemArray],
], () => allTypeOids().map((o) => {
  const t = typeInfo(o);
  return [o, t.name, NAMESPACE.pg_catalog, SUPERUSER_OID, t.len, t.len > 0 && t.len <= 8, t.category === 'P' ? 'p' : 'b', t.category, !!t.preferred, true, ',', 0,
    t.elem ?? 0, t.array ?? 0, 0, 0, 0, 0, t.len === 8 ? 'd' : 'i', t.len > 0 ? 'p' : 'x', false, 0, -1, 0, t.category === 'S' && o !== Oid.char ? DEFAULT_COLLATION : 0, null, null];
}));

table('pg_catalog', 'pg_collation', [
  ['oid', oid], ['collname', name], ['collnamespace', oid], ['collowner', oid], ['collprovider', char], ['collisdeterministic', bool],
  ['collencoding', int4], ['collcollate', text], ['collctype', text],
], () => [
  [DEFAULT_COLLATION, 'default', NAMESPACE.pg_catalog, SUPERUSER_OID, 'd', true, -1, null, null],
  [950, 'C', NAMESPACE.pg_catalog, SUPERUSER_OID, 'c', true, -1, 'C', 'C'],
  [951, 'POSIX', NAMESPACE.pg_catalog, SUPERUSER_OID, 'c', true, -1, 'POSIX', 'POSIX'],
]);

table('pg_catalog', 'pg_database', [
  ['oid', oid], ['datname', name], ['datdba', oid], ['encoding', int4], ['datlocprovider', char], ['datistemplate', bool], ['datallowconn', bool],
  ['datconnlimit', int4], ['datfrozenxid', oid], ['datminmxid', oid], ['dattablespace', oid], ['datcollate', text], ['datctype', text],
  ['daticulocale', text], ['datcollversion', text], ['datacl', aclitemArray],
], (env) => {
  const db = (o: number, n: string, template: boolean): SqlValue[] => [o, n, SUPERUSER_OID, 6, 'c', template, n !== 'template0', -1, 0, 1, 1663, 'C', 'C', null, null, template ? ['=c/postgres', 'postgres=CTc/postgres'] : null];
  const rows = [db(5, 'postgres', false), db(1, 'template1', true), db(4, 'template0', true)];
  if (!['postgres', 'template0', 'template1'].includes(env.database)) rows.push(db(DATABASE_OID, env.database, false));
  return rows;
});

/** The stored roles (sql/roles.ts), plus the session's user, who may be connected without a role row under trust. */
function rolesOf(env: CatalogEnv): CatalogEnv['roles'] {
  const roles = [...env.roles];
  if (!roles.some((r) => r.name === env.user)) roles.push({ name: env.user, superuser: true, login: true, password: null });
  return roles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The bootstrap superuser is oid 10 as in PostgreSQL; other roles get a stable oid from their name. */
function roleOid(role: string): number {
  if (role === 'postgres') return SUPERUSER_OID;
  let h = 0x811c9dc5;
  for (let i = 0; i < role.length; i++) h = Math.imul(h ^ role.charCodeAt(i), 0x01000193) >>> 0;
  return 16384 + (h % 1_000_000);
}

table('pg_catalog', 'pg_roles', [
  ['rolname', name], ['rolsuper', bool], ['rolinherit', bool], ['rolcreaterole', bool], ['rolcreatedb', bool], ['rolcanlogin', bool],
  ['rolreplication', bool], ['rolconnlimit', int4], ['rolpassword', text], ['rolvaliduntil', timestamptz], ['rolbypassrls', bool],
  ['rolconfig', textArray], ['oid', oid],
], (env) => rolesOf(env).map((r) => [r.name, r.superuser, true, r.superuser, r.superuser, r.login, r.superuser, -1, '********', null, r.superuser, null, roleOid(r.name)]));

table('pg_catalog', 'pg_user', [
  ['usename', name], ['usesysid', oid], ['usecreatedb', bool], ['usesuper', bool], ['userepl', bool], ['usebypassrls', bool],
  ['passwd', text], ['valuntil', timestamptz], ['useconfig', textArray],
], (env) => rolesOf(env).filter((r) => r.login).map((r) => [r.name, roleOid(r.name), r.superuser, r.superuser, r.superuser, r.superuser, '********', null, null]));

table('pg_catalog', 'pg_authid', [
  ['oid', oid], ['rolname', name], ['rolsuper', bool], ['rolinherit', bool], ['rolcreaterole', bool], ['rolcreatedb', bool], ['rolcanlogin', bool],
  ['rolreplication', bool], ['rolbypassrls', bool], ['rolconnlimit', int4], ['rolpassword', text], ['rolvaliduntil', timestamptz],
], (env) => rolesOf(env).map((r) => [roleOid(r.name), r.name, r.superuser, true, r.superuser, r.superuser, r.login, r.superuser, r.superuser, -1, r.password, null]));

table('pg_catalog', 'pg_auth_members', [['roleid', oid], ['member', oid], ['grantor', oid], ['admin_option', bool]], empty);
table('pg_catalog', 'pg_inherits', [['inhrelid', oid], ['inhparent', oid], ['inhseqno', int4], ['inhdetachpending', bool]], empty);
table('pg_catalog', 'pg_partitioned_table', [['partrelid', oid], ['partstrat', char], ['partnatts', int2], ['partdefid', oid], ['partattrs', int2vector]], empty);
table('pg_catalog', 'pg_policy', [['oid', oid], ['polname', name], ['polrelid', oid], ['polcmd', char], ['polpermissive', bool], ['polroles', oidArray], ['polqual', pgNodeTree], ['polwithcheck', pgNodeTree]], empty);
table('pg_catalog', 'pg_statistic_ext', [['oid', oid], ['stxrelid', oid], ['stxname', name], ['stxnamespace', oid], ['stxowner', oid], ['stxstattarget', int4], ['stxkeys', int2vector], ['stxkind', charArray], ['stxexprs', pgNodeTree]], empty);
table('pg_catalog', 'pg_publication', [['oid', oid], ['pubname', name], ['pubowner', oid], ['puballtables', bool], ['pubinsert', bool], ['pubupdate', bool], ['pubdelete', bool], ['pubtruncate', bool], ['pubviaroot', bool]], empty);
table('pg_catalog', 'pg_publication_rel', [['oid', oid], ['prpubid', oid], ['prrelid', oid], ['prqual', pgNodeTree], ['prattrs', int2vector]], empty);
table('pg_catalog', 'pg_publication_namespace', [['oid', oid], ['pnpubid', oid], ['pnnspid', oid]], empty);
table('pg_catalog', 'pg_trigger', [
  ['oid', oid], ['tgrelid', oid], ['tgparentid', oid], ['tgname', name], ['tgfoid', oid], ['tgtype', int2], ['tgenabled', char], ['tgisinternal', bool],
  ['tgconstrrelid', oid], ['tgconstrindid', oid], ['tgconstraint', oid], ['tgdeferrable', bool], ['tginitdeferred', bool], ['tgnargs', int2],
], empty);
table('pg_catalog', 'pg_description', [['objoid', oid], ['classoid', oid], ['objsubid', int4], ['description', text]], empty);
table('pg_catalog', 'pg_shdescription', [['objoid', oid], ['classoid', oid], ['description', text]], empty);
table('pg_catalog', 'pg_depend', [['classid', oid], ['objid', oid], ['objsubid', int4], ['refclassid', oid], ['refobjid', oid], ['refobjsubid', int4], ['deptype', char]], empty);
table('pg_catalog', 'pg_rewrite', [['oid', oid], ['rulename', name], ['ev_class', oid], ['ev_type', char], ['ev_enabled', char], ['is_instead', bool]], empty);
table('pg_catalog', 'pg_enum', [['oid', oid], ['enumtypid', oid], ['enumsortorder', float4], ['enumlabel', name]], empty);
table('pg_catalog', 'pg_range', [['rngtypid', oid], ['rngsubtype', oid]], empty);
table('pg_catalog', 'pg_extension', [['oid', oid], ['extname', name], ['extowner', oid], ['extnamespace', oid], ['extrelocatable', bool], ['extversion', text]], empty);
table('pg_catalog', 'pg_tablespace', [['oid', oid], ['spcname', name], ['spcowner', oid], ['spcacl', aclitemArray], ['spcoptions', textArray]], () => [[1663, 'pg_default', SUPERUSER_OID, null, null], [1664, 'pg_global', SUPERUSER_OID, null, null]]);
table('pg_catalog', 'pg_foreign_table', [['ftrelid', oid], ['ftserver', oid], ['ftoptions', textArray]], empty);
table('pg_catalog', 'pg_event_trigger', [['oid', oid], ['evtname', name], ['evtevent', name], ['evtowner', oid], ['evtfoid', oid], ['evtenabled', char]], empty);

table('pg_catalog', 'pg_proc', [
  ['oid', oid], ['proname', name], ['pronamespace', oid], ['proowner', oid], ['prolang', oid], ['prokind', char], ['prosecdef', bool],
  ['proisstrict', bool], ['proretset', bool], ['provolatile', char], ['pronargs', int2], ['prorettype', oid], ['proargtypes', oidvector],
], () => registeredFunctionNames().sort().map((n, i) => [FUNCTION_OID_BASE + i, n, NAMESPACE.pg_catalog, SUPERUSER_OID, 12, 'f', false, true, false, 'i', 0, 0, []]));

table('pg_catalog', 'pg_settings', [
  ['name', text], ['setting', text], ['unit', text], ['category', text], ['short_desc', text], ['extra_desc', text], ['context', text],
  ['vartype', text], ['source', text], ['min_val', text], ['max_val', text], ['enumvals', textArray], ['boot_val', text], ['reset_val', text],
  ['sourcefile', text], ['sourceline', int4], ['pending_restart', bool],
], (env) => env.settings.map(([n, v]) => [n, v, null, 'Tessera', null, null, 'user', 'string', 'default', null, null, null, v, v, null, null, false]));

table('pg_catalog', 'pg_tables', [
  ['schemaname', name], ['tablename', name], ['tableowner', name], ['tablespace', name], ['hasindexes', bool], ['hasrules', bool], ['hastriggers', bool], ['rowsecurity', bool],
], (env) => env.tables.map((t) => ['public', t.name, env.user, null, t.meta.pk.length > 0 || t.meta.indexes.length > 0, false, false, false]));

table('pg_catalog', 'pg_indexes', [['schemaname', name], ['tablename', name], ['indexname', name], ['tablespace', name], ['indexdef', text]], (env) => {
  const rows: SqlValue[][] = [];
  for (const t of env.tables) {
    if (t.meta.pk.length) rows.push(['public', t.name, t.primaryKeyName, null, indexDefinition(env, t.pkeyIndexOid)]);
    t.meta.indexes.forEach((ix, k) => rows.push(['public', t.name, ix.name, null, indexDefinition(env, t.indexOid(k))]));
  }
  return rows;
});

table('pg_catalog', 'pg_views', [['schemaname', name], ['viewname', name], ['viewowner', name], ['definition', text]], empty);
table('pg_catalog', 'pg_matviews', [['schemaname', name], ['matviewname', name], ['matviewowner', name], ['definition', text]], empty);

table('pg_catalog', 'pg_sequences', [
  ['schemaname', name], ['sequencename', name], ['sequenceowner', name], ['data_type', regtype], ['start_value', int8], ['min_value', int8],
  ['max_value', int8], ['increment_by', int8], ['cycle', bool], ['cache_size', int8], ['last_value', int8],
], (env) => env.tables.flatMap((t) => t.meta.sequences.map((s) => {
  const c = t.column(s.column);
  const max = c?.type.oid === Oid.int2 ? 32767n : c?.type.oid === Oid.int4 ? 2147483647n : 9223372036854775807n;
  return ['public', s.name, env.user, c?.type.oid ?? Oid.int8, 1n, 1n, max, 1n, false, 1n, null];
})));

table('pg_catalog', 'pg_stat_activity', [
  ['datid', oid], ['datname', name], ['pid', int4], ['usename', name], ['application_name', text], ['state', text], ['query', text], ['backend_start', timestamptz],
], empty);

// ---- information_schema ----

const yesNo = (b: boolean): string => (b ? 'YES' : 'NO');

table('information_schema', 'schemata', [['catalog_name', name], ['schema_name', name], ['schema_owner', name], ['default_character_set_catalog', name], ['default_character_set_schema', name], ['default_character_set_name', name], ['sql_path', varchar]], (env) => [
  [env.database, 'pg_catalog', env.user, null, null, null, null],
  [env.database, 'public', env.user, null, null, null, null],
  [env.database, 'information_schema', env.user, null, null, null, null],
]);

table('information_schema', 'tables', [
  ['table_catalog', name], ['table_schema', name], ['table_name', name], ['table_type', varchar], ['self_referencing_column_name', name],
  ['reference_generation', varchar], ['user_defined_type_catalog', name], ['user_defined_type_schema', name], ['user_defined_type_name', name],
  ['is_insertable_into', varchar], ['is_typed', varchar], ['commit_action', varchar],
], (env) => env.tables.map((t) => [env.database, 'public', t.name, 'BASE TABLE', null, null, null, null, null, 'YES', 'NO', null]));

function dataType(t: SqlType): string {
  const f = formatType(t.oid, -1);
  return t.oid === Oid.varchar ? 'character varying' : t.oid === Oid.bpchar ? 'character' : f.endsWith('[]') ? 'ARRAY' : f;
}

table('information_schema', 'columns', [
  ['table_catalog', name], ['table_schema', name], ['table_name', name], ['column_name', name], ['ordinal_position', int4], ['column_default', varchar],
  ['is_nullable', varchar], ['data_type', varchar], ['character_maximum_length', int4], ['character_octet_length', int4], ['numeric_precision', int4],
  ['numeric_precision_radix', int4], ['numeric_scale', int4], ['datetime_precision', int4], ['interval_type', varchar], ['udt_catalog', name],
  ['udt_schema', name], ['udt_name', name], ['is_identity', varchar], ['is_generated', varchar], ['is_updatable', varchar],
], (env) => {
  const rows: SqlValue[][] = [];
  for (const t of env.tables) {
    for (const c of t.visible) {
      const ty = c.type;
      const charLen = (ty.oid === Oid.varchar || ty.oid === Oid.bpchar) && ty.mod >= 4 ? ty.mod - 4 : null;
      const ps = ty.oid === Oid.numeric ? numericPrecisionScale(ty.mod) : undefined;
      const precision = ty.oid === Oid.int2 ? 16 : ty.oid === Oid.int4 ? 32 : ty.oid === Oid.int8 ? 64 : ty.oid === Oid.float4 ? 24 : ty.oid === Oid.float8 ? 53 : ps?.precision ?? null;
      const radix = [Oid.int2, Oid.int4, Oid.int8, Oid.float4, Oid.float8].includes(ty.oid as never) ? 2 : ty.oid === Oid.numeric ? 10 : null;
      const scale = [Oid.int2, Oid.int4, Oid.int8].includes(ty.oid as never) ? 0 : ps?.scale ?? null;
      rows.push([
        env.database, 'public', t.name, c.name, c.attnum, c.default ?? null, yesNo(!c.notNull), dataType(ty), charLen, charLen === null ? (ty.oid === Oid.text ? 1073741824 : null) : charLen * 4,
        precision, radix, scale, [Oid.timestamp, Oid.timestamptz, Oid.date].includes(ty.oid as never) ? (ty.oid === Oid.date ? 0 : 6) : null, null,
        env.database, 'pg_catalog', typeInfo(ty.oid).name, 'NO', 'NEVER', 'YES',
      ]);
    }
  }
  return rows;
});

table('information_schema', 'table_constraints', [
  ['constraint_catalog', name], ['constraint_schema', name], ['constraint_name', name], ['table_catalog', name], ['table_schema', name],
  ['table_name', name], ['constraint_type', varchar], ['is_deferrable', varchar], ['initially_deferred', varchar], ['enforced', varchar],
], (env) => env.tables.flatMap((t) => [
  ...(t.meta.pk.length ? [[env.database, 'public', t.primaryKeyName, env.database, 'public', t.name, 'PRIMARY KEY', 'NO', 'NO', 'YES']] : []),
  ...t.meta.checks.map((c) => [env.database, 'public', c.name, env.database, 'public', t.name, 'CHECK', 'NO', 'NO', 'YES']),
]));

table('information_schema', 'key_column_usage', [
  ['constraint_catalog', name], ['constraint_schema', name], ['constraint_name', name], ['table_catalog', name], ['table_schema', name],
  ['table_name', name], ['column_name', name], ['ordinal_position', int4], ['position_in_unique_constraint', int4],
], (env) => env.tables.flatMap((t) => t.meta.pk.map((k, i) => [env.database, 'public', t.primaryKeyName, env.database, 'public', t.name, k, i + 1, null])));

table('information_schema', 'views', [['table_catalog', name], ['table_schema', name], ['table_name', name], ['view_definition', varchar]], empty);
table('information_schema', 'sequences', [['sequence_catalog', name], ['sequence_schema', name], ['sequence_name', name], ['data_type', varchar]], (env) => env.tables.flatMap((t) => t.meta.sequences.map((s) => [env.database, 'public', s.name, dataType(t.column(s.column)?.type ?? T.int8)])));

export { int2Array };
