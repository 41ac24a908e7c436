// ConditionExpression and FilterExpression (and the first stage of KeyConditionExpression):
// text -> raw tree (syntax.ts) -> DynamoDB's checks in its order -> Condition AST.
import { invalidExpression } from '../errors.js';
import { ATTRIBUTE_TYPES, compareValues, isOrderedType, typeOf, type AttributeType } from '../values.js';
import type { Comparator, Condition, Operand, Path } from './ast.js';
import type { ExpressionAttributes } from './placeholders.js';
import {
  ANY_TYPE_MESSAGE,
  Checker,
  describeBound,
  samePath,
  TYPE_NAMES_MESSAGE,
  type RawPath,
} from './semantics.js';
import { Parser, type RawNode } from './syntax.js';
import { checkExpressionText } from './tokens.js';

export type ConditionLabel = 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression';

/** Documented limit on operators in one expression. */
export const OPERATORS_MAX = 300;
/** Documented limit on the IN list. */
export const IN_OPERANDS_MAX = 100;

const CONDITION_FUNCTIONS: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
};
const OPERAND_FUNCTIONS: Readonly<Record<string, number>> = { size: 1 };
const UPDATE_FUNCTIONS: Readonly<Record<string, number>> = { if_not_exists: 2, list_append: 2 };

function has(table: Readonly<Record<string, number>>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, name);
}

function isConditionNode(n: RawNode): boolean {
  return n.t === 'cmp' || n.t === 'between' || n.t === 'in' || n.t === 'and' || n.t === 'or' || n.t === 'not';
}

/** The first operator token of a condition, where DynamoDB's parser stops in operand position. */
function leftmostOperator(n: RawNode): number {
  switch (n.t) {
    case 'not':
      return n.opTok;
    case 'cmp':
    case 'and':
    case 'or':
      return isConditionNode(n.left) ? leftmostOperator(n.left) : n.opTok;
    case 'between':
    case 'in':
      return isConditionNode(n.operand) ? leftmostOperator(n.operand) : n.opTok;
    default:
      return n.last + 1;
  }
}

type Place = 'condition' | 'leftOperand' | 'operand';

/**
 * Where a condition is required an operand is a syntax error at the token after it; where an
 * operand is required a condition is one at the token DynamoDB's parser rejects.
 */
function checkShape(p: Parser, n: RawNode, place: Place): void {
  if (place === 'condition' && (n.t === 'path' || n.t === 'value')) throw p.error(n.last + 1);
  if (place !== 'condition' && isConditionNode(n)) throw p.error(place === 'leftOperand' ? n.last + 1 : leftmostOperator(n));
  switch (n.t) {
    case 'and':
    case 'or':
      checkShape(p, n.left, 'condition');
      checkShape(p, n.right, 'condition');
      return;
    case 'not':
      checkShape(p, n.operand, 'condition');
      return;
    case 'cmp':
      checkShape(p, n.left, 'leftOperand');
      checkShape(p, n.right, 'operand');
      return;
    case 'between':
      checkShape(p, n.operand, 'leftOperand');
      checkShape(p, n.low, 'operand');
      checkShape(p, n.high, 'operand');
      return;
    case 'in':
      checkShape(p, n.operand, 'leftOperand');
      for (const e of n.list) checkShape(p, e, 'operand');
      return;
    case 'call':
      for (const a of n.args) checkShape(p, a, 'operand');
      return;
    case 'path':
    case 'value':
    case 'arith':
      return;
  }
}

function hasRedundantParens(n: RawNode): boolean {
  if (n.parens >= 2) return true;
  switch (n.t) {
    case 'path':
    case 'value':
      return false;
    case 'call':
      return n.args.some(hasRedundantParens);
    case 'cmp':
    case 'and':
    case 'or':
    case 'arith':
      return hasRedundantParens(n.left) || hasRedundantParens(n.right);
    case 'between':
      return hasRedundantParens(n.operand) || hasRedundantParens(n.low) || hasRedundantParens(n.high);
    case 'in':
      return hasRedundantParens(n.operand) || n.list.some(hasRedundantParens);
    case 'not':
      return hasRedundantParens(n.operand);
  }
}

/** Parses text to a raw tree with every syntax-level check done. */
export function parseConditionSyntax(label: ConditionLabel, text: string): RawNode {
  checkExpressionText(label, text);
  const p = Parser.forCondition(label, text);
  const raw = p.parseCondition();
  checkShape(p, raw, 'condition');
  if (p.operatorCount > OPERATORS_MAX) {
    throw invalidExpression(label, `The expression contains too many operators; operator count: ${p.operatorCount}`);
  }
  if (hasRedundantParens(raw)) throw invalidExpression(label, 'The expression has redundant parentheses;');
  return raw;
}

class ConditionChecker extends Checker {
  // ---- Pass 1: source order, lexical ----

  lexical(n: RawNode, place: 'condition' | 'operand'): void {
    switch (n.t) {
      case 'path':
        this.checkPathLexical(n);
        return;
      case 'value':
        return;
      case 'call': {
        const name = n.name;
        if (!has(CONDITION_FUNCTIONS, name) && !has(OPERAND_FUNCTIONS, name) && !has(UPDATE_FUNCTIONS, name)) {
          throw this.fail(`Invalid function name; function: ${name}`);
        }
        if (has(UPDATE_FUNCTIONS, name)) throw this.fail(`The function is not allowed in a condition expression; function: ${name}`);
        if ((place === 'condition') !== has(CONDITION_FUNCTIONS, name)) {
          throw this.fail(`The function is not allowed to be used this way in an expression; function: ${name}`);
        }
        const arity = has(CONDITION_FUNCTIONS, name) ? CONDITION_FUNCTIONS[name] : OPERAND_FUNCTIONS[name];
        if (n.args.length !== arity) throw this.operandCount(name, n.args.length);
        for (const a of n.args) this.lexical(a, 'operand');
        return;
      }
      case 'and':
      case 'or':
        this.lexical(n.left, 'condition');
        this.lexical(n.right, 'condition');
        return;
      case 'not':
        this.lexical(n.operand, 'condition');
        return;
      case 'cmp':
        this.lexical(n.left, 'operand');
        this.lexical(n.right, 'operand');
        return;
      case 'between':
        for (const c of [n.operand, n.low, n.high]) this.lexical(c, 'operand');
        return;
      case 'in':
        for (const c of [n.operand, ...n.list]) this.lexical(c, 'operand');
        return;
      case 'arith':
        throw new Error('assertion failed: arithmetic in a condition');
    }
  }

  // ---- Pass 2: source order, placeholders and types; builds the AST ----

  /** The static type of an operand if known before evaluation (a constant, or size()). */
  private staticType(o: Operand): AttributeType | undefined {
    if (o.kind === 'value') return typeOf(o.value);
    if (o.kind === 'size') return 'N';
    return undefined;
  }

  private checkDistinct(op: string, first: Operand, rest: readonly Operand[]): void {
    if (first.kind !== 'path') return;
    for (const r of rest) {
      if (r.kind === 'path' && samePath(first.path, r.path)) throw this.distinct(op, first.path);
    }
  }

  private requireOrdered(op: string, operands: readonly Operand[]): void {
    for (const o of operands) {
      const t = this.staticType(o);
      if (t !== undefined && !isOrderedType(t)) throw this.operandType(op, t);
    }
  }

  operand(n: RawNode): Operand {
    switch (n.t) {
      case 'path':
        return { kind: 'path', path: this.resolvePath(n) };
      case 'value':
        return { kind: 'value', value: this.resolveValue(n.ref) };
      case 'call': {
        // Pass 1 guarantees this is size() with one argument.
        const inner = this.operand(n.args[0]);
        const t = this.staticType(inner);
        if (t === 'N' || t === 'BOOL' || t === 'NULL') throw this.operandType('size', t);
        return { kind: 'size', operand: inner };
      }
      default:
        throw new Error(`assertion failed: ${n.t} where an operand belongs`);
    }
  }

  condition(n: RawNode): Condition {
    switch (n.t) {
      case 'and':
      case 'or': {
        const left = this.condition(n.left);
        const right = this.condition(n.right);
        return { kind: n.t, left, right };
      }
      case 'not':
        return { kind: 'not', operand: this.condition(n.operand) };
      case 'cmp':
        return this.compare(n.op, this.operand(n.left), this.operand(n.right));
      case 'between': {
        const operand = this.operand(n.operand);
        const low = this.operand(n.low);
        const high = this.operand(n.high);
        this.checkDistinct('BETWEEN', operand, [low, high]);
        this.requireOrdered('BETWEEN', [operand, low, high]);
        if (low.kind === 'value' && high.kind === 'value') {
          const bounds = `lower bound operand: ${describeBound(low.value)}, upper bound operand: ${describeBound(high.value)}`;
          if (typeOf(low.value) !== typeOf(high.value)) {
            throw this.fail(`The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`);
          }
          if ((compareValues(low.value, high.value) ?? 0) > 0) {
            throw this.fail(`The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`);
          }
        }
        return { kind: 'between', operand, low, high };
      }
      case 'in': {
        const operand = this.operand(n.operand);
        const list = n.list.map((e) => this.operand(e));
        if (list.length > IN_OPERANDS_MAX) {
          throw this.fail(`The IN operator is provided with too many operands; number of operands: ${list.length}`);
        }
        this.checkDistinct('IN', operand, list);
        return { kind: 'in', operand, list };
      }
      case 'call':
        return this.call(n);
      case 'path':
      case 'value':
      case 'arith':
        throw new Error(`assertion failed: ${n.t} where a condition belongs`);
    }
  }

  private compare(op: Comparator, left: Operand, right: Operand): Condition {
    this.checkDistinct(op, left, [right]);
    if (op !== '=' && op !== '<>') this.requireOrdered(op, [left, right]);
    return { kind: 'compare', op, left, right };
  }

  private pathArg(name: string, raw: RawNode): Path {
    if (raw.t !== 'path') {
      if (raw.t === 'value') this.resolveValue(raw.ref);
      throw this.needsPath(name);
    }
    return this.resolvePath(raw as RawPath);
  }

  private call(n: RawNode & { t: 'call' }): Condition {
    switch (n.name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        return { kind: n.name, path: this.pathArg(n.name, n.args[0]) };
      case 'attribute_type': {
        const operand = this.operand(n.args[0]);
        const second = this.operand(n.args[1]);
        if (second.kind !== 'value') throw this.operandType('attribute_type', second.kind === 'size' ? 'N' : ANY_TYPE_MESSAGE);
        const t = typeOf(second.value);
        if (!('S' in second.value)) throw this.operandType('attribute_type', t);
        const name = second.value.S;
        if (!(ATTRIBUTE_TYPES as readonly string[]).includes(name)) {
          throw this.fail(`Invalid attribute type name found; type: ${name}, valid types: ${TYPE_NAMES_MESSAGE}`);
        }
        return { kind: 'attribute_type', operand, type: name as AttributeType };
      }
      case 'begins_with': {
        const operand = this.operand(n.args[0]);
        const prefix = this.operand(n.args[1]);
        this.checkDistinct('begins_with', operand, [prefix]);
        for (const o of [operand, prefix]) {
          const t = this.staticType(o);
          if (t !== undefined && t !== 'S' && t !== 'B') throw this.operandType('begins_with', t);
        }
        return { kind: 'begins_with', operand, prefix };
      }
      case 'contains': {
        const operand = this.operand(n.args[0]);
        const needle = this.operand(n.args[1]);
        this.checkDistinct('contains', operand, [needle]);
        return { kind: 'contains', operand, needle };
      }
      default:
        throw new Error(`assertion failed: function ${n.name} as a condition`);
    }
  }
}

/**
 * Parses a ConditionExpression or FilterExpression, resolving placeholders through `attrs`.
 * Throws DynamoDB's ValidationException for any syntax or semantic problem.
 */
export function parseCondition(
  text: string,
  attrs: ExpressionAttributes,
  label: ConditionLabel = 'ConditionExpression',
): Condition {
  const raw = parseConditionSyntax(label, text);
  return checkCondition(label, raw, attrs);
}

/** The semantic stage alone (KeyConditionExpression reuses it before its own rules). */
export function checkCondition(label: ConditionLabel, raw: RawNode, attrs: ExpressionAttributes): Condition {
  const checker = new ConditionChecker(label, attrs);
  checker.lexical(raw, 'condition');
  return checker.condition(raw);
}
