// The parse tree: immutable plain objects, one discriminated union per syntactic
// category, each node with `pos` (0-based offset into the statement text) so binding
// errors can point at the source. Produced by parser.ts, consumed by binder.ts/ddl.ts.

export interface TypeName {
  /** Possibly schema-qualified, lower-cased; multi-word names joined ('double precision'). */
  names: string[];
  /** Type modifiers: varchar(10) -> [10], numeric(10,2) -> [10, 2]. */
  mods: number[];
  arrayDims: number;
  pos: number;
}

export type Literal =
  | { type: 'integer'; text: string }
  | { type: 'numeric'; text: string }
  | { type: 'string'; text: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export type Expr =
  | { kind: 'literal'; value: Literal; pos: number }
  | { kind: 'param'; index: number; pos: number }
  | { kind: 'column'; parts: string[]; pos: number }
  /** `*` or `t.*` in a select list. */
  | { kind: 'star'; table?: string[]; pos: number }
  | { kind: 'unary'; op: string; arg: Expr; pos: number }
  /** Arithmetic, comparison, string and other binary operators; `and`/`or` too. */
  | { kind: 'binary'; op: string; left: Expr; right: Expr; pos: number }
  | { kind: 'not'; arg: Expr; pos: number }
  | { kind: 'isNull'; arg: Expr; not: boolean; pos: number }
  | { kind: 'isBool'; arg: Expr; value: boolean | null; not: boolean; pos: number }
  | { kind: 'isDistinct'; left: Expr; right: Expr; not: boolean; pos: number }
  | { kind: 'between'; arg: Expr; low: Expr; high: Expr; not: boolean; symmetric: boolean; pos: number }
  | { kind: 'like'; arg: Expr; pattern: Expr; escape?: Expr; not: boolean; ci: boolean; pos: number }
  | { kind: 'inList'; arg: Expr; list: Expr[]; not: boolean; pos: number }
  | { kind: 'inQuery'; arg: Expr; query: SelectStmt; not: boolean; pos: number }
  | { kind: 'exists'; query: SelectStmt; pos: number }
  | { kind: 'subquery'; query: SelectStmt; pos: number }
  /** `left op ANY (array | subquery)` / ALL. */
  | { kind: 'quantified'; op: string; quantifier: 'any' | 'all'; left: Expr; right: Expr | { query: SelectStmt }; pos: number }
  | { kind: 'func'; name: string[]; args: Expr[]; star: boolean; distinct: boolean; orderBy?: OrderItem[]; filter?: Expr; over?: WindowSpec; pos: number }
  | { kind: 'cast'; arg: Expr; type: TypeName; pos: number }
  | { kind: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr; pos: number }
  | { kind: 'array'; elements: Expr[]; pos: number }
  | { kind: 'arrayQuery'; query: SelectStmt; pos: number }
  | { kind: 'subscript'; arg: Expr; index: Expr; pos: number }
  | { kind: 'row'; fields: Expr[]; pos: number }
  | { kind: 'collate'; arg: Expr; collation: string[]; pos: number }
  /** DEFAULT in VALUES lists and UPDATE SET. */
  | { kind: 'default'; pos: number };

export interface WindowSpec {
  partitionBy: Expr[];
  orderBy: OrderItem[];
  /** A frame clause other than the default (text, for the error message). */
  frame?: string;
  pos: number;
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  /** undefined: PostgreSQL's default (NULLS LAST for ASC, FIRST for DESC). */
  nullsFirst?: boolean;
}

export interface Alias {
  name: string;
  columns?: string[];
}

export type FromItem =
  | { kind: 'table'; name: string[]; alias?: Alias; pos: number }
  | { kind: 'subquery'; query: SelectStmt; alias?: Alias; lateral: boolean; pos: number }
  | { kind: 'function'; func: Expr & { kind: 'func' }; alias?: Alias; ordinality: boolean; lateral: boolean; pos: number }
  | { kind: 'join'; type: 'inner' | 'left' | 'right' | 'full' | 'cross'; left: FromItem; right: FromItem; on?: Expr; using?: string[]; natural: boolean; pos: number };

export interface Target {
  expr: Expr;
  alias?: string;
  pos: number;
}

export interface SelectCore {
  kind: 'core';
  /** false, true (DISTINCT) or the DISTINCT ON expressions. */
  distinct: boolean | Expr[];
  targets: Target[];
  from: FromItem[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  pos: number;
}

export type QueryBody =
  | SelectCore
  | { kind: 'values'; rows: Expr[][]; pos: number }
  | { kind: 'setop'; op: 'union' | 'intersect' | 'except'; all: boolean; left: QueryBody; right: QueryBody; pos: number }
  | { kind: 'nested'; query: SelectStmt; pos: number };

export interface Cte {
  name: string;
  columns?: string[];
  query: SelectStmt;
  pos: number;
}

export interface SelectStmt {
  kind: 'select';
  with?: { recursive: boolean; ctes: Cte[] };
  body: QueryBody;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
  /** FOR UPDATE / FOR SHARE: accepted, no locking in eventual mode. */
  locking: boolean;
  pos: number;
}

export interface ColumnConstraintSet {
  notNull?: boolean;
  nullable?: boolean;
  primaryKey?: boolean;
  unique?: boolean;
  default?: { expr: Expr; text: string };
  check?: { expr: Expr; text: string };
  references?: boolean;
}

export interface ColumnDefAst {
  name: string;
  type: TypeName;
  constraints: ColumnConstraintSet;
  pos: number;
}

export type TableConstraint =
  | { kind: 'primaryKey'; name?: string; columns: string[]; pos: number }
  | { kind: 'unique'; name?: string; columns: string[]; pos: number }
  | { kind: 'check'; name?: string; expr: Expr; text: string; pos: number }
  | { kind: 'foreignKey'; name?: string; pos: number };

export type AlterAction =
  | { kind: 'addColumn'; column: ColumnDefAst; ifNotExists: boolean; pos: number }
  | { kind: 'dropColumn'; name: string; ifExists: boolean; pos: number }
  | { kind: 'addConstraint'; constraint: TableConstraint; pos: number }
  | { kind: 'renameTable'; to: string; pos: number }
  | { kind: 'renameColumn'; from: string; to: string; pos: number }
  | { kind: 'alterColumn'; column: string; action: 'setDefault' | 'dropDefault' | 'setNotNull' | 'dropNotNull'; default?: { expr: Expr; text: string }; pos: number }
  | { kind: 'setOptions'; options: Record<string, string>; pos: number };

export interface OnConflict {
  target?: string[];
  action: 'nothing' | 'update';
  sets?: SetClause[];
  where?: Expr;
  pos: number;
}

export interface SetClause {
  column: string;
  value: Expr;
  pos: number;
}

export type Statement =
  | SelectStmt
  | { kind: 'insert'; table: string[]; alias?: string; columns?: { name: string; pos: number }[]; source: SelectStmt | 'default'; onConflict?: OnConflict; returning?: Target[]; with?: SelectStmt['with']; pos: number }
  | { kind: 'update'; table: string[]; alias?: string; sets: SetClause[]; from: FromItem[]; where?: Expr; returning?: Target[]; with?: SelectStmt['with']; pos: number }
  | { kind: 'delete'; table: string[]; alias?: string; using: FromItem[]; where?: Expr; returning?: Target[]; with?: SelectStmt['with']; pos: number }
  | { kind: 'createTable'; name: string[]; ifNotExists: boolean; columns: ColumnDefAst[]; constraints: TableConstraint[]; options: Record<string, string>; temporary: boolean; pos: number }
  | { kind: 'createIndex'; name?: string; table: string[]; columns: { name: string; pos: number }[]; unique: boolean; ifNotExists: boolean; using?: string; pos: number }
  | { kind: 'drop'; object: 'table' | 'index' | 'view' | 'sequence' | 'schema'; names: string[][]; ifExists: boolean; cascade: boolean; pos: number }
  | { kind: 'truncate'; tables: string[][]; restartIdentity: boolean; pos: number }
  | { kind: 'alterTable'; table: string[]; ifExists: boolean; actions: AlterAction[]; pos: number }
  | { kind: 'begin'; pos: number }
  | { kind: 'commit'; pos: number }
  | { kind: 'rollback'; pos: number }
  | { kind: 'savepoint'; op: 'savepoint' | 'release' | 'rollbackTo'; name: string; pos: number }
  | { kind: 'set'; name: string; value: string[] | 'default'; local: boolean; pos: number }
  | { kind: 'setTransaction'; pos: number }
  | { kind: 'show'; name: string; pos: number }
  | { kind: 'reset'; name: string; pos: number }
  | { kind: 'vacuum'; analyzeOnly: boolean; tables: string[][]; pos: number }
  | { kind: 'explain'; analyze: boolean; statement: Statement; pos: number }
  | { kind: 'declare'; name: string; query: SelectStmt; hold: boolean; binary: boolean; pos: number }
  | { kind: 'fetch'; name: string; count: number | 'all'; move: boolean; pos: number }
  | { kind: 'close'; name: string | null; pos: number }
  | { kind: 'copy'; table: string[]; columns?: string[]; query?: SelectStmt; direction: 'from' | 'to'; target: 'stdin' | 'stdout'; options: Record<string, string>; pos: number }
  | { kind: 'discard'; pos: number }
  | { kind: 'listen'; pos: number }
  /** CREATE / ALTER ROLE (or USER, which defaults to LOGIN); options left out are unchanged or default. */
  | { kind: 'role'; op: 'create' | 'alter'; name: string; user: boolean; options: RoleOptionsAst; pos: number }
  | { kind: 'dropRole'; names: string[]; ifExists: boolean; pos: number }
  | { kind: 'unsupported'; feature: string; pos: number };

export interface RoleOptionsAst {
  superuser?: boolean;
  login?: boolean;
  /** null: PASSWORD NULL. */
  password?: string | null;
}

export type StatementKind = Statement['kind'];

/** One statement of a query string with its source span. */
export interface ParsedStatement {
  stmt: Statement;
  /** Source text of this statement (without the trailing `;`). */
  text: string;
  /** Offset of `text` within the whole query string. */
  offset: number;
  /** Highest $n referenced. */
  paramCount: number;
}
