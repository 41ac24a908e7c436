// ConditionExpression / FilterExpression parsing: trees for good expressions and DynamoDB's
// messages for bad ones (Developer Guide, "Condition and filter expressions, operators and
// functions"; messages as DynamoDB returns them).
import { describe, expect, it } from 'vitest';
import type { Condition, Operand } from '../../dynamo-api/expressions/ast.js';
import { parseCondition } from '../../dynamo-api/expressions/condition.js';
import { av, attrs, errorOf } from './helpers.js';

const VALUES = { ':a': 1, ':b': 2, ':s': 'x', ':t': 'S', ':l': [1], ':m': { k: 1 }, ':bool': true };
const NAMES = { '#n': 'name', '#dot': 'a.b', '#and': 'and', '#a': 'a' };

function parse(text: string): Condition {
  return parseCondition(text, attrs(NAMES, VALUES));
}

const p = (...path: (string | number)[]): Operand => ({ kind: 'path', path });
const v = (x: unknown): Operand => ({ kind: 'value', value: av(x) });

describe('parse trees', () => {
  it.each<[string, Condition]>([
    ['a = :a', { kind: 'compare', op: '=', left: p('a'), right: v(1) }],
    [':a <> a', { kind: 'compare', op: '<>', left: v(1), right: p('a') }],
    ['a<:a', { kind: 'compare', op: '<', left: p('a'), right: v(1) }],
    ['a <= :a', { kind: 'compare', op: '<=', left: p('a'), right: v(1) }],
    ['a > :a', { kind: 'compare', op: '>', left: p('a'), right: v(1) }],
    ['a >= :a', { kind: 'compare', op: '>=', left: p('a'), right: v(1) }],
    ['a.b[2].c = :a', { kind: 'compare', op: '=', left: p('a', 'b', 2, 'c'), right: v(1) }],
    ['#n.#dot[0] = :s', { kind: 'compare', op: '=', left: p('name', 'a.b', 0), right: v('x') }],
    ['#and = :a', { kind: 'compare', op: '=', left: p('and'), right: v(1) }],
    ['(a.b).c = :a', { kind: 'compare', op: '=', left: p('a', 'b', 'c'), right: v(1) }],
    ['(a) = (:a)', { kind: 'compare', op: '=', left: p('a'), right: v(1) }],
    ['a BETWEEN :a AND :b', { kind: 'between', operand: p('a'), low: v(1), high: v(2) }],
    ['a between b and c', { kind: 'between', operand: p('a'), low: p('b'), high: p('c') }],
    ['a IN (:a)', { kind: 'in', operand: p('a'), list: [v(1)] }],
    ['a in (:a, b, :s)', { kind: 'in', operand: p('a'), list: [v(1), p('b'), v('x')] }],
    ['attribute_exists(a.b)', { kind: 'attribute_exists', path: ['a', 'b'] }],
    ['attribute_not_exists (#n)', { kind: 'attribute_not_exists', path: ['name'] }],
    ['attribute_type(a, :t)', { kind: 'attribute_type', operand: p('a'), type: 'S' }],
    ['attribute_type(:a, :t)', { kind: 'attribute_type', operand: v(1), type: 'S' }],
    ['begins_with(a, :s)', { kind: 'begins_with', operand: p('a'), prefix: v('x') }],
    ['begins_with(:s, a)', { kind: 'begins_with', operand: v('x'), prefix: p('a') }],
    ['contains(a, :a)', { kind: 'contains', operand: p('a'), needle: v(1) }],
    ['contains(a, :l)', { kind: 'contains', operand: p('a'), needle: v([1]) }],
    ['size(a) > :a', { kind: 'compare', op: '>', left: { kind: 'size', operand: p('a') }, right: v(1) }],
    ['size(a) = size(b)', { kind: 'compare', op: '=', left: { kind: 'size', operand: p('a') }, right: { kind: 'size', operand: p('b') } }],
    ['NOT a = :a', { kind: 'not', operand: { kind: 'compare', op: '=', left: p('a'), right: v(1) } }],
    ['nOt nOt attribute_exists(a)', { kind: 'not', operand: { kind: 'not', operand: { kind: 'attribute_exists', path: ['a'] } } }],
  ])('%s', (text, tree) => {
    expect(parse(text)).toEqual(tree);
  });

  const A: Condition = { kind: 'attribute_exists', path: ['a'] };
  const B: Condition = { kind: 'attribute_exists', path: ['b'] };
  const C: Condition = { kind: 'attribute_exists', path: ['c'] };
  it.each<[string, Condition]>([
    // AND binds tighter than OR; NOT tighter than AND; both associate to the left.
    ['attribute_exists(a) OR attribute_exists(b) AND attribute_exists(c)', { kind: 'or', left: A, right: { kind: 'and', left: B, right: C } }],
    ['attribute_exists(a) AND attribute_exists(b) OR attribute_exists(c)', { kind: 'or', left: { kind: 'and', left: A, right: B }, right: C }],
    ['NOT attribute_exists(a) AND attribute_exists(b)', { kind: 'and', left: { kind: 'not', operand: A }, right: B }],
    ['attribute_exists(a) and attribute_exists(b) and attribute_exists(c)', { kind: 'and', left: { kind: 'and', left: A, right: B }, right: C }],
    ['(attribute_exists(a) OR attribute_exists(b)) AND attribute_exists(c)', { kind: 'and', left: { kind: 'or', left: A, right: B }, right: C }],
    ['NOT (attribute_exists(a) OR attribute_exists(b))', { kind: 'not', operand: { kind: 'or', left: A, right: B } }],
  ])('precedence: %s', (text, tree) => {
    expect(parse(text)).toEqual(tree);
  });

  it('binds BETWEEN before AND', () => {
    expect(parse('a BETWEEN :a AND :b AND attribute_exists(c)')).toEqual({
      kind: 'and',
      left: { kind: 'between', operand: p('a'), low: v(1), high: v(2) },
      right: C,
    });
  });

  it('ignores whitespace and keyword case', () => {
    expect(parse('  a\t=\n:a  aNd  b <> :b ')).toEqual(parse('a = :a AND b <> :b'));
  });

  it('is immutable data: parsing twice gives equal, independent trees', () => {
    const x = parse('a = :a');
    const y = parse('a = :a');
    expect(x).toEqual(y);
    expect(x).not.toBe(y);
  });
});

describe('errors', () => {
  const syntax = (token: string, near: string) =>
    `ValidationException: Invalid ConditionExpression: Syntax error; token: "${token}", near: "${near}"`;
  const invalid = (detail: string) => `ValidationException: Invalid ConditionExpression: ${detail}`;

  it.each([
    ['', invalid('The expression can not be empty;')],
    ['foo', syntax('<EOF>', 'foo')],
    ['a', syntax('<EOF>', 'a')],
    ['(a)', syntax('<EOF>', ')')],
    ['NOT a', syntax('<EOF>', 'a')],
    ['a AND b = c', syntax('AND', 'a AND b')],
    ['(a = b) = c', syntax('=', ') = c')],
    ['size((a = :a)) = :a', syntax('=', 'a = :a')],
    ['a = = b', syntax('=', '= = b')],
    ['a = :a AND', syntax('<EOF>', 'AND')],
    ['attribute_not_exists(', syntax('<EOF>', '(')],
    ['contains (themes, :s', syntax('<EOF>', ':s')],
    ['a = :a $', syntax('$', ':a $')],
    ['a IN ()', syntax(')', '()')],
    ['a BETWEEN :a', syntax('<EOF>', ':a')],
    ['a > 4', syntax('4', '> 4')],
    ['_a = :a', syntax('_', '_a')],
    ['a.and = :a', syntax('and', '.and =')],
    ['a[:a] = :a', syntax(':a', '[:a]')],
    ['a[#n] = :a', syntax('#n', '[#n]')],
    ['a = :', syntax(':', '= :')],
    ['# = :a', syntax('#', '# =')],
    ['a == :a', syntax('=', '== :a')],
    ['(size(a))[0] > a', syntax('[', ')[0')],
    ['a = "x"', syntax('"', '= "x')],
    ['((a = :a))', invalid('The expression has redundant parentheses;')],
    ['((a)) = :a', invalid('The expression has redundant parentheses;')],
    ['abort = :a', invalid('Attribute name is a reserved keyword; reserved keyword: abort')],
    ['a.Status = :a', invalid('Attribute name is a reserved keyword; reserved keyword: Status')],
    ['a[2147483648] = :a', invalid('List index is not within the allowable range; index: [2147483648]')],
    ['foo(a) = :a', invalid('Invalid function name; function: foo')],
    ['ATTRIBUTE_EXISTS(a)', invalid('Invalid function name; function: ATTRIBUTE_EXISTS')],
    ['if_not_exists(a, :a) = :a', invalid('The function is not allowed in a condition expression; function: if_not_exists')],
    ['list_append(a, :l) = :a', invalid('The function is not allowed in a condition expression; function: list_append')],
    ['size(a)', invalid('The function is not allowed to be used this way in an expression; function: size')],
    ['NOT size(a)', invalid('The function is not allowed to be used this way in an expression; function: size')],
    ['attribute_exists(a) < :a', invalid('The function is not allowed to be used this way in an expression; function: attribute_exists')],
    ['begins_with(contains(a, :s), :s)', invalid('The function is not allowed to be used this way in an expression; function: contains')],
    ['begins_with(a)', invalid('Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1')],
    ['size(a, a) = :a', invalid('Incorrect number of operands for operator or function; operator or function: size, number of operands: 2')],
    ['attribute_exists(a, b)', invalid('Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2')],
    ['#x = :a', invalid('An expression attribute name used in the document path is not defined; attribute name: #x')],
    ['a = :zz', invalid('An expression attribute value used in expression is not defined; attribute value: :zz')],
    ['attribute_exists(:zz)', invalid('An expression attribute value used in expression is not defined; attribute value: :zz')],
    ['a = a', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]')],
    ['a.b[1] <> a.b[1]', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a, b, [1]]')],
    ['#a = a', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]')],
    ['#n = name', invalid('Attribute name is a reserved keyword; reserved keyword: name')],
    ['contains(a, a)', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]')],
    ['a BETWEEN a AND :b', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: BETWEEN, first operand: [a]')],
    ['a IN (:a, a)', invalid('The first operand must be distinct from the remaining operands for this operator or function; operator: IN, first operand: [a]')],
    ['a < :l', invalid('Incorrect operand type for operator or function; operator or function: <, operand type: L')],
    [':bool >= a', invalid('Incorrect operand type for operator or function; operator or function: >=, operand type: BOOL')],
    ['a BETWEEN :m AND :m', invalid('Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: M')],
    ['a BETWEEN :s AND :a', invalid('The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {S:x}, upper bound operand: AttributeValue: {N:1}')],
    ['a BETWEEN :b AND :a', invalid('The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}')],
    ['attribute_exists(:a)', invalid('Operator or function requires a document path; operator or function: attribute_exists')],
    ['attribute_not_exists(size(a))', invalid('Operator or function requires a document path; operator or function: attribute_not_exists')],
    ['attribute_type(a, :a)', invalid('Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N')],
    ['attribute_type(a, size(b))', invalid('Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N')],
    ['attribute_type(a, :s)', invalid('Invalid attribute type name found; type: x, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}')],
    ['begins_with(a, :a)', invalid('Incorrect operand type for operator or function; operator or function: begins_with, operand type: N')],
    ['size(:a) = :a', invalid('Incorrect operand type for operator or function; operator or function: size, operand type: N')],
    ['size(size(a)) = :a', invalid('Incorrect operand type for operator or function; operator or function: size, operand type: N')],
  ])('%j', (text, message) => {
    expect(errorOf(() => parse(text))).toBe(message);
  });

  it('uses the FilterExpression label', () => {
    expect(errorOf(() => parseCondition('a', attrs(), 'FilterExpression'))).toBe(
      'ValidationException: Invalid FilterExpression: Syntax error; token: "<EOF>", near: "a"',
    );
  });

  it('reports the first problem in the text, lexical problems before placeholders', () => {
    expect(errorOf(() => parse('#x = :a AND abort = :a'))).toBe(invalid('Attribute name is a reserved keyword; reserved keyword: abort'));
    expect(errorOf(() => parse('abort = :zz AND foo(a) = :a'))).toBe(invalid('Attribute name is a reserved keyword; reserved keyword: abort'));
    expect(errorOf(() => parse('a = :zz AND #x = :a'))).toBe(
      invalid('An expression attribute value used in expression is not defined; attribute value: :zz'),
    );
  });

  it('limits expressions to 4 KB and 300 operators', () => {
    const ok = 'a = :a' + ' '.repeat(4096 - 6);
    expect(errorOf(() => parse(ok))).toBe('ok');
    expect(errorOf(() => parse(ok + ' '))).toBe(invalid('Expression size has exceeded the maximum allowed size; expression size: 4097'));
    const nested = (depth: number) => 'a < :a ' + 'OR (a < :a '.repeat(depth) + ')'.repeat(depth);
    expect(errorOf(() => parse(nested(149)))).toBe('ok');
    expect(errorOf(() => parse(nested(150)))).toBe(invalid('The expression contains too many operators; operator count: 301'));
    expect(errorOf(() => parse('NOT '.repeat(1000) + 'a < :a'))).toBe(
      invalid('The expression contains too many operators; operator count: 1001'),
    );
  });

  it('survives deeply nested input without exhausting the stack', () => {
    expect(errorOf(() => parse('('.repeat(4096)))).toMatch(/Syntax error/);
    expect(errorOf(() => parse('('.repeat(2046) + 'a < :a' + ')'.repeat(2046)))).toMatch(/^ValidationException: Invalid ConditionExpression/);
    expect(errorOf(() => parse('a < ' + 'size('.repeat(800) + 'b' + ')'.repeat(800)))).toMatch(/^ValidationException/);
  });

  it('allows up to 100 IN operands', () => {
    const values: Record<string, unknown> = {};
    for (let i = 0; i < 101; i++) values[`:v${i}`] = i;
    const list = (n: number) => Object.keys(values).slice(0, n).join(', ');
    expect(errorOf(() => parseCondition(`a IN (${list(100)})`, attrs(undefined, values)))).toBe('ok');
    expect(errorOf(() => parseCondition(`a IN (${list(101)})`, attrs(undefined, values)))).toBe(
      invalid('The IN operator is provided with too many operands; number of operands: 101'),
    );
  });
});
