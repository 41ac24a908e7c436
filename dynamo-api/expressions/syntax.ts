// Recursive-descent parsers for the three grammars, producing a raw syntax tree that still
// holds placeholders and token positions. The per-kind checkers (condition.ts, update.ts,
// projection.ts) turn it into the public AST in a second step, because DynamoDB reports every
// syntax error before any semantic one (reserved words, undefined placeholders, types, ...).
//
// Condition grammar (precedence low to high: OR, AND, NOT, comparison):
//   or      := and (OR and)*
//   and     := not (AND not)*
//   not     := NOT not | cmp
//   cmp     := atom [ comparator atom | BETWEEN atom AND atom | IN '(' atom (',' atom)* ')' ]
//   atom    := '(' or ')' ['.' | '[' path continuation] | function '(' atom (',' atom)* ')'
//            | path | :value
// A parenthesised group may hold a condition or an operand; which one is allowed where is
// settled by `checkConditionShape` with the syntax error DynamoDB's parser gives.
//
// Update grammar:
//   update  := (SET set (',' set)* | REMOVE path (',' path)* | ADD path :v (',' path :v)*
//              | DELETE path :v (',' path :v)*)+
//   set     := path '=' value
//   value   := term [('+' | '-') term]
//   term    := '(' value ')' | operand
//   operand := path | :value | function '(' operand (',' operand)* ')'
//
// Projection grammar:  projection := path (',' path)*
import type { Comparator } from './ast.js';
import { TokenStream } from './tokens.js';

export interface RawPathElem {
  readonly k: 'ident' | 'name' | 'index';
  /** Identifier text, '#ref', or the index digits. */
  readonly text: string;
  readonly tok: number;
}

interface RawBase {
  /** First and last token index, including wrapping parentheses. */
  first: number;
  last: number;
  /** Pairs of parentheses directly around this node. */
  parens: number;
}

export type RawNode =
  | (RawBase & { readonly t: 'path'; readonly elems: readonly RawPathElem[] })
  | (RawBase & { readonly t: 'value'; readonly ref: string })
  | (RawBase & { readonly t: 'call'; readonly name: string; readonly nameTok: number; readonly args: readonly RawNode[] })
  | (RawBase & { readonly t: 'cmp'; readonly op: Comparator; readonly opTok: number; readonly left: RawNode; readonly right: RawNode })
  | (RawBase & { readonly t: 'between'; readonly opTok: number; readonly operand: RawNode; readonly low: RawNode; readonly high: RawNode })
  | (RawBase & { readonly t: 'in'; readonly opTok: number; readonly operand: RawNode; readonly list: readonly RawNode[] })
  | (RawBase & { readonly t: 'and' | 'or'; readonly opTok: number; readonly left: RawNode; readonly right: RawNode })
  | (RawBase & { readonly t: 'not'; readonly opTok: number; readonly operand: RawNode })
  | (RawBase & { readonly t: 'arith'; readonly op: '+' | '-'; readonly opTok: number; readonly left: RawNode; readonly right: RawNode });

export type RawClauseKeyword = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

export interface RawAction {
  readonly path: RawNode & { t: 'path' };
  /** SET: the value; ADD/DELETE: the :value; REMOVE: none. */
  readonly value?: RawNode;
}

export interface RawClause {
  readonly keyword: RawClauseKeyword;
  readonly tok: number;
  readonly actions: readonly RawAction[];
}

const CONDITION_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const UPDATE_KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * Bound on nested groups and calls. Valid expressions under 4 KB stay far below it (deep
 * nesting needs an operator per level, and more than 300 operators are refused); it keeps
 * the recursion well inside Node's stack for any input.
 */
export const NESTING_DEPTH_MAX = 1000;

export class Parser extends TokenStream {
  private depth = 0;
  /** Operators DynamoDB counts toward its limit of 300 (comparators, AND/OR/NOT/BETWEEN/IN, +, -, update functions). */
  operatorCount = 0;

  constructor(label: string, text: string, private readonly keywords: ReadonlySet<string>) {
    super(label, text);
  }

  static forCondition(label: string, text: string): Parser {
    return new Parser(label, text, CONDITION_KEYWORDS);
  }

  static forUpdate(text: string): Parser {
    return new Parser('UpdateExpression', text, UPDATE_KEYWORDS);
  }

  static forProjection(text: string): Parser {
    return new Parser('ProjectionExpression', text, new Set());
  }

  private isGrammarKeyword(offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && this.keywords.has(t.text.toUpperCase());
  }

  private enter(): void {
    if (++this.depth > NESTING_DEPTH_MAX) throw this.error();
  }

  private leave(): void {
    this.depth--;
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') throw this.error();
  }

  // ---- Paths ----

  /** A document path starting at the current token (an identifier or #name). */
  parsePath(): RawNode & { t: 'path' } {
    const first = this.pos;
    const t = this.peek();
    if (!((t.kind === 'ident' && !this.isGrammarKeyword()) || t.kind === 'name')) throw this.error();
    this.next();
    const elems: RawPathElem[] = [{ k: t.kind === 'name' ? 'name' : 'ident', text: t.text, tok: first }];
    this.parsePathRest(elems);
    return { t: 'path', elems, first, last: this.pos - 1, parens: 0 };
  }

  private parsePathRest(elems: RawPathElem[]): void {
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const t = this.peek();
        if (!((t.kind === 'ident' && !this.isGrammarKeyword()) || t.kind === 'name')) throw this.error();
        elems.push({ k: t.kind === 'name' ? 'name' : 'ident', text: t.text, tok: this.pos });
        this.next();
      } else if (this.isPunct('[')) {
        this.next();
        const t = this.peek();
        if (t.kind !== 'number') throw this.error();
        elems.push({ k: 'index', text: t.text, tok: this.pos });
        this.next();
        this.expectPunct(']');
      } else {
        return;
      }
    }
  }

  // ---- Conditions ----

  parseCondition(): RawNode {
    const node = this.parseOr();
    this.expectEnd();
    return node;
  }

  private parseOr(): RawNode {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      const opTok = this.pos;
      this.next();
      this.operatorCount++;
      const right = this.parseAnd();
      left = { t: 'or', opTok, left, right, first: left.first, last: right.last, parens: 0 };
    }
    return left;
  }

  private parseAnd(): RawNode {
    let left = this.parseNot();
    while (this.isKeyword('AND')) {
      const opTok = this.pos;
      this.next();
      this.operatorCount++;
      const right = this.parseNot();
      left = { t: 'and', opTok, left, right, first: left.first, last: right.last, parens: 0 };
    }
    return left;
  }

  private parseNot(): RawNode {
    if (!this.isKeyword('NOT')) return this.parseComparison();
    const opTok = this.pos;
    this.next();
    this.operatorCount++;
    this.enter();
    const operand = this.parseNot();
    this.leave();
    return { t: 'not', opTok, operand, first: opTok, last: operand.last, parens: 0 };
  }

  private parseComparison(): RawNode {
    const left = this.parseAtom();
    const t = this.peek();
    if (t.kind === 'punct' && COMPARATORS.has(t.text)) {
      const opTok = this.pos;
      this.next();
      this.operatorCount++;
      const right = this.parseAtom();
      return { t: 'cmp', op: t.text as Comparator, opTok, left, right, first: left.first, last: right.last, parens: 0 };
    }
    if (this.isKeyword('BETWEEN')) {
      const opTok = this.pos;
      this.next();
      this.operatorCount++;
      const low = this.parseAtom();
      if (!this.isKeyword('AND')) throw this.error();
      this.next();
      const high = this.parseAtom();
      return { t: 'between', opTok, operand: left, low, high, first: left.first, last: high.last, parens: 0 };
    }
    if (this.isKeyword('IN')) {
      const opTok = this.pos;
      this.next();
      this.operatorCount++;
      this.expectPunct('(');
      const list = [this.parseAtom()];
      while (this.isPunct(',')) {
        this.next();
        list.push(this.parseAtom());
      }
      this.expectPunct(')');
      return { t: 'in', opTok, operand: left, list, first: left.first, last: this.pos - 1, parens: 0 };
    }
    return left;
  }

  private parseAtom(): RawNode {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      const first = this.pos;
      this.next();
      this.enter();
      const inner = this.parseOr();
      this.leave();
      this.expectPunct(')');
      inner.parens++;
      inner.first = first;
      inner.last = this.pos - 1;
      if (this.isPunct('.') || this.isPunct('[')) {
        // (a.b).c continues a parenthesised path; nothing else may be continued.
        if (inner.t !== 'path') throw this.error();
        const elems = [...inner.elems];
        this.parsePathRest(elems);
        return { t: 'path', elems, first, last: this.pos - 1, parens: 0 };
      }
      return inner;
    }
    if (t.kind === 'ident' && !this.isGrammarKeyword() && this.isPunct('(', 1)) return this.parseCall(false);
    if (t.kind === 'value') {
      this.next();
      return { t: 'value', ref: t.text, first: this.pos - 1, last: this.pos - 1, parens: 0 };
    }
    return this.parsePath();
  }

  private parseCall(update: boolean): RawNode {
    const nameTok = this.pos;
    const name = this.next().text;
    this.next(); // '('
    this.enter();
    const args = [update ? this.parseUpdateOperand() : this.parseAtom()];
    while (this.isPunct(',')) {
      this.next();
      args.push(update ? this.parseUpdateOperand() : this.parseAtom());
    }
    this.leave();
    this.expectPunct(')');
    if (update) this.operatorCount++;
    return { t: 'call', name, nameTok, args, first: nameTok, last: this.pos - 1, parens: 0 };
  }

  // ---- Updates ----

  parseUpdate(): RawClause[] {
    const clauses: RawClause[] = [];
    do {
      const t = this.peek();
      const keyword = t.kind === 'ident' ? t.text.toUpperCase() : '';
      if (!UPDATE_KEYWORDS.has(keyword)) throw this.error();
      const tok = this.pos;
      this.next();
      const actions: RawAction[] = [];
      do {
        if (actions.length > 0) this.next(); // ','
        actions.push(this.parseUpdateAction(keyword as RawClauseKeyword));
      } while (this.isPunct(','));
      clauses.push({ keyword: keyword as RawClauseKeyword, tok, actions });
    } while (this.peek().kind !== 'eof');
    return clauses;
  }

  private parseUpdateAction(keyword: RawClauseKeyword): RawAction {
    const path = this.parsePath();
    switch (keyword) {
      case 'SET':
        this.expectPunct('=');
        return { path, value: this.parseSetValue() };
      case 'REMOVE':
        return { path };
      case 'ADD':
      case 'DELETE': {
        const t = this.peek();
        if (t.kind !== 'value') throw this.error();
        this.next();
        return { path, value: { t: 'value', ref: t.text, first: this.pos - 1, last: this.pos - 1, parens: 0 } };
      }
    }
  }

  private parseSetValue(): RawNode {
    const left = this.parseSetTerm();
    if (this.isPunct('+') || this.isPunct('-')) {
      const opTok = this.pos;
      const op = this.next().text as '+' | '-';
      this.operatorCount++;
      const right = this.parseSetTerm();
      return { t: 'arith', op, opTok, left, right, first: left.first, last: right.last, parens: 0 };
    }
    return left;
  }

  private parseSetTerm(): RawNode {
    if (!this.isPunct('(')) return this.parseUpdateOperand();
    const first = this.pos;
    this.next();
    this.enter();
    const inner = this.parseSetValue();
    this.leave();
    this.expectPunct(')');
    inner.parens++;
    inner.first = first;
    inner.last = this.pos - 1;
    return inner;
  }

  private parseUpdateOperand(): RawNode {
    const t = this.peek();
    if (t.kind === 'value') {
      this.next();
      return { t: 'value', ref: t.text, first: this.pos - 1, last: this.pos - 1, parens: 0 };
    }
    if (t.kind === 'ident' && !this.isGrammarKeyword() && this.isPunct('(', 1)) return this.parseCall(true);
    return this.parsePath();
  }

  // ---- Projections ----

  parseProjection(): (RawNode & { t: 'path' })[] {
    const paths = [this.parsePath()];
    while (this.isPunct(',')) {
      this.next();
      paths.push(this.parsePath());
    }
    this.expectEnd();
    return paths;
  }
}

/** Children in source order (for walks that must report the first problem in the text). */
export function rawChildren(n: RawNode): readonly RawNode[] {
  switch (n.t) {
    case 'path':
    case 'value':
      return [];
    case 'call':
      return n.args;
    case 'cmp':
    case 'and':
    case 'or':
    case 'arith':
      return [n.left, n.right];
    case 'between':
      return [n.operand, n.low, n.high];
    case 'in':
      return [n.operand, ...n.list];
    case 'not':
      return [n.operand];
  }
}
