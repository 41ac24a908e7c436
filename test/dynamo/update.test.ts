// UpdateExpression parsing: trees, and DynamoDB's messages in DynamoDB's order
// (Developer Guide, "Update expressions").
import { describe, expect, it } from 'vitest';
import type { UpdateAction, UpdateValue } from '../../dynamo-api/expressions/ast.js';
import { parseUpdate } from '../../dynamo-api/expressions/update.js';
import { av, attrs, errorOf } from './helpers.js';

const VALUES = { ':a': 1, ':b': 2, ':s': 'x', ':l': [1], ':ss': { SS: ['x'] }, ':ns': { NS: ['1'] }, ':bool': true, ':m': {}, ':null': null };
const NAMES = { '#n': 'name', '#c': 'c', '#d': '[3]' };
const parse = (text: string, values: Record<string, unknown> = VALUES, names: Record<string, string> = NAMES) =>
  parseUpdate(text, attrs(names, values)).actions;

const path = (...p: (string | number)[]): UpdateValue => ({ kind: 'path', path: p });
const val = (x: unknown): UpdateValue => ({ kind: 'value', value: av(x) });

describe('parse trees', () => {
  it.each<[string, UpdateAction[]]>([
    ['SET a = :a', [{ kind: 'set', path: ['a'], value: val(1) }]],
    ['set a = :a, b.c[1] = d', [{ kind: 'set', path: ['a'], value: val(1) }, { kind: 'set', path: ['b', 'c', 1], value: path('d') }]],
    ['SET #n = #n + :a', [{ kind: 'set', path: ['name'], value: { kind: 'arithmetic', op: '+', left: path('name'), right: val(1) } }]],
    ['SET a = :a - b', [{ kind: 'set', path: ['a'], value: { kind: 'arithmetic', op: '-', left: val(1), right: path('b') } }]],
    ['SET a = (b + :a)', [{ kind: 'set', path: ['a'], value: { kind: 'arithmetic', op: '+', left: path('b'), right: val(1) } }]],
    ['set a = ((b.c.d)+(e))', [{ kind: 'set', path: ['a'], value: { kind: 'arithmetic', op: '+', left: path('b', 'c', 'd'), right: path('e') } }]],
    ['SET a = if_not_exists(a, :a)', [{ kind: 'set', path: ['a'], value: { kind: 'if_not_exists', path: ['a'], fallback: val(1) } }]],
    ['SET a = if_not_exists(a, if_not_exists(b, :a))', [{
      kind: 'set', path: ['a'],
      value: { kind: 'if_not_exists', path: ['a'], fallback: { kind: 'if_not_exists', path: ['b'], fallback: val(1) } },
    }]],
    ['SET a = if_not_exists(b, :a) + :b', [{
      kind: 'set', path: ['a'],
      value: { kind: 'arithmetic', op: '+', left: { kind: 'if_not_exists', path: ['b'], fallback: val(1) }, right: val(2) },
    }]],
    ['SET l = list_append(if_not_exists(l, :l), :l)', [{
      kind: 'set', path: ['l'],
      value: { kind: 'list_append', left: { kind: 'if_not_exists', path: ['l'], fallback: val([1]) }, right: val([1]) },
    }]],
    ['REMOVE a, b[2], c.d', [{ kind: 'remove', path: ['a'] }, { kind: 'remove', path: ['b', 2] }, { kind: 'remove', path: ['c', 'd'] }]],
    ['ADD n :a, s :ss', [{ kind: 'add', path: ['n'], value: av(1) }, { kind: 'add', path: ['s'], value: { SS: ['x'] } }]],
    ['DELETE s :ss', [{ kind: 'delete', path: ['s'], value: { SS: ['x'] } }]],
    ['sEt a = :a ReMoVe b aDd n :a DeLeTe s :ns', [
      { kind: 'set', path: ['a'], value: val(1) },
      { kind: 'remove', path: ['b'] },
      { kind: 'add', path: ['n'], value: av(1) },
      { kind: 'delete', path: ['s'], value: { NS: ['1'] } },
    ]],
    ['SET #d = :a', [{ kind: 'set', path: ['[3]'], value: val(1) }]],
  ])('%s', (text, actions) => {
    expect(parse(text)).toEqual(actions);
  });
});

describe('errors', () => {
  const invalid = (detail: string) => `ValidationException: Invalid UpdateExpression: ${detail}`;
  const syntax = (token: string, near: string) => invalid(`Syntax error; token: "${token}", near: "${near}"`);

  it.each([
    ['', invalid('The expression can not be empty;')],
    ['whatever', syntax('whatever', 'whatever')],
    ['HELLO b = :a', syntax('HELLO', 'HELLO b')],
    ['set a', syntax('<EOF>', 'a')],
    ['add a', syntax('<EOF>', 'a')],
    ['delete a', syntax('<EOF>', 'a')],
    ['set a=set', syntax('set', '=set')],
    ['remove a = b', syntax('=', 'a = b')],
    ['add a = b', syntax('=', 'a = b')],
    ['delete a b', syntax('b', 'a b')],
    ['add abort b', syntax('b', 'abort b')],
    ['remove a b', syntax('b', 'a b')],
    ['set a b', syntax('b', 'a b')],
    ['set :a = b', syntax(':a', 'set :a =')],
    ['remove :a', syntax(':a', 'remove :a')],
    ['set a = b / c', syntax('/', 'b / c')],
    ['set a = b * c', syntax('*', 'b * c')],
    ['set a[1] = "eight"', syntax('"', '= "eight')],
    ['set a[1] = 1', syntax('1', '= 1')],
    ['SET if_not_exist(a, b) = a', syntax('(', 'if_not_exist(a')],
    ['set (a = (b + c))', syntax('(', 'set (a')],
    ['set a = (b.c).d + e', syntax('.', ').d')],
    ['set a = (b.c)[0] + e', syntax('[', ')[0')],
    ['set a = b + c + d', syntax('+', 'c + d')],
    ['SET c = if_not_exists(c, :a+:b)', syntax('+', ':a+:b')],
    ['SET _123 = :a', syntax('_', 'SET _123')],
    ['SET 123a = :a', syntax('123', 'SET 123a')],
    ['SET hi-there = :a', syntax('-', 'hi-there')],
    ['SET a[:a] = :a', syntax(':a', '[:a]')],
    ['SET a = :a,', syntax('<EOF>', ',')],
    ['SET a = _f(b)', syntax('_', '= _f')],
    // Checks after the syntax, in DynamoDB's order.
    [' set #c = :c set abOrt = true ', invalid('Attribute name is a reserved keyword; reserved keyword: abOrt')],
    [' remove Absolute ', invalid('Attribute name is a reserved keyword; reserved keyword: Absolute')],
    ['set #c = if_not_exist(:c) set c = d', invalid('Invalid function name; function: if_not_exist')],
    ['SET a = LIST_APPEND(:l, :l)', invalid('Invalid function name; function: LIST_APPEND')],
    ['SET a = f123_hi(b, c, d)', invalid('Invalid function name; function: f123_hi')],
    ['SET a = size(b)', invalid('The function is not allowed in an update expression; function: size')],
    ['SET a = attribute_exists(b)', invalid('The function is not allowed in an update expression; function: attribute_exists')],
    ['set a = #c set c = :d', invalid('The "SET" section can only be used once in an update expression;')],
    ['remove #d set a = b remove e', invalid('The "REMOVE" section can only be used once in an update expression;')],
    ['add #d :e set a = b add e :f', invalid('The "ADD" section can only be used once in an update expression;')],
    ['delete #d :e set a = b delete #e :f', invalid('The "DELETE" section can only be used once in an update expression;')],
    ['SET #x = :a', invalid('An expression attribute name used in the document path is not defined; attribute name: #x')],
    ['SET a = :zz', invalid('An expression attribute value used in expression is not defined; attribute value: :zz')],
    ['SET a = if_not_exists(:zz, :a)', invalid('An expression attribute value used in expression is not defined; attribute value: :zz')],
    ['set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]')],
    ['set #c[3].#d = a, #c[3] = a', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]')],
    ['SET a = :a REMOVE a', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]')],
    ['SET #n = :a, name2 = :a, #n = :b', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [name], path two: [name]')],
    ['set #c[3].#d = a, #c.#d[3] = if_not_exists(a)', invalid('Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]')],
    ['remove a.#c set a[1] = #d', invalid('Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]')],
    ['SET a.b.c = :a, a.b[2] = :b', invalid('Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b, c], path two: [a, b, [2]]')],
    ['set b = list_append(:s, a), c = if_not_exists(a) add a.b :s', invalid('Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND')],
    ['delete a.b :s', invalid('Incorrect operand type for operator or function; operator: DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND')],
    ['add a.b :null', invalid('Incorrect operand type for operator or function; operator: ADD, operand type: NULL, typeSet: ALLOWED_FOR_ADD_OPERAND')],
    ['add a.b :bool', invalid('Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN, typeSet: ALLOWED_FOR_ADD_OPERAND')],
    ['add a.b :m', invalid('Incorrect operand type for operator or function; operator: ADD, operand type: MAP, typeSet: ALLOWED_FOR_ADD_OPERAND')],
    ['add a.b :l', invalid('Incorrect operand type for operator or function; operator: ADD, operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND')],
    ['delete a.b :a', invalid('Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND')],
    ['set a = if_not_exists(c)', invalid('Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1')],
    ['set a = list_append(c)', invalid('Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1')],
    ['set a = if_not_exists(:a, c)', invalid('Operator or function requires a document path; operator or function: if_not_exists')],
    ['set a = if_not_exists(if_not_exists(a, b), c)', invalid('Operator or function requires a document path; operator or function: if_not_exists')],
    ['SET a = list_append(list_append(:l, :l), :l)', invalid('The function is not allowed to be used this way in an expression; function: list_append')],
    ['set a = list_append(:s, a)', invalid('Incorrect operand type for operator or function; operator or function: list_append, operand type: S')],
    ['set a = list_append(a, :a)', invalid('Incorrect operand type for operator or function; operator or function: list_append, operand type: N')],
    ['set a = list_append(:ss, a)', invalid('Incorrect operand type for operator or function; operator or function: list_append, operand type: SS')],
    ['set a = a + :s', invalid('Incorrect operand type for operator or function; operator or function: +, operand type: S')],
    ['set a = :l - a', invalid('Incorrect operand type for operator or function; operator or function: -, operand type: L')],
    ['set a = list_append(a, b) + :a', invalid('Incorrect operand type for operator or function; operator or function: +, operand type: L')],
  ])('%j', (text, message) => {
    expect(errorOf(() => parse(text))).toBe(message);
  });

  it('checks values from the last action back to the first', () => {
    expect(errorOf(() => parse('SET a = :zz, b = :yy'))).toBe(
      invalid('An expression attribute value used in expression is not defined; attribute value: :yy'),
    );
    expect(errorOf(() => parse('SET a = #x, b = :yy'))).toBe(
      invalid('An expression attribute name used in the document path is not defined; attribute name: #x'),
    );
  });

  it('limits expressions to 4 KB and 300 operators', () => {
    expect(errorOf(() => parse(`SET${' '.repeat(4087)}a = :a`))).toBe('ok');
    expect(errorOf(() => parse(`SET ${' '.repeat(4087)}a = :a`))).toBe(
      invalid('Expression size has exceeded the maximum allowed size; expression size: 4097'),
    );
    const sets = (n: number) => 'SET ' + Array.from({ length: n }, (_, i) => `a${i}=a${i}+:a`).join(',');
    expect(errorOf(() => parse(sets(300)))).toBe('ok');
    expect(errorOf(() => parse(sets(301)))).toBe(invalid('The expression contains too many operators; operator count: 301'));
  });

  it('refuses paths over 32 levels', () => {
    const deep = (n: number) => 'SET a' + '.b'.repeat(n - 1) + ' = :a';
    expect(errorOf(() => parse(deep(32)))).toBe('ok');
    expect(errorOf(() => parse(deep(33)))).toBe(invalid('The document path has too many nesting levels; nesting levels: 33'));
  });
});
