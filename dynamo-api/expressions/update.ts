// UpdateExpression: text -> raw clauses (syntax.ts) -> DynamoDB's checks in its order ->
// UpdateExpression AST. The order, reproduced from DynamoDB's answers:
//   1. syntax, the 300-operator limit;
//   2. section by section (in order of first appearance): reserved words, list indexes,
//      function names and placement, then "section can only be used once";
//   3. #names in the action paths, then overlapping / conflicting paths;
//   4. from the last action back to the first: #names in values, then placeholders, operand
//      counts, document-path arguments and operand types (ADD/DELETE operands included).
import { invalidExpression } from '../errors.js';
import { longTypeName, typeOf, type AttributeType, type AttributeValue } from '../values.js';
import type { Path, UpdateAction, UpdateExpression, UpdateValue } from './ast.js';
import { OPERATORS_MAX } from './condition.js';
import { clashMessage, findPathClash } from './paths.js';
import type { ExpressionAttributes } from './placeholders.js';
import { Checker, type RawPath } from './semantics.js';
import { Parser, rawChildren, type RawAction, type RawClause, type RawClauseKeyword, type RawNode } from './syntax.js';
import { checkExpressionText } from './tokens.js';

const LABEL = 'UpdateExpression';

const UPDATE_FUNCTIONS: Readonly<Record<string, number>> = { if_not_exists: 2, list_append: 2 };
const OTHER_FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size']);

interface FlatAction {
  readonly keyword: RawClauseKeyword;
  readonly action: RawAction;
}

class UpdateChecker extends Checker {
  lexical(n: RawNode): void {
    if (n.t === 'path') {
      this.checkPathLexical(n);
      return;
    }
    if (n.t === 'call') {
      if (!Object.prototype.hasOwnProperty.call(UPDATE_FUNCTIONS, n.name)) {
        if (OTHER_FUNCTIONS.has(n.name)) throw this.fail(`The function is not allowed in an update expression; function: ${n.name}`);
        throw this.fail(`Invalid function name; function: ${n.name}`);
      }
    }
    for (const c of rawChildren(n)) this.lexical(c);
  }

  /** #names anywhere in a value, checked before anything else of the value. */
  namesIn(n: RawNode): void {
    if (n.t === 'path') {
      for (const e of n.elems) if (e.k === 'name') this.resolveName(e.text);
      return;
    }
    for (const c of rawChildren(n)) this.namesIn(c);
  }

  private staticType(v: UpdateValue): AttributeType | undefined {
    switch (v.kind) {
      case 'value':
        return typeOf(v.value);
      case 'list_append':
        return 'L';
      case 'arithmetic':
        return 'N';
      case 'path':
      case 'if_not_exists':
        return undefined;
    }
  }

  value(n: RawNode, insideListAppend: boolean): UpdateValue {
    switch (n.t) {
      case 'path':
        return { kind: 'path', path: this.resolvePath(n) };
      case 'value':
        return { kind: 'value', value: this.resolveValue(n.ref) };
      case 'arith': {
        const left = this.value(n.left, false);
        const right = this.value(n.right, false);
        for (const side of [left, right]) {
          const t = this.staticType(side);
          if (t !== undefined && t !== 'N') throw this.operandType(n.op, t);
        }
        return { kind: 'arithmetic', op: n.op, left, right };
      }
      case 'call':
        return this.call(n, insideListAppend);
      default:
        throw new Error(`assertion failed: ${n.t} in an update value`);
    }
  }

  private call(n: RawNode & { t: 'call' }, insideListAppend: boolean): UpdateValue {
    if (n.args.length !== UPDATE_FUNCTIONS[n.name]) throw this.operandCount(n.name, n.args.length);
    if (n.name === 'if_not_exists') {
      const first = n.args[0];
      if (first.t !== 'path') {
        if (first.t === 'value') this.resolveValue(first.ref);
        throw this.needsPath('if_not_exists');
      }
      const path = this.resolvePath(first as RawPath);
      return { kind: 'if_not_exists', path, fallback: this.value(n.args[1], false) };
    }
    // list_append
    if (insideListAppend) throw this.fail('The function is not allowed to be used this way in an expression; function: list_append');
    const left = this.value(n.args[0], true);
    const right = this.value(n.args[1], true);
    for (const side of [left, right]) {
      const t = this.staticType(side);
      if (t !== undefined && t !== 'L') throw this.operandType('list_append', t);
    }
    return { kind: 'list_append', left, right };
  }

  /** ADD takes a number or a set; DELETE a set. */
  setOperand(keyword: 'ADD' | 'DELETE', v: AttributeValue): void {
    const t = typeOf(v);
    const ok = t === 'SS' || t === 'NS' || t === 'BS' || (keyword === 'ADD' && t === 'N');
    if (!ok) {
      throw this.fail(
        `Incorrect operand type for operator or function; operator: ${keyword}, operand type: ${longTypeName(t)}, typeSet: ALLOWED_FOR_${keyword}_OPERAND`,
      );
    }
  }
}

/**
 * Parses an UpdateExpression, resolving placeholders through `attrs`. Throws DynamoDB's
 * ValidationException for any syntax or semantic problem.
 */
export function parseUpdate(text: string, attrs: ExpressionAttributes): UpdateExpression {
  checkExpressionText(LABEL, text);
  const p = Parser.forUpdate(text);
  const clauses = p.parseUpdate();
  if (p.operatorCount > OPERATORS_MAX) {
    throw invalidExpression(LABEL, `The expression contains too many operators; operator count: ${p.operatorCount}`);
  }
  const checker = new UpdateChecker(LABEL, attrs);

  // 2. Section by section.
  const sections = new Map<RawClauseKeyword, RawClause[]>();
  for (const c of clauses) sections.set(c.keyword, [...(sections.get(c.keyword) ?? []), c]);
  for (const [keyword, list] of sections) {
    for (const c of list) {
      for (const a of c.actions) {
        checker.lexical(a.path);
        if (a.value !== undefined) checker.lexical(a.value);
      }
    }
    if (list.length > 1) throw invalidExpression(LABEL, `The "${keyword}" section can only be used once in an update expression;`);
  }

  // 3. Paths.
  const flat: FlatAction[] = clauses.flatMap((c) => c.actions.map((action) => ({ keyword: c.keyword, action })));
  for (const f of flat) checker.namesIn(f.action.path);
  const paths = flat.map((f) => checker.resolvePath(f.action.path));
  const clash = findPathClash(paths);
  if (clash !== undefined) throw invalidExpression(LABEL, clashMessage(clash));

  // 4. Values, last action first.
  for (let i = flat.length - 1; i >= 0; i--) {
    const v = flat[i].action.value;
    if (v !== undefined) checker.namesIn(v);
  }
  const actions: UpdateAction[] = new Array(flat.length);
  for (let i = flat.length - 1; i >= 0; i--) {
    actions[i] = buildAction(checker, flat[i], paths[i]);
  }
  return { kind: 'update', actions };
}

function buildAction(checker: UpdateChecker, f: FlatAction, path: Path): UpdateAction {
  const raw = f.action.value;
  switch (f.keyword) {
    case 'SET':
      return { kind: 'set', path, value: checker.value(raw as RawNode, false) };
    case 'REMOVE':
      return { kind: 'remove', path };
    case 'ADD':
    case 'DELETE': {
      const value = checker.resolveValue((raw as RawNode & { t: 'value' }).ref);
      checker.setOperand(f.keyword, value);
      return f.keyword === 'ADD' ? { kind: 'add', path, value } : { kind: 'delete', path, value };
    }
  }
}
