// Recursive-descent parser for the PostgreSQL dialect Tessera serves (see README.md,
// "Why not node-sql-parser"). Operator precedence follows PostgreSQL's documentation
// (sql-syntax-lexical.html, table 4.2), lowest first:
//   OR, AND, NOT, IS/ISNULL/NOTNULL, comparison, BETWEEN/IN/LIKE/ILIKE/SIMILAR,
//   any other operator, + -, * / %, ^, unary + -, COLLATE/AT, [] subscript, :: cast.

import type {
  WindowSpec, AlterAction, Alias, ColumnConstraintSet, ColumnDefAst, Cte, Expr, FromItem, Literal, OnConflict,
  OrderItem, ParsedStatement, QueryBody, SelectCore, SelectStmt, RoleOptionsAst, SetClause, Statement, TableConstraint, Target, TypeName,
} from './ast.js';
import { SqlError, SqlState, syntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Keywords that can never be a bare column or table alias, nor a column name. */
const RESERVED = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check',
  'collate', 'column', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time',
  'current_timestamp', 'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except',
  'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having', 'in', 'initially', 'intersect', 'into',
  'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on', 'only', 'or', 'order',
  'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some', 'symmetric', 'table', 'then',
  'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
]);
/** Keywords allowed as function or type names but not as column names or bare aliases. */
const TYPE_FUNC_NAME = new Set([
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'current_schema', 'freeze', 'full', 'ilike',
  'inner', 'is', 'isnull', 'join', 'left', 'like', 'natural', 'notnull', 'outer', 'overlaps', 'right', 'similar',
  'tablesample', 'verbose',
]);
/** Non-reserved keywords that still end a select-list item or FROM item when they follow it unquoted. */
const CLAUSE_WORDS = new Set(['window', 'fetch', 'for', 'returning', 'on', 'using', 'natural', 'join', 'inner', 'left', 'right', 'full', 'cross', 'limit', 'offset', 'union', 'except', 'intersect', 'order', 'group', 'having', 'where', 'from', 'into', 'with', 'ordinality']);

/** Names that read as a type in `type 'literal'` syntax. */
const LITERAL_TYPES = new Set([
  'date', 'timestamp', 'timestamptz', 'interval', 'time', 'int', 'integer', 'int2', 'int4', 'int8', 'bigint', 'smallint',
  'numeric', 'decimal', 'real', 'float4', 'float8', 'text', 'varchar', 'char', 'bool', 'boolean', 'uuid', 'json',
  'jsonb', 'bytea', 'oid', 'name', 'regclass', 'regtype', 'regnamespace', 'double',
]);

/** Functions called without parentheses (SQL special value functions). */
const SPECIAL_FUNCS = new Set([
  'current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime', 'current_user',
  'session_user', 'user', 'current_role', 'current_schema', 'current_catalog',
]);

export class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private maxParam = 0;

  constructor(private readonly sql: string) {
    this.tokens = tokenize(sql);
  }

  // ---- token helpers ----

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private fail(t: Token = this.peek()): never {
    throw syntaxError(t.kind === 'eof' ? '' : t.text, t.pos + 1);
  }

  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.value === word;
  }

  private acceptKw(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isKw(words[k], k)) return false;
    this.i += words.length;
    return true;
  }

  private expectKw(...words: string[]): void {
    for (const w of words) {
      if (!this.isKw(w)) this.fail();
      this.next();
    }
  }

  private isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.value === p;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.next();
    return true;
  }

  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail();
    return this.next();
  }

  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.value === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }

  /** An identifier (any non-reserved keyword or quoted name). */
  private ident(allowTypeFunc = false): string {
    const t = this.peek();
    if (t.kind === 'qident') return this.next().value;
    if (t.kind === 'ident' && !RESERVED.has(t.value) && (allowTypeFunc || !TYPE_FUNC_NAME.has(t.value))) return this.next().value;
    this.fail();
  }

  /** Any identifier including reserved keywords (after a dot, as a function name). */
  private anyName(): string {
    const t = this.peek();
    if (t.kind === 'qident' || t.kind === 'ident') return this.next().value;
    this.fail();
  }

  private isIdentLike(k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.value));
  }

  private qualifiedName(): string[] {
    const parts = [this.ident(true)];
    while (this.isPunct('.')) {
      this.next();
      parts.push(this.anyName());
    }
    return parts;
  }

  private integer(): number {
    const t = this.peek();
    let sign = 1;
    if (t.kind === 'op' && t.value === '-') {
      this.next();
      sign = -1;
    }
    const n = this.peek();
    if (n.kind !== 'number' || !/^\d+$/.test(n.value)) this.fail();
    this.next();
    return sign * Number(n.value);
  }

  // ---- script ----

  parseScript(): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    for (;;) {
      while (this.acceptPunct(';'));
      if (this.peek().kind === 'eof') break;
      const start = this.peek().pos;
      this.maxParam = 0;
      const stmt = this.statement();
      const endTok = this.peek();
      if (!(endTok.kind === 'eof' || this.isPunct(';'))) this.fail();
      const endPos = this.tokens[this.i - 1].end;
      out.push({ stmt, text: this.sql.slice(start, endPos), offset: start, paramCount: this.maxParam });
    }
    return out;
  }

  statement(): Statement {
    const t = this.peek();
    if (this.isPunct('(')) return this.selectStmt();
    if (t.kind !== 'ident') this.fail();
    switch (t.value) {
      case 'select': case 'values': case 'table': return this.selectStmt();
      case 'with': return this.withStatement();
      case 'insert': return this.insertStmt();
      case 'update': return this.updateStmt();
      case 'delete': return this.deleteStmt();
      case 'create': return this.createStmt();
      case 'drop': return this.dropStmt();
      case 'truncate': return this.truncateStmt();
      case 'alter': return this.alterStmt();
      case 'begin': case 'start': return this.beginStmt();
      case 'commit': case 'end': this.next(); this.acceptKw('transaction') || this.acceptKw('work'); this.skipAndChain(); return { kind: 'commit', pos: t.pos };
      case 'rollback': case 'abort': return this.rollbackStmt();
      case 'savepoint': this.next(); return { kind: 'savepoint', op: 'savepoint', name: this.ident(), pos: t.pos };
      case 'release': this.next(); this.acceptKw('savepoint'); return { kind: 'savepoint', op: 'release', name: this.ident(), pos: t.pos };
      case 'set': return this.setStmt();
      case 'show': return this.showStmt();
      case 'reset': this.next(); return { kind: 'reset', name: this.acceptKw('all') ? 'all' : this.varName(), pos: t.pos };
      case 'vacuum': return this.vacuumStmt();
      case 'analyze': case 'analyse': return this.analyzeStmt();
      case 'explain': return this.explainStmt();
      case 'declare': return this.declareStmt();
      case 'fetch': case 'move': return this.fetchStmt();
      case 'close': this.next(); return { kind: 'close', name: this.acceptKw('all') ? null : this.ident(), pos: t.pos };
      case 'copy': return this.copyStmt();
      case 'discard': this.next(); this.next(); return { kind: 'discard', pos: t.pos };
      case 'listen': case 'unlisten': case 'notify': case 'lock': case 'grant': case 'revoke': case 'comment':
      case 'prepare': case 'execute': case 'deallocate': case 'checkpoint': case 'cluster': case 'reindex':
      case 'refresh': case 'security': case 'reassign': case 'import': case 'load': case 'call': case 'do':
        return this.unsupportedStatement(t.value.toUpperCase());
      default: this.fail();
    }
  }

  private unsupportedStatement(feature: string): Statement {
    const pos = this.peek().pos;
    // Skip to the end of the statement.
    let depth = 0;
    while (this.peek().kind !== 'eof' && !(depth === 0 && this.isPunct(';'))) {
      if (this.isPunct('(')) depth++;
      if (this.isPunct(')')) depth--;
      this.next();
    }
    return { kind: 'unsupported', feature, pos };
  }

  /** COMMIT AND [NO] CHAIN */
  private skipAndChain(): void {
    if (this.acceptKw('and')) {
      this.acceptKw('no');
      this.expectKw('chain');
    }
  }

  // ---- SELECT ----

  private withClause(): SelectStmt['with'] {
    this.expectKw('with');
    const recursive = this.acceptKw('recursive');
    const ctes: Cte[] = [];
    do {
      const pos = this.peek().pos;
      const name = this.ident();
      let columns: string[] | undefined;
      if (this.acceptPunct('(')) {
        columns = [];
        do columns.push(this.ident()); while (this.acceptPunct(','));
        this.expectPunct(')');
      }
      this.expectKw('as');
      this.acceptKw('not');
      this.acceptKw('materialized');
      this.expectPunct('(');
      if (this.isKw('insert') || this.isKw('update') || this.isKw('delete')) {
        throw new SqlError(SqlState.featureNotSupported, 'data-modifying statements in WITH are not supported', { position: this.peek().pos + 1 });
      }
      const query = this.selectStmt();
      this.expectPunct(')');
      ctes.push({ name, columns, query, pos });
    } while (this.acceptPunct(','));
    return { recursive, ctes };
  }

  private withStatement(): Statement {
    const save = this.i;
    const w = this.withClause();
    if (this.isKw('insert') || this.isKw('update') || this.isKw('delete')) {
      const s = this.statement();
      return { ...s, with: w } as Statement;
    }
    this.i = save;
    return this.selectStmt();
  }

  selectStmt(): SelectStmt {
    const pos = this.peek().pos;
    const w = this.isKw('with') ? this.withClause() : undefined;
    const body = this.queryBody();
    let orderBy: OrderItem[] = [];
    let limit: Expr | undefined;
    let offset: Expr | undefined;
    let locking = false;
    if (this.acceptKw('order')) {
      this.expectKw('by');
      orderBy = this.orderList();
    }
    for (;;) {
      if (this.acceptKw('limit')) {
        if (this.acceptKw('all')) limit = undefined;
        else limit = this.expr();
      } else if (this.acceptKw('offset')) {
        offset = this.expr();
        this.acceptKw('rows') || this.acceptKw('row');
      } else if (this.isKw('fetch')) {
        this.next();
        if (!this.acceptKw('first')) this.expectKw('next');
        if (this.isKw('row') || this.isKw('rows')) limit = { kind: 'literal', value: { type: 'integer', text: '1' }, pos: this.peek().pos };
        else limit = this.primary();
        if (!this.acceptKw('rows')) this.expectKw('row');
        this.expectKw('only');
      } else if (this.isKw('for') && (this.isKw('update', 1) || this.isKw('share', 1) || this.isKw('no', 1) || this.isKw('key', 1))) {
        this.next();
        while (this.isIdentLike() || this.isKw('update') || this.isKw('share')) {
          if (this.acceptKw('of')) {
            do this.qualifiedName(); while (this.acceptPunct(','));
            continue;
          }
          if (this.isKw('for')) break;
          this.next();
        }
        locking = true;
      } else break;
    }
    return { kind: 'select', with: w, body, orderBy, limit, offset, locking, pos };
  }

  private orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const expr = this.expr();
      let desc = false;
      if (this.acceptKw('desc')) desc = true;
      else if (this.acceptKw('asc')) desc = false;
      else if (this.acceptKw('using')) this.fail();
      let nullsFirst: boolean | undefined;
      if (this.acceptKw('nulls')) {
        if (this.acceptKw('first')) nullsFirst = true;
        else {
          this.expectKw('last');
          nullsFirst = false;
        }
      }
      items.push({ expr, desc, nullsFirst });
    } while (this.acceptPunct(','));
    return items;
  }

  private queryBody(): QueryBody {
    let left = this.queryTerm();
    for (;;) {
      const pos = this.peek().pos;
      let op: 'union' | 'except' | undefined;
      if (this.acceptKw('union')) op = 'union';
      else if (this.acceptKw('except')) op = 'except';
      if (!op) return left;
      const all = this.acceptKw('all');
      if (!all) this.acceptKw('distinct');
      const right = this.queryTerm();
      left = { kind: 'setop', op, all, left, right, pos };
    }
  }

  private queryTerm(): QueryBody {
    let left = this.queryPrimary();
    for (;;) {
      const pos = this.peek().pos;
      if (!this.acceptKw('intersect')) return left;
      const all = this.acceptKw('all');
      if (!all) this.acceptKw('distinct');
      const right = this.queryPrimary();
      left = { kind: 'setop', op: 'intersect', all, left, right, pos };
    }
  }

  private queryPrimary(): QueryBody {
    const t = this.peek();
    if (this.isPunct('(')) {
      this.next();
      const query = this.selectStmt();
      this.expectPunct(')');
      return { kind: 'nested', query, pos: t.pos };
    }
    if (this.acceptKw('values')) {
      const rows: Expr[][] = [];
      do {
        this.expectPunct('(');
        const row: Expr[] = [];
        do row.push(this.exprOrDefault()); while (this.acceptPunct(','));
        this.expectPunct(')');
        rows.push(row);
      } while (this.acceptPunct(','));
      return { kind: 'values', rows, pos: t.pos };
    }
    if (this.acceptKw('table')) {
      const name = this.qualifiedName();
      return {
        kind: 'core', distinct: false, targets: [{ expr: { kind: 'star', pos: t.pos }, pos: t.pos }],
        from: [{ kind: 'table', name, pos: t.pos }], groupBy: [], pos: t.pos,
      };
    }
    this.expectKw('select');
    return this.selectCore(t.pos);
  }

  private selectCore(pos: number): SelectCore {
    let distinct: boolean | Expr[] = false;
    if (this.acceptKw('distinct')) {
      if (this.acceptKw('on')) {
        this.expectPunct('(');
        const on: Expr[] = [];
        do on.push(this.expr()); while (this.acceptPunct(','));
        this.expectPunct(')');
        distinct = on;
      } else distinct = true;
    } else this.acceptKw('all');
    const targets: Target[] = [];
    if (!this.atTargetListEnd()) {
      do targets.push(this.target()); while (this.acceptPunct(','));
    }
    if (this.isKw('into')) throw new SqlError(SqlState.featureNotSupported, 'SELECT INTO is not supported', { position: this.peek().pos + 1 });
    let from: FromItem[] = [];
    if (this.acceptKw('from')) from = this.fromList();
    const where = this.acceptKw('where') ? this.expr() : undefined;
    let groupBy: Expr[] = [];
    if (this.acceptKw('group')) {
      this.expectKw('by');
      this.acceptKw('all');
      do groupBy.push(this.expr()); while (this.acceptPunct(','));
    }
    const having = this.acceptKw('having') ? this.expr() : undefined;
    if (this.isKw('window')) throw new SqlError(SqlState.featureNotSupported, 'WINDOW clauses are not supported', { position: this.peek().pos + 1 });
    return { kind: 'core', distinct, targets, from, where, groupBy, having, pos };
  }

  private atTargetListEnd(): boolean {
    const t = this.peek();
    return t.kind === 'eof' || this.isPunct(';') || this.isPunct(')') || (t.kind === 'ident' && ['from', 'where', 'group', 'having', 'order', 'limit', 'offset', 'union', 'except', 'intersect'].includes(t.value));
  }

  private target(): Target {
    const pos = this.peek().pos;
    if (this.isOp('*')) {
      this.next();
      return { expr: { kind: 'star', pos }, pos };
    }
    const expr = this.expr();
    let alias: string | undefined;
    if (this.acceptKw('as')) alias = this.anyName();
    else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && this.isBareLabel(this.peek().value))) alias = this.next().value;
    return { expr, alias, pos };
  }

  private isBareLabel(word: string): boolean {
    return !RESERVED.has(word) && !TYPE_FUNC_NAME.has(word) && !CLAUSE_WORDS.has(word);
  }

  private fromList(): FromItem[] {
    const items: FromItem[] = [];
    do items.push(this.joinedTable()); while (this.acceptPunct(','));
    return items;
  }

  private joinedTable(): FromItem {
    let left = this.tableRef();
    for (;;) {
      const pos = this.peek().pos;
      let type: 'inner' | 'left' | 'right' | 'full' | 'cross' | undefined;
      let natural = false;
      if (this.acceptKw('natural')) natural = true;
      if (this.acceptKw('cross')) {
        this.expectKw('join');
        type = 'cross';
      } else if (this.acceptKw('join')) type = 'inner';
      else if (this.acceptKw('inner')) {
        this.expectKw('join');
        type = 'inner';
      } else if (this.isKw('left') || this.isKw('right') || this.isKw('full')) {
        type = this.next().value as 'left' | 'right' | 'full';
        this.acceptKw('outer');
        this.expectKw('join');
      }
      if (!type) {
        if (natural) this.fail();
        return left;
      }
      const right = this.tableRef();
      let on: Expr | undefined;
      let using: string[] | undefined;
      if (type !== 'cross' && !natural) {
        if (this.acceptKw('on')) on = this.expr();
        else if (this.acceptKw('using')) {
          this.expectPunct('(');
          using = [];
          do using.push(this.ident()); while (this.acceptPunct(','));
          this.expectPunct(')');
        } else this.fail();
      }
      left = { kind: 'join', type, left, right, on, using, natural, pos };
    }
  }

  private alias(): Alias | undefined {
    let name: string | undefined;
    if (this.acceptKw('as')) name = this.ident();
    else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && this.isBareLabel(this.peek().value))) name = this.next().value;
    if (name === undefined) return undefined;
    let columns: string[] | undefined;
    if (this.isPunct('(')) {
      this.next();
      columns = [];
      do columns.push(this.ident()); while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    return { name, columns };
  }

  private tableRef(): FromItem {
    const pos = this.peek().pos;
    const lateral = this.acceptKw('lateral');
    if (this.isPunct('(')) {
      // subquery or parenthesized join
      const save = this.i;
      this.next();
      if (this.isKw('select') || this.isKw('values') || this.isKw('with') || this.isPunct('(')) {
        const query = this.selectStmt();
        this.expectPunct(')');
        return { kind: 'subquery', query, alias: this.alias(), lateral, pos };
      }
      this.i = save;
      this.next();
      const inner = this.joinedTable();
      this.expectPunct(')');
      const alias = this.alias();
      if (alias) throw new SqlError(SqlState.featureNotSupported, 'aliases on parenthesized joins are not supported', { position: pos + 1 });
      return inner;
    }
    this.acceptKw('only');
    const name = this.qualifiedName();
    if (this.isPunct('(')) {
      const func = this.funcCall(name, pos);
      let ordinality = false;
      if (this.acceptKw('with')) {
        this.expectKw('ordinality');
        ordinality = true;
      }
      return { kind: 'function', func, alias: this.alias(), ordinality, lateral, pos };
    }
    this.acceptOp('*');
    if (this.isKw('tablesample')) throw new SqlError(SqlState.featureNotSupported, 'TABLESAMPLE is not supported', { position: this.peek().pos + 1 });
    return { kind: 'table', name, alias: this.alias(), pos };
  }

  // ---- expressions ----

  private exprOrDefault(): Expr {
    if (this.isKw('default')) return { kind: 'default', pos: this.next().pos };
    return this.expr();
  }

  expr(): Expr {
    return this.orExpr();
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isKw('or')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'or', left, right: this.andExpr(), pos };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.notExpr();
    while (this.isKw('and')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'and', left, right: this.notExpr(), pos };
    }
    return left;
  }

  private notExpr(): Expr {
    if (this.isKw('not')) {
      const pos = this.next().pos;
      return { kind: 'not', arg: this.notExpr(), pos };
    }
    return this.isExpr();
  }

  private isExpr(): Expr {
    let left = this.comparison();
    for (;;) {
      const pos = this.peek().pos;
      if (this.acceptKw('isnull')) {
        left = { kind: 'isNull', arg: left, not: false, pos };
        continue;
      }
      if (this.acceptKw('notnull')) {
        left = { kind: 'isNull', arg: left, not: true, pos };
        continue;
      }
      // After a postfix IS test a comparison may follow: `x IS NULL = false` is
      // `(x IS NULL) = false` (the test is a complete expression by then).
      if (left.kind === 'isNull' || left.kind === 'isBool') left = this.predicateRest(left); // (x IS NULL) BETWEEN …
      const op = this.peek();
      if (left.kind !== 'isDistinct' && op.kind === 'op' && Parser.COMPARISON.has(op.value)) {
        this.next();
        left = this.quantifiedOrBinary(op.value, left, op.pos, () => this.predicate());
        const after = this.peek();
        if (after.kind === 'op' && Parser.COMPARISON.has(after.value)) this.fail();
        continue;
      }
      if (!this.isKw('is')) return left;
      this.next();
      const not = this.acceptKw('not');
      if (this.acceptKw('null')) left = { kind: 'isNull', arg: left, not, pos };
      else if (this.acceptKw('true')) left = { kind: 'isBool', arg: left, value: true, not, pos };
      else if (this.acceptKw('false')) left = { kind: 'isBool', arg: left, value: false, not, pos };
      else if (this.acceptKw('unknown')) left = { kind: 'isBool', arg: left, value: null, not, pos };
      else if (this.acceptKw('distinct')) {
        this.expectKw('from');
        left = { kind: 'isDistinct', left, right: this.isKw('not') ? this.notOrPredicate() : this.comparison(), not, pos };
        // IS is non-associative too: nothing IS-like may follow IS [NOT] DISTINCT FROM b.
        if (this.isKw('is') || this.isKw('isnull') || this.isKw('notnull')) this.fail();
      } else this.fail();
    }
  }

  private static readonly COMPARISON = new Set(['<', '>', '=', '<=', '>=', '<>']);

  // Comparison operators are non-associative in PostgreSQL's grammar: `a < b < c` is a
  // syntax error at the second operator, not `(a < b) < c`.
  private comparison(): Expr {
    const left = this.predicate();
    const t = this.peek();
    if (t.kind !== 'op' || !Parser.COMPARISON.has(t.value)) return left;
    this.next();
    // `a < NOT b` is valid: the right operand may be a NOT expression, which (NOT binding
    // looser than comparison) extends over any comparison or IS test after it.
    const cmp = this.quantifiedOrBinary(t.value, left, t.pos, () => this.notOrPredicate());
    const after = this.peek();
    if (after.kind === 'op' && Parser.COMPARISON.has(after.value)) this.fail();
    return cmp;
  }

  /** A right operand of a comparison or IS DISTINCT FROM: may be a NOT expression (`a < NOT b`). */
  private notOrPredicate(): Expr {
    const predicateNot = this.isKw('between', 1) || this.isKw('in', 1) || this.isKw('like', 1) || this.isKw('ilike', 1) || this.isKw('similar', 1);
    return this.isKw('not') && !predicateNot ? this.notExpr() : this.predicate();
  }

  /** After `left op`: `ANY/SOME/ALL (...)` or an ordinary right operand. */
  private quantifiedOrBinary(op: string, left: Expr, pos: number, operand: () => Expr): Expr {
    if ((this.isKw('any') || this.isKw('some') || this.isKw('all')) && this.isPunct('(', 1)) {
      const q = this.next().value === 'all' ? 'all' : 'any';
      this.expectPunct('(');
      let right: Expr | { query: SelectStmt };
      if (this.isKw('select') || this.isKw('values') || this.isKw('with')) right = { query: this.selectStmt() };
      else right = this.expr();
      this.expectPunct(')');
      return { kind: 'quantified', op, quantifier: q, left, right, pos };
    }
    return { kind: 'binary', op, left, right: operand(), pos };
  }

  private predicate(): Expr {
    return this.predicateRest(this.otherOp());
  }

  /** BETWEEN / IN / LIKE / ILIKE after an already parsed left operand, if one follows. */
  private predicateRest(left: Expr): Expr {
    const pos = this.peek().pos;
    let not = false;
    if (this.isKw('not') && (this.isKw('between', 1) || this.isKw('in', 1) || this.isKw('like', 1) || this.isKw('ilike', 1) || this.isKw('similar', 1))) {
      this.next();
      not = true;
    }
    if (this.acceptKw('between')) {
      const symmetric = this.acceptKw('symmetric');
      if (!symmetric) this.acceptKw('asymmetric');
      const low = this.otherOp();
      this.expectKw('and');
      const high = this.otherOp();
      return { kind: 'between', arg: left, low, high, not, symmetric, pos };
    }
    if (this.acceptKw('in')) {
      this.expectPunct('(');
      if (this.isKw('select') || this.isKw('values') || this.isKw('with')) {
        const query = this.selectStmt();
        this.expectPunct(')');
        return { kind: 'inQuery', arg: left, query, not, pos };
      }
      const list: Expr[] = [];
      do list.push(this.expr()); while (this.acceptPunct(','));
      this.expectPunct(')');
      return { kind: 'inList', arg: left, list, not, pos };
    }
    if (this.isKw('like') || this.isKw('ilike')) {
      const ci = this.next().value === 'ilike';
      const pattern = this.otherOp();
      const escape = this.acceptKw('escape') ? this.otherOp() : undefined;
      return { kind: 'like', arg: left, pattern, escape, not, ci, pos };
    }
    if (this.isKw('similar')) throw new SqlError(SqlState.featureNotSupported, 'SIMILAR TO is not supported', { position: pos + 1 });
    if (not) this.fail();
    return left;
  }

  private static readonly ARITH = new Set(['+', '-', '*', '/', '%', '^', '<', '>', '=', '<=', '>=', '<>']);

  /** Any operator that is not arithmetic or comparison (||, ~, !~, @>, ->, ...), and OPERATOR(x.op). */
  private otherOp(): Expr {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      let op: string | undefined;
      if (t.kind === 'op' && !Parser.ARITH.has(t.value)) {
        this.next();
        op = t.value;
      } else if (this.isKw('operator') && this.isPunct('(', 1)) {
        op = this.operatorSyntax();
        if (Parser.COMPARISON.has(op)) return this.quantifiedOrBinary(op, left, t.pos, () => this.additive());
        if (Parser.ARITH.has(op)) {
          left = { kind: 'binary', op, left, right: this.additive(), pos: t.pos };
          continue;
        }
      }
      if (op === undefined) return left;
      left = { kind: 'binary', op, left, right: this.additive(), pos: t.pos };
    }
  }

  /** OPERATOR(pg_catalog.~) -> '~' */
  private operatorSyntax(): string {
    this.expectKw('operator');
    this.expectPunct('(');
    while (this.peek().kind === 'ident' && this.isPunct('.', 1)) {
      this.next();
      this.next();
    }
    const t = this.next();
    if (t.kind !== 'op') this.fail(t);
    this.expectPunct(')');
    return t.value;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '+' || t.value === '-')) {
        this.next();
        left = { kind: 'binary', op: t.value, left, right: this.multiplicative(), pos: t.pos };
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.power();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '/' || t.value === '%')) {
        this.next();
        left = { kind: 'binary', op: t.value, left, right: this.power(), pos: t.pos };
      } else return left;
    }
  }

  private power(): Expr {
    let left = this.unary();
    while (this.isOp('^')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: '^', left, right: this.unary(), pos };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      const arg = this.unary();
      if (t.value === '+') return arg;
      // Fold -<number> into a negative literal, as PostgreSQL's grammar does.
      if (arg.kind === 'literal' && (arg.value.type === 'integer' || arg.value.type === 'numeric')) {
        const text = arg.value.text.startsWith('-') ? arg.value.text.slice(1) : '-' + arg.value.text; // -(-1)
        return { kind: 'literal', value: { type: arg.value.type, text }, pos: t.pos };
      }
      return { kind: 'unary', op: '-', arg, pos: t.pos };
    }
    if (t.kind === 'op' && (t.value === '~' || t.value === '@' || t.value === '|/' || t.value === '!!')) {
      this.next();
      return { kind: 'unary', op: t.value, arg: this.unary(), pos: t.pos };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (this.isPunct('::')) {
        this.next();
        e = { kind: 'cast', arg: e, type: this.typeName(), pos: t.pos };
      } else if (this.isPunct('[')) {
        this.next();
        const index = this.expr();
        if (this.acceptPunct(':')) throw new SqlError(SqlState.featureNotSupported, 'array slices are not supported', { position: t.pos + 1 });
        this.expectPunct(']');
        e = { kind: 'subscript', arg: e, index, pos: t.pos };
      } else if (this.isKw('collate')) {
        this.next();
        e = { kind: 'collate', arg: e, collation: this.qualifiedName(), pos: t.pos };
      } else if (this.isKw('at') && this.isKw('time', 1)) {
        throw new SqlError(SqlState.featureNotSupported, 'AT TIME ZONE is not supported', { position: t.pos + 1 });
      } else return e;
    }
  }

  primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number': {
        this.next();
        const integer = /^\d+$/.test(t.value);
        return { kind: 'literal', value: { type: integer ? 'integer' : 'numeric', text: t.value }, pos: t.pos };
      }
      case 'string':
        this.next();
        return { kind: 'literal', value: { type: 'string', text: t.value }, pos: t.pos };
      case 'param': {
        this.next();
        const index = Number(t.value);
        if (index < 1 || index > 65535) throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${t.value}`, { position: t.pos + 1 });
        this.maxParam = Math.max(this.maxParam, index);
        return { kind: 'param', index, pos: t.pos };
      }
      case 'punct':
        if (t.value === '(') {
          this.next();
          if (this.isKw('select') || this.isKw('values') || this.isKw('with')) {
            const query = this.selectStmt();
            this.expectPunct(')');
            return { kind: 'subquery', query, pos: t.pos };
          }
          const first = this.expr();
          if (this.acceptPunct(',')) {
            const fields = [first];
            do fields.push(this.expr()); while (this.acceptPunct(','));
            this.expectPunct(')');
            return { kind: 'row', fields, pos: t.pos };
          }
          this.expectPunct(')');
          return first;
        }
        this.fail();
      // falls through (fail never returns)
      case 'qident':
        return this.columnOrFunction();
      case 'ident':
        return this.keywordPrimary(t);
      default:
        this.fail();
    }
  }

  private keywordPrimary(t: Token): Expr {
    switch (t.value) {
      case 'true': case 'false':
        this.next();
        return { kind: 'literal', value: { type: 'boolean', value: t.value === 'true' }, pos: t.pos };
      case 'null':
        this.next();
        return { kind: 'literal', value: { type: 'null' }, pos: t.pos };
      case 'case': return this.caseExpr();
      case 'cast': {
        this.next();
        this.expectPunct('(');
        const arg = this.expr();
        this.expectKw('as');
        const type = this.typeName();
        this.expectPunct(')');
        return { kind: 'cast', arg, type, pos: t.pos };
      }
      case 'exists': {
        if (!this.isPunct('(', 1)) break;
        this.next();
        this.expectPunct('(');
        const query = this.selectStmt();
        this.expectPunct(')');
        return { kind: 'exists', query, pos: t.pos };
      }
      case 'array': {
        this.next();
        if (this.acceptPunct('(')) {
          const query = this.selectStmt();
          this.expectPunct(')');
          return { kind: 'arrayQuery', query, pos: t.pos };
        }
        return this.arrayLiteral(t.pos);
      }
      case 'row':
        if (this.isPunct('(', 1)) {
          this.next();
          this.next();
          const fields: Expr[] = [];
          if (!this.isPunct(')')) do fields.push(this.expr()); while (this.acceptPunct(','));
          this.expectPunct(')');
          return { kind: 'row', fields, pos: t.pos };
        }
        break;
      case 'default':
        this.fail();
      // falls through
      case 'extract': if (this.isPunct('(', 1)) return this.extractExpr(); break;
      case 'substring': if (this.isPunct('(', 1)) return this.substringExpr(); break;
      case 'position': if (this.isPunct('(', 1)) return this.positionExpr(); break;
      case 'trim': if (this.isPunct('(', 1)) return this.trimExpr(); break;
      case 'overlay': if (this.isPunct('(', 1)) throw new SqlError(SqlState.featureNotSupported, 'OVERLAY is not supported', { position: t.pos + 1 }); break;
      case 'interval':
        if (this.peek(1).kind === 'string') {
          this.next();
          const s = this.next();
          // interval '1' day style field qualifiers
          let text = s.value;
          const unit = this.peek();
          if (unit.kind === 'ident' && ['year', 'month', 'day', 'hour', 'minute', 'second'].includes(unit.value)) {
            this.next();
            text = `${text} ${unit.value}`;
          }
          return { kind: 'cast', arg: { kind: 'literal', value: { type: 'string', text }, pos: s.pos }, type: { names: ['interval'], mods: [], arrayDims: 0, pos: t.pos }, pos: t.pos };
        }
        break;
    }
    if (SPECIAL_FUNCS.has(t.value) && !this.isPunct('.', 1)) {
      this.next();
      let args: Expr[] = [];
      if (this.isPunct('(') && this.isPunct(')', 1) && (t.value === 'current_schema' || t.value === 'current_catalog')) {
        this.next();
        this.next();
      } else if ((t.value === 'current_timestamp' || t.value === 'current_time' || t.value === 'localtimestamp' || t.value === 'localtime') && this.isPunct('(')) {
        this.next();
        args = [this.expr()];
        this.expectPunct(')');
      }
      return { kind: 'func', name: [t.value], args, star: false, distinct: false, pos: t.pos };
    }
    // typed literal: date '2024-01-01', timestamp with time zone '...'
    if (LITERAL_TYPES.has(t.value) && (this.peek(1).kind === 'string' || (t.value === 'double' && this.isKw('precision', 1) && this.peek(2).kind === 'string') || (t.value === 'timestamp' && this.isKw('with', 1) && this.peek(4).kind === 'string') || (t.value === 'timestamp' && this.isKw('without', 1) && this.peek(4).kind === 'string'))) {
      const type = this.typeName();
      const s = this.next();
      return { kind: 'cast', arg: { kind: 'literal', value: { type: 'string', text: s.value }, pos: s.pos }, type, pos: t.pos };
    }
    if (RESERVED.has(t.value) && !(t.value === 'left' || t.value === 'right')) this.fail();
    return this.columnOrFunction();
  }

  private columnOrFunction(): Expr {
    const t = this.peek();
    const parts = [this.next().value];
    while (this.isPunct('.')) {
      this.next();
      if (this.isOp('*')) {
        const pos = this.next().pos;
        return { kind: 'star', table: parts, pos };
      }
      parts.push(this.anyName());
    }
    if (this.isPunct('(')) return this.funcCall(parts, t.pos);
    if (t.kind === 'ident' && parts.length === 1 && TYPE_FUNC_NAME.has(parts[0])) this.fail(t);
    return { kind: 'column', parts, pos: t.pos };
  }

  private funcCall(name: string[], pos: number): Expr & { kind: 'func' } {
    this.expectPunct('(');
    const args: Expr[] = [];
    let star = false;
    let distinct = false;
    let orderBy: OrderItem[] | undefined;
    if (this.isOp('*')) {
      this.next();
      star = true;
    } else if (!this.isPunct(')')) {
      if (this.acceptKw('distinct')) distinct = true;
      else this.acceptKw('all');
      if (this.isKw('variadic')) throw new SqlError(SqlState.featureNotSupported, 'VARIADIC is not supported', { position: this.peek().pos + 1 });
      do {
        // named notation (name => value) is not supported
        args.push(this.expr());
      } while (this.acceptPunct(','));
      if (this.acceptKw('order')) {
        this.expectKw('by');
        orderBy = this.orderList();
      }
    }
    this.expectPunct(')');
    if (this.isKw('within')) throw new SqlError(SqlState.featureNotSupported, 'WITHIN GROUP is not supported', { position: this.peek().pos + 1 });
    let filter: Expr | undefined;
    if (this.isKw('filter') && this.isPunct('(', 1)) {
      this.next();
      this.next();
      this.expectKw('where');
      filter = this.expr();
      this.expectPunct(')');
    }
    let over: WindowSpec | undefined;
    if (this.isKw('over')) {
      const opos = this.next().pos;
      if (!this.isPunct('(')) throw new SqlError(SqlState.featureNotSupported, 'named windows are not supported', { position: opos + 1 });
      this.next();
      over = { partitionBy: [], orderBy: [], pos: opos };
      if (this.isIdentLike() && !this.isKw('partition') && !this.isKw('order') && !this.isKw('rows') && !this.isKw('range') && !this.isKw('groups')) {
        throw new SqlError(SqlState.featureNotSupported, 'named windows are not supported', { position: this.peek().pos + 1 });
      }
      if (this.acceptKw('partition')) {
        this.expectKw('by');
        do over.partitionBy.push(this.expr()); while (this.acceptPunct(','));
      }
      if (this.acceptKw('order')) {
        this.expectKw('by');
        over.orderBy = this.orderList();
      }
      if (this.isKw('rows') || this.isKw('range') || this.isKw('groups')) {
        const start = this.peek().pos;
        let depth = 0;
        while (!(depth === 0 && this.isPunct(')')) && this.peek().kind !== 'eof') {
          if (this.isPunct('(')) depth++;
          if (this.isPunct(')')) depth--;
          this.next();
        }
        over.frame = this.sql.slice(start, this.tokens[this.i - 1].end).replace(/\s+/g, ' ').toUpperCase();
      }
      this.expectPunct(')');
    }
    return { kind: 'func', name, args, star, distinct, orderBy, filter, over, pos };
  }

  private arrayLiteral(pos: number): Expr {
    this.expectPunct('[');
    const elements: Expr[] = [];
    if (!this.isPunct(']')) {
      do {
        if (this.isPunct('[')) elements.push(this.arrayLiteral(this.peek().pos));
        else elements.push(this.expr());
      } while (this.acceptPunct(','));
    }
    this.expectPunct(']');
    return { kind: 'array', elements, pos };
  }

  private caseExpr(): Expr {
    const pos = this.next().pos;
    const operand = this.isKw('when') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptKw('when')) {
      const when = this.expr();
      this.expectKw('then');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.fail();
    const elseExpr = this.acceptKw('else') ? this.expr() : undefined;
    this.expectKw('end');
    return { kind: 'case', operand, whens, else: elseExpr, pos };
  }

  private extractExpr(): Expr {
    const pos = this.next().pos;
    this.expectPunct('(');
    const t = this.next();
    if (t.kind !== 'ident' && t.kind !== 'string') this.fail(t);
    this.expectKw('from');
    const arg = this.expr();
    this.expectPunct(')');
    return { kind: 'func', name: ['extract'], args: [{ kind: 'literal', value: { type: 'string', text: t.value.toLowerCase() }, pos: t.pos }, arg], star: false, distinct: false, pos };
  }

  private substringExpr(): Expr {
    const pos = this.next().pos;
    this.expectPunct('(');
    const arg = this.expr();
    const args = [arg];
    if (this.acceptPunct(',')) {
      args.push(this.expr());
      if (this.acceptPunct(',')) args.push(this.expr());
    } else {
      let from: Expr | undefined;
      let forLen: Expr | undefined;
      if (this.acceptKw('from')) from = this.expr();
      if (this.acceptKw('for')) forLen = this.expr();
      if (from === undefined && forLen === undefined) this.fail();
      args.push(from ?? { kind: 'literal', value: { type: 'integer', text: '1' }, pos });
      if (forLen) args.push(forLen);
    }
    this.expectPunct(')');
    return { kind: 'func', name: ['substring'], args, star: false, distinct: false, pos };
  }

  private positionExpr(): Expr {
    const pos = this.next().pos;
    this.expectPunct('(');
    const needle = this.otherOp();
    this.expectKw('in');
    const hay = this.otherOp();
    this.expectPunct(')');
    return { kind: 'func', name: ['strpos'], args: [hay, needle], star: false, distinct: false, pos };
  }

  private trimExpr(): Expr {
    const pos = this.next().pos;
    this.expectPunct('(');
    let fn = 'btrim';
    if (this.acceptKw('leading')) fn = 'ltrim';
    else if (this.acceptKw('trailing')) fn = 'rtrim';
    else this.acceptKw('both');
    let chars: Expr | undefined;
    let arg: Expr;
    if (this.acceptKw('from')) arg = this.expr();
    else {
      const first = this.expr();
      if (this.acceptKw('from')) {
        chars = first;
        arg = this.expr();
      } else if (this.acceptPunct(',')) {
        arg = first;
        chars = this.expr();
      } else arg = first;
    }
    this.expectPunct(')');
    return { kind: 'func', name: [fn], args: chars ? [arg, chars] : [arg], star: false, distinct: false, pos };
  }

  // ---- types ----

  typeName(): TypeName {
    const pos = this.peek().pos;
    let names: string[];
    const t = this.peek();
    if (t.kind === 'qident') {
      this.next();
      names = [t.value === 'char' ? '"char"' : t.value];
    } else if (t.kind === 'ident') {
      this.next();
      const w = t.value;
      if (w === 'double' && this.acceptKw('precision')) names = ['double precision'];
      else if ((w === 'character' || w === 'char') && this.acceptKw('varying')) names = ['varchar'];
      else if (w === 'national') {
        this.acceptKw('character') || this.acceptKw('char');
        names = [this.acceptKw('varying') ? 'varchar' : 'bpchar'];
      } else if (w === 'bit' && this.acceptKw('varying')) names = ['varbit'];
      else names = [w];
      while (this.isPunct('.')) {
        this.next();
        names.push(this.anyName());
      }
    } else this.fail();
    const mods: number[] = [];
    if (this.isPunct('(')) {
      this.next();
      do mods.push(this.integer()); while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    const last = names[names.length - 1];
    if ((last === 'timestamp' || last === 'time') && (this.isKw('with') || this.isKw('without'))) {
      const withTz = this.next().value === 'with';
      this.expectKw('time');
      this.expectKw('zone');
      names[names.length - 1] = withTz ? `${last}tz` : last;
    }
    if (last === 'interval') {
      // interval field qualifiers: accept and ignore (YEAR, DAY TO SECOND, ...)
      while (['year', 'month', 'day', 'hour', 'minute', 'second', 'to'].includes(this.peek().value) && this.peek().kind === 'ident') this.next();
    }
    let arrayDims = 0;
    for (;;) {
      if (this.isPunct('[')) {
        this.next();
        if (this.peek().kind === 'number') this.next();
        this.expectPunct(']');
        arrayDims++;
      } else if (this.isKw('array')) {
        this.next();
        arrayDims++;
      } else break;
    }
    return { names, mods, arrayDims, pos };
  }

  // ---- DML ----

  private returning(): Target[] | undefined {
    if (!this.acceptKw('returning')) return undefined;
    const targets: Target[] = [];
    do targets.push(this.target()); while (this.acceptPunct(','));
    return targets;
  }

  private insertStmt(): Statement {
    const pos = this.next().pos;
    this.expectKw('into');
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('as')) alias = this.ident();
    let columns: { name: string; pos: number }[] | undefined;
    if (this.isPunct('(') && !(this.isKw('select', 1) || this.isKw('values', 1) || this.isKw('with', 1))) {
      this.next();
      columns = [];
      do {
        const p = this.peek().pos;
        columns.push({ name: this.ident(), pos: p });
      } while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    if (this.isKw('overriding')) throw new SqlError(SqlState.featureNotSupported, 'OVERRIDING is not supported', { position: this.peek().pos + 1 });
    let source: SelectStmt | 'default';
    if (this.acceptKw('default')) {
      this.expectKw('values');
      source = 'default';
    } else source = this.selectStmt();
    let onConflict: OnConflict | undefined;
    if (this.isKw('on') && this.isKw('conflict', 1)) {
      const cpos = this.next().pos;
      this.next();
      let target: string[] | undefined;
      if (this.acceptPunct('(')) {
        target = [];
        do target.push(this.ident()); while (this.acceptPunct(','));
        this.expectPunct(')');
        if (this.isKw('where')) throw new SqlError(SqlState.featureNotSupported, 'ON CONFLICT with an index predicate is not supported', { position: this.peek().pos + 1 });
      } else if (this.acceptKw('on')) {
        this.expectKw('constraint');
        this.ident();
      }
      this.expectKw('do');
      if (this.acceptKw('nothing')) onConflict = { target, action: 'nothing', pos: cpos };
      else {
        this.expectKw('update');
        this.expectKw('set');
        const sets = this.setList();
        const where = this.acceptKw('where') ? this.expr() : undefined;
        onConflict = { target, action: 'update', sets, where, pos: cpos };
      }
    }
    return { kind: 'insert', table, alias, columns, source, onConflict, returning: this.returning(), pos };
  }

  private setList(): SetClause[] {
    const sets: SetClause[] = [];
    do {
      const p = this.peek().pos;
      if (this.isPunct('(')) throw new SqlError(SqlState.featureNotSupported, 'multiple-column UPDATE SET is not supported', { position: p + 1 });
      const column = this.ident();
      if (this.isPunct('.') || this.isPunct('[')) throw new SqlError(SqlState.featureNotSupported, 'assignment to a field or element is not supported', { position: this.peek().pos + 1 });
      if (!this.acceptOp('=')) this.fail();
      sets.push({ column, value: this.exprOrDefault(), pos: p });
    } while (this.acceptPunct(','));
    return sets;
  }

  private updateStmt(): Statement {
    const pos = this.next().pos;
    this.acceptKw('only');
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('as')) alias = this.ident();
    else if (this.isIdentLike() && !this.isKw('set')) alias = this.ident();
    this.expectKw('set');
    const sets = this.setList();
    const from = this.acceptKw('from') ? this.fromList() : [];
    let where: Expr | undefined;
    if (this.acceptKw('where')) {
      if (this.isKw('current')) throw new SqlError(SqlState.featureNotSupported, 'WHERE CURRENT OF is not supported', { position: this.peek().pos + 1 });
      where = this.expr();
    }
    return { kind: 'update', table, alias, sets, from, where, returning: this.returning(), pos };
  }

  private deleteStmt(): Statement {
    const pos = this.next().pos;
    this.expectKw('from');
    this.acceptKw('only');
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('as')) alias = this.ident();
    else if (this.isIdentLike() && !this.isKw('using') && !this.isKw('where') && !this.isKw('returning')) alias = this.ident();
    const using = this.acceptKw('using') ? this.fromList() : [];
    let where: Expr | undefined;
    if (this.acceptKw('where')) {
      if (this.isKw('current')) throw new SqlError(SqlState.featureNotSupported, 'WHERE CURRENT OF is not supported', { position: this.peek().pos + 1 });
      where = this.expr();
    }
    return { kind: 'delete', table, alias, using, where, returning: this.returning(), pos };
  }

  // ---- DDL ----

  private createStmt(): Statement {
    const pos = this.next().pos;
    this.acceptKw('or') && this.expectKw('replace');
    let temporary = false;
    if (this.acceptKw('temporary') || this.acceptKw('temp')) temporary = true;
    else if (this.acceptKw('local') || this.acceptKw('global')) {
      if (!this.acceptKw('temporary')) this.expectKw('temp');
      temporary = true;
    }
    this.acceptKw('unlogged');
    if (this.acceptKw('table')) return this.createTable(pos, temporary);
    const unique = this.acceptKw('unique');
    if (this.acceptKw('index')) return this.createIndex(pos, unique);
    if (!unique && (this.isKw('role') || this.isKw('user'))) {
      const user = this.next().value === 'user';
      if (user && this.isKw('mapping')) return this.unsupportedStatement('CREATE USER MAPPING');
      return { kind: 'role', op: 'create', name: this.ident(), user, options: this.roleOptions(), pos };
    }
    const what = this.peek().value.toUpperCase();
    return this.unsupportedStatement(`CREATE ${what}`);
  }

  private createTable(pos: number, temporary: boolean): Statement {
    const ifNotExists = this.acceptKw('if', 'not', 'exists');
    const name = this.qualifiedName();
    if (this.isKw('as') || this.isKw('partition') || this.isKw('of')) throw new SqlError(SqlState.featureNotSupported, `CREATE TABLE ... ${this.peek().value.toUpperCase()} is not supported`, { position: this.peek().pos + 1 });
    this.expectPunct('(');
    const columns: ColumnDefAst[] = [];
    const constraints: TableConstraint[] = [];
    if (!this.isPunct(')')) {
      do {
        if (this.isKw('constraint') || this.isKw('primary') || this.isKw('unique') || this.isKw('check') || this.isKw('foreign') || this.isKw('exclude')) {
          constraints.push(this.tableConstraint());
        } else if (this.isKw('like')) {
          throw new SqlError(SqlState.featureNotSupported, 'CREATE TABLE ... LIKE is not supported', { position: this.peek().pos + 1 });
        } else columns.push(this.columnDef());
      } while (this.acceptPunct(','));
    }
    this.expectPunct(')');
    if (this.isKw('inherits') || this.isKw('partition')) throw new SqlError(SqlState.featureNotSupported, `${this.peek().value.toUpperCase()} is not supported`, { position: this.peek().pos + 1 });
    const options = this.isKw('with') && this.isPunct('(', 1) ? (this.next(), this.optionList()) : {};
    if (this.acceptKw('without')) this.expectKw('oids');
    if (this.acceptKw('on')) {
      this.expectKw('commit');
      this.next();
      if (this.isKw('rows')) this.next();
    }
    if (this.acceptKw('tablespace')) this.ident();
    return { kind: 'createTable', name, ifNotExists, columns, constraints, options, temporary, pos };
  }

  /** ( name [= value], ... ) with values kept as text. */
  private optionList(): Record<string, string> {
    this.expectPunct('(');
    const out: Record<string, string> = {};
    do {
      let key = this.anyName();
      while (this.acceptPunct('.')) key += '.' + this.anyName();
      let value = 'true';
      if (this.acceptOp('=') || this.peek().kind !== 'punct') {
        if (!(this.isPunct(',') || this.isPunct(')'))) {
          const v = this.next();
          value = v.kind === 'op' && v.value === '-' ? '-' + this.next().value : v.value;
        }
      }
      out[key.toLowerCase()] = value;
    } while (this.acceptPunct(','));
    this.expectPunct(')');
    return out;
  }

  private columnDef(): ColumnDefAst {
    const pos = this.peek().pos;
    const name = this.ident();
    const type = this.typeName();
    const constraints: ColumnConstraintSet = {};
    for (;;) {
      if (this.acceptKw('constraint')) this.ident();
      const t = this.peek();
      if (this.acceptKw('not')) {
        this.expectKw('null');
        constraints.notNull = true;
      } else if (this.acceptKw('null')) constraints.nullable = true;
      else if (this.acceptKw('primary')) {
        this.expectKw('key');
        constraints.primaryKey = true;
      } else if (this.acceptKw('unique')) constraints.unique = true;
      else if (this.acceptKw('default')) {
        const start = this.peek().pos;
        const expr = this.otherOp();
        const end = this.tokens[this.i - 1].end;
        constraints.default = { expr, text: this.sql.slice(start, end) };
      } else if (this.acceptKw('check')) {
        this.expectPunct('(');
        const start = this.peek().pos;
        const expr = this.expr();
        constraints.check = { expr, text: this.sql.slice(start, this.tokens[this.i - 1].end) };
        this.expectPunct(')');
      } else if (this.acceptKw('references')) {
        this.qualifiedName();
        if (this.acceptPunct('(')) {
          do this.ident(); while (this.acceptPunct(','));
          this.expectPunct(')');
        }
        this.skipReferentialActions();
        constraints.references = true;
      } else if (this.acceptKw('collate')) this.qualifiedName();
      else if (this.isKw('generated')) throw new SqlError(SqlState.featureNotSupported, 'GENERATED columns are not supported', { position: t.pos + 1 });
      else break;
    }
    return { name, type, constraints, pos };
  }

  private skipReferentialActions(): void {
    for (;;) {
      if (this.acceptKw('on')) {
        this.next();
        if (this.acceptKw('set')) this.next();
        else if (this.acceptKw('no')) this.next();
        else this.next();
      } else if (this.acceptKw('match')) this.next();
      else if (this.acceptKw('deferrable') || this.acceptKw('initially')) {
        if (this.isKw('deferred') || this.isKw('immediate')) this.next();
      } else if (this.acceptKw('not')) this.expectKw('deferrable');
      else return;
    }
  }

  private columnNameList(): string[] {
    this.expectPunct('(');
    const cols: string[] = [];
    do cols.push(this.ident()); while (this.acceptPunct(','));
    this.expectPunct(')');
    return cols;
  }

  private tableConstraint(): TableConstraint {
    const pos = this.peek().pos;
    let name: string | undefined;
    if (this.acceptKw('constraint')) name = this.ident();
    if (this.acceptKw('primary')) {
      this.expectKw('key');
      const columns = this.columnNameList();
      this.indexParameters();
      return { kind: 'primaryKey', name, columns, pos };
    }
    if (this.acceptKw('unique')) {
      const columns = this.columnNameList();
      this.indexParameters();
      return { kind: 'unique', name, columns, pos };
    }
    if (this.acceptKw('check')) {
      this.expectPunct('(');
      const start = this.peek().pos;
      const expr = this.expr();
      const text = this.sql.slice(start, this.tokens[this.i - 1].end);
      this.expectPunct(')');
      return { kind: 'check', name, expr, text, pos };
    }
    if (this.acceptKw('foreign')) {
      this.expectKw('key');
      this.columnNameList();
      this.expectKw('references');
      this.qualifiedName();
      if (this.isPunct('(')) this.columnNameList();
      this.skipReferentialActions();
      return { kind: 'foreignKey', name, pos };
    }
    this.fail();
  }

  private indexParameters(): void {
    if (this.isKw('include')) throw new SqlError(SqlState.featureNotSupported, 'INCLUDE is not supported', { position: this.peek().pos + 1 });
    if (this.isKw('with') && this.isPunct('(', 1)) {
      this.next();
      this.optionList();
    }
    if (this.acceptKw('using')) {
      this.expectKw('index');
      this.expectKw('tablespace');
      this.ident();
    }
  }

  private createIndex(pos: number, unique: boolean): Statement {
    this.acceptKw('concurrently');
    const ifNotExists = this.acceptKw('if', 'not', 'exists');
    let name: string | undefined;
    if (!this.isKw('on')) name = this.ident();
    this.expectKw('on');
    this.acceptKw('only');
    const table = this.qualifiedName();
    let using: string | undefined;
    if (this.acceptKw('using')) using = this.ident();
    this.expectPunct('(');
    const columns: { name: string; pos: number }[] = [];
    do {
      const p = this.peek().pos;
      if (!this.isIdentLike() || this.isPunct('(', 1)) throw new SqlError(SqlState.featureNotSupported, 'expression indexes are not supported', { position: p + 1 });
      columns.push({ name: this.ident(), pos: p });
      if (this.acceptKw('collate')) this.qualifiedName();
      this.acceptKw('asc') || this.acceptKw('desc');
      if (this.acceptKw('nulls')) this.next();
    } while (this.acceptPunct(','));
    this.expectPunct(')');
    if (this.isKw('include') || this.isKw('where')) throw new SqlError(SqlState.featureNotSupported, `indexes with ${this.peek().value.toUpperCase()} are not supported`, { position: this.peek().pos + 1 });
    if (this.isKw('with') && this.isPunct('(', 1)) {
      this.next();
      this.optionList();
    }
    return { kind: 'createIndex', name, table, columns, unique, ifNotExists, using, pos };
  }

  /** CREATE/ALTER ROLE options (PostgreSQL's OptRoleList); those Tessera cannot honour are 0A000. */
  private roleOptions(): RoleOptionsAst {
    this.acceptKw('with');
    const o: RoleOptionsAst = {};
    // Privilege flags are accepted: Tessera checks no privileges, every role may do everything.
    const ignored = ['createdb', 'nocreatedb', 'createrole', 'nocreaterole', 'inherit', 'noinherit', 'replication', 'noreplication', 'bypassrls', 'nobypassrls'];
    while (this.peek().kind !== 'eof' && !this.isPunct(';')) {
      const t = this.peek();
      if (this.acceptKw('superuser')) o.superuser = true;
      else if (this.acceptKw('nosuperuser')) o.superuser = false;
      else if (this.acceptKw('login')) o.login = true;
      else if (this.acceptKw('nologin')) o.login = false;
      else if (this.acceptKw('encrypted') || this.isKw('password')) {
        this.expectKw('password');
        if (this.acceptKw('null')) o.password = null;
        else if (this.peek().kind === 'string') o.password = this.next().value;
        else this.fail();
      } else if (this.acceptKw('unencrypted')) {
        throw new SqlError(SqlState.featureNotSupported, 'UNENCRYPTED PASSWORD is no longer supported', { position: t.pos + 1 });
      } else if (t.kind === 'ident' && ignored.includes(t.value)) this.next();
      else if (t.kind === 'ident' && ['connection', 'valid', 'in', 'role', 'admin', 'user', 'sysid'].includes(t.value)) {
        const feature = ({ connection: 'CONNECTION LIMIT', valid: 'VALID UNTIL', in: 'IN ROLE' } as Record<string, string>)[t.value] ?? t.value.toUpperCase();
        throw new SqlError(SqlState.featureNotSupported, `role option ${feature} is not supported`, { position: t.pos + 1 });
      } else this.fail();
    }
    return o;
  }

  private dropStmt(): Statement {
    const pos = this.next().pos;
    let object: 'table' | 'index' | 'view' | 'sequence' | 'schema';
    if (this.acceptKw('table')) object = 'table';
    else if (this.acceptKw('index')) {
      object = 'index';
      this.acceptKw('concurrently');
    } else if (this.acceptKw('view')) object = 'view';
    else if (this.acceptKw('sequence')) object = 'sequence';
    else if (this.acceptKw('schema')) object = 'schema';
    else if ((this.isKw('role') || this.isKw('user')) && !this.isKw('mapping', 1)) {
      this.next();
      const ifExists = this.acceptKw('if', 'exists');
      const names: string[] = [];
      do names.push(this.ident()); while (this.acceptPunct(','));
      return { kind: 'dropRole', names, ifExists, pos };
    }
    else return this.unsupportedStatement(`DROP ${this.peek().value.toUpperCase()}`);
    const ifExists = this.acceptKw('if', 'exists');
    const names: string[][] = [];
    do names.push(this.qualifiedName()); while (this.acceptPunct(','));
    let cascade = false;
    if (this.acceptKw('cascade')) cascade = true;
    else this.acceptKw('restrict');
    return { kind: 'drop', object, names, ifExists, cascade, pos };
  }

  private truncateStmt(): Statement {
    const pos = this.next().pos;
    this.acceptKw('table');
    const tables: string[][] = [];
    do {
      this.acceptKw('only');
      tables.push(this.qualifiedName());
      this.acceptOp('*');
    } while (this.acceptPunct(','));
    let restartIdentity = false;
    if (this.acceptKw('restart')) {
      this.expectKw('identity');
      restartIdentity = true;
    } else if (this.acceptKw('continue')) this.expectKw('identity');
    this.acceptKw('cascade') || this.acceptKw('restrict');
    return { kind: 'truncate', tables, restartIdentity, pos };
  }

  private alterStmt(): Statement {
    const pos = this.next().pos;
    if ((this.isKw('role') || this.isKw('user')) && !this.isKw('mapping', 1)) {
      const user = this.next().value === 'user';
      const name = this.ident();
      if (this.isKw('rename') || this.isKw('set') || this.isKw('reset') || this.isKw('in')) return this.unsupportedStatement(`ALTER ROLE ... ${this.peek().value.toUpperCase()}`);
      return { kind: 'role', op: 'alter', name, user, options: this.roleOptions(), pos };
    }
    if (!this.acceptKw('table')) return this.unsupportedStatement(`ALTER ${this.peek().value.toUpperCase()}`);
    const ifExists = this.acceptKw('if', 'exists');
    this.acceptKw('only');
    const table = this.qualifiedName();
    const actions: AlterAction[] = [];
    do actions.push(this.alterAction()); while (this.acceptPunct(','));
    return { kind: 'alterTable', table, ifExists, actions, pos };
  }

  private alterAction(): AlterAction {
    const pos = this.peek().pos;
    if (this.acceptKw('add')) {
      if (this.isKw('constraint') || this.isKw('primary') || this.isKw('unique') || this.isKw('check') || this.isKw('foreign')) {
        return { kind: 'addConstraint', constraint: this.tableConstraint(), pos };
      }
      this.acceptKw('column');
      const ifNotExists = this.acceptKw('if', 'not', 'exists');
      return { kind: 'addColumn', column: this.columnDef(), ifNotExists, pos };
    }
    if (this.acceptKw('drop')) {
      if (this.isKw('constraint')) throw new SqlError(SqlState.featureNotSupported, 'ALTER TABLE DROP CONSTRAINT is not supported', { position: pos + 1 });
      this.acceptKw('column');
      const ifExists = this.acceptKw('if', 'exists');
      const name = this.ident();
      this.acceptKw('cascade') || this.acceptKw('restrict');
      return { kind: 'dropColumn', name, ifExists, pos };
    }
    if (this.acceptKw('rename')) {
      if (this.acceptKw('to')) return { kind: 'renameTable', to: this.ident(), pos };
      if (this.isKw('constraint')) throw new SqlError(SqlState.featureNotSupported, 'ALTER TABLE RENAME CONSTRAINT is not supported', { position: pos + 1 });
      this.acceptKw('column');
      const from = this.ident();
      this.expectKw('to');
      return { kind: 'renameColumn', from, to: this.ident(), pos };
    }
    if (this.acceptKw('alter')) {
      this.acceptKw('column');
      const column = this.ident();
      if (this.acceptKw('set', 'default')) {
        const start = this.peek().pos;
        const expr = this.expr();
        return { kind: 'alterColumn', column, action: 'setDefault', default: { expr, text: this.sql.slice(start, this.tokens[this.i - 1].end) }, pos };
      }
      if (this.acceptKw('drop', 'default')) return { kind: 'alterColumn', column, action: 'dropDefault', pos };
      if (this.acceptKw('set', 'not', 'null')) return { kind: 'alterColumn', column, action: 'setNotNull', pos };
      if (this.acceptKw('drop', 'not', 'null')) return { kind: 'alterColumn', column, action: 'dropNotNull', pos };
      throw new SqlError(SqlState.featureNotSupported, `ALTER COLUMN ${this.peek().text.toUpperCase()} is not supported`, { position: this.peek().pos + 1 });
    }
    if (this.isKw('set') && this.isPunct('(', 1)) {
      this.next();
      return { kind: 'setOptions', options: this.optionList(), pos };
    }
    throw new SqlError(SqlState.featureNotSupported, `ALTER TABLE ${this.peek().text.toUpperCase()} is not supported`, { position: pos + 1 });
  }

  // ---- transactions and session ----

  private transactionModes(): void {
    for (;;) {
      if (this.acceptKw('isolation')) {
        this.expectKw('level');
        if (this.acceptKw('read')) this.next();
        else if (this.acceptKw('repeatable')) this.expectKw('read');
        else this.expectKw('serializable');
      } else if (this.acceptKw('read')) {
        if (!this.acceptKw('write')) this.expectKw('only');
      } else if (this.acceptKw('not')) this.expectKw('deferrable');
      else if (this.acceptKw('deferrable')) {
        // accepted
      } else return;
      this.acceptPunct(',');
    }
  }

  private beginStmt(): Statement {
    const t = this.next();
    if (t.value === 'start') this.expectKw('transaction');
    else this.acceptKw('transaction') || this.acceptKw('work');
    this.transactionModes();
    return { kind: 'begin', pos: t.pos };
  }

  private rollbackStmt(): Statement {
    const pos = this.next().pos;
    this.acceptKw('transaction') || this.acceptKw('work');
    if (this.acceptKw('to')) {
      this.acceptKw('savepoint');
      return { kind: 'savepoint', op: 'rollbackTo', name: this.ident(), pos };
    }
    this.skipAndChain();
    return { kind: 'rollback', pos };
  }

  private varName(): string {
    let name = this.anyName();
    while (this.acceptPunct('.')) name += '.' + this.anyName();
    return name.toLowerCase();
  }

  private setStmt(): Statement {
    const pos = this.next().pos;
    let local = false;
    if (this.acceptKw('local')) local = true;
    else this.acceptKw('session');
    if (this.acceptKw('transaction') || this.acceptKw('session', 'characteristics', 'as', 'transaction')) {
      this.transactionModes();
      return { kind: 'setTransaction', pos };
    }
    if (this.acceptKw('time', 'zone')) {
      const v = this.acceptKw('local') || this.acceptKw('default') ? 'default' : [this.setValue()];
      return { kind: 'set', name: 'timezone', value: v, local, pos };
    }
    if (this.acceptKw('names')) return { kind: 'set', name: 'client_encoding', value: [this.setValue()], local, pos };
    if (this.acceptKw('schema')) return { kind: 'set', name: 'search_path', value: [this.setValue()], local, pos };
    if (this.acceptKw('role') || this.acceptKw('session', 'authorization')) {
      return { kind: 'unsupported', feature: 'SET ROLE', pos };
    }
    const name = this.varName();
    if (!this.acceptKw('to') && !this.acceptOp('=')) this.fail();
    if (this.acceptKw('default')) return { kind: 'set', name, value: 'default', local, pos };
    const values: string[] = [];
    do values.push(this.setValue()); while (this.acceptPunct(','));
    return { kind: 'set', name, value: values, local, pos };
  }

  private setValue(): string {
    const t = this.next();
    if (t.kind === 'op' && t.value === '-') {
      const n = this.next();
      if (n.kind !== 'number') this.fail(n);
      return '-' + n.value;
    }
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'qident') return t.value;
    if (t.kind === 'ident') return t.value;
    this.fail(t);
  }

  private showStmt(): Statement {
    const pos = this.next().pos;
    if (this.acceptKw('all')) return { kind: 'show', name: 'all', pos };
    if (this.acceptKw('time', 'zone')) return { kind: 'show', name: 'timezone', pos };
    if (this.acceptKw('transaction', 'isolation', 'level')) return { kind: 'show', name: 'transaction_isolation', pos };
    return { kind: 'show', name: this.varName(), pos };
  }

  private vacuumStmt(): Statement {
    const pos = this.next().pos;
    let analyzeOnly = false;
    if (this.isPunct('(')) this.optionList();
    while (this.isKw('full') || this.isKw('freeze') || this.isKw('verbose') || this.isKw('analyze') || this.isKw('analyse')) this.next();
    const tables: string[][] = [];
    if (this.isIdentLike()) {
      do {
        tables.push(this.qualifiedName());
        if (this.isPunct('(')) this.columnNameList();
      } while (this.acceptPunct(','));
    }
    analyzeOnly = false;
    return { kind: 'vacuum', analyzeOnly, tables, pos };
  }

  private analyzeStmt(): Statement {
    const pos = this.next().pos;
    if (this.isPunct('(')) this.optionList();
    this.acceptKw('verbose');
    const tables: string[][] = [];
    if (this.isIdentLike()) {
      do {
        tables.push(this.qualifiedName());
        if (this.isPunct('(')) this.columnNameList();
      } while (this.acceptPunct(','));
    }
    return { kind: 'vacuum', analyzeOnly: true, tables, pos };
  }

  private explainStmt(): Statement {
    const pos = this.next().pos;
    let analyze = false;
    if (this.isPunct('(')) {
      const opts = this.optionList();
      analyze = opts.analyze === 'true' || opts.analyze === 'on';
    } else {
      if (this.acceptKw('analyze') || this.acceptKw('analyse')) analyze = true;
      this.acceptKw('verbose');
    }
    return { kind: 'explain', analyze, statement: this.statement(), pos };
  }

  private declareStmt(): Statement {
    const pos = this.next().pos;
    const name = this.ident();
    let binary = false;
    let hold = false;
    for (;;) {
      if (this.acceptKw('binary')) binary = true;
      else if (this.acceptKw('insensitive') || this.acceptKw('asensitive')) continue;
      else if (this.acceptKw('no', 'scroll')) continue;
      else if (this.acceptKw('scroll')) throw new SqlError(SqlState.featureNotSupported, 'SCROLL cursors are not supported', { position: pos + 1 });
      else break;
    }
    this.expectKw('cursor');
    if (this.acceptKw('with')) {
      this.expectKw('hold');
      hold = true;
    } else if (this.acceptKw('without')) this.expectKw('hold');
    this.expectKw('for');
    return { kind: 'declare', name, query: this.selectStmt(), hold, binary, pos };
  }

  private fetchStmt(): Statement {
    const t = this.next();
    let count: number | 'all' = 1;
    if (this.acceptKw('next') || this.acceptKw('forward')) {
      if (this.acceptKw('all')) count = 'all';
      else if (this.peek().kind === 'number') count = Number(this.next().value);
    } else if (this.acceptKw('all')) count = 'all';
    else if (this.peek().kind === 'number') count = Number(this.next().value);
    else if (this.isKw('prior') || this.isKw('first') || this.isKw('last') || this.isKw('absolute') || this.isKw('relative') || this.isKw('backward')) {
      throw new SqlError(SqlState.featureNotSupported, `FETCH ${this.peek().value.toUpperCase()} is not supported (cursors are forward-only)`, { position: this.peek().pos + 1 });
    }
    this.acceptKw('from') || this.acceptKw('in');
    return { kind: 'fetch', name: this.ident(), count, move: t.value === 'move', pos: t.pos };
  }

  private copyStmt(): Statement {
    const pos = this.next().pos;
    let table: string[] = [];
    let query: SelectStmt | undefined;
    let columns: string[] | undefined;
    if (this.acceptPunct('(')) {
      query = this.selectStmt();
      this.expectPunct(')');
    } else {
      table = this.qualifiedName();
      if (this.isPunct('(')) columns = this.columnNameList();
    }
    let direction: 'from' | 'to';
    if (this.acceptKw('from')) direction = 'from';
    else {
      this.expectKw('to');
      direction = 'to';
    }
    let target: 'stdin' | 'stdout';
    if (this.acceptKw('stdin')) target = 'stdin';
    else if (this.acceptKw('stdout')) target = 'stdout';
    else throw new SqlError(SqlState.featureNotSupported, 'COPY to or from a file or program is not supported; use STDIN/STDOUT', { position: this.peek().pos + 1 });
    if ((direction === 'from') !== (target === 'stdin')) this.fail();
    const options: Record<string, string> = {};
    this.acceptKw('with');
    if (this.isPunct('(')) Object.assign(options, this.optionList());
    else {
      // legacy options: BINARY, CSV, HEADER, DELIMITER 'x', NULL 'x'
      for (;;) {
        if (this.acceptKw('binary')) options.format = 'binary';
        else if (this.acceptKw('csv')) options.format = 'csv';
        else if (this.acceptKw('header')) options.header = 'true';
        else if (this.acceptKw('delimiter')) {
          this.acceptKw('as');
          options.delimiter = this.next().value;
        } else if (this.acceptKw('null')) {
          this.acceptKw('as');
          options.null = this.next().value;
        } else if (this.acceptKw('freeze')) options.freeze = 'true';
        else break;
      }
    }
    return { kind: 'copy', table, columns, query, direction, target, options, pos };
  }
}

/** Parses a query string into statements (an empty string gives none). */
export function parseSql(sql: string): ParsedStatement[] {
  return new Parser(sql).parseScript();
}

/** Parses a type name (regtype input). */
export function parseTypeName(text: string): import('./ast.js').TypeName {
  const p = new Parser(text);
  const t = p.typeName();
  return t;
}

/** Parses one expression (column DEFAULT text stored in the catalog). */
export function parseExpression(text: string): Expr {
  const p = new Parser(text);
  const e = p.expr();
  return e;
}

export type { Literal };
