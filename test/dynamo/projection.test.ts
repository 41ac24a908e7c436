// ProjectionExpression parsing and project(): what GetItem/Query/Scan return for nested paths.
import { describe, expect, it } from 'vitest';
import { parseProjection, project } from '../../dynamo-api/expressions/projection.js';
import { attrs, errorOf, item } from './helpers.js';

const parse = (text: string, names?: Record<string, string>) => parseProjection(text, attrs(names)).paths;

describe('parseProjection', () => {
  it('parses paths with names and indexes', () => {
    expect(parse(' a  ,   b.c[2].#d ', { '#d': 'd.e' })).toEqual([['a'], ['b', 'c', 2, 'd.e']]);
  });

  const invalid = (detail: string) => `ValidationException: Invalid ProjectionExpression: ${detail}`;
  it.each([
    ['', invalid('The expression can not be empty;')],
    ['a,', invalid('Syntax error; token: "<EOF>", near: ","')],
    [',a', invalid('Syntax error; token: ",", near: ",a"')],
    ['a,,b', invalid('Syntax error; token: ",", near: ",,b"')],
    ['a = :v', invalid('Syntax error; token: "=", near: "a = :v"')],
    ['status', invalid('Attribute name is a reserved keyword; reserved keyword: status')],
    ['#x', invalid('An expression attribute name used in the document path is not defined; attribute name: #x')],
    ['a, a', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]')],
    ['a.b[0],a.b[0]', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [0]], path two: [a, b, [0]]')],
    ['a, a.b[2].c', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b, [2], c]')],
    ['a.b.d.e, a.b', invalid('Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, d, e], path two: [a, b]')],
    ['a.b, a[1]', invalid('Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]')],
    ['x'.repeat(4097), invalid('Expression size has exceeded the maximum allowed size; expression size: 4097')],
  ])('%j', (text, message) => {
    expect(errorOf(() => parse(text))).toBe(message);
  });

  it.each(['a, b', 'a.b, a.c', 'a.b.d, a.b.e', 'a[1], a[2]', 'a.b, a.c[2]', 'x'.repeat(4096)])('accepts %j', (text) => {
    expect(errorOf(() => parse(text))).toBe('ok');
  });
});

describe('project', () => {
  const it0 = item({ p: 'k', a: { b: [2, 4, { x: 'hi', y: 'yo' }], c: 5 }, b: 'hello' });
  const cases: [string, Record<string, unknown>][] = [
    ['a', { a: { b: [2, 4, { x: 'hi', y: 'yo' }], c: 5 } }],
    ['a.b', { a: { b: [2, 4, { x: 'hi', y: 'yo' }] } }],
    ['a.b[0]', { a: { b: [2] } }],
    ['a.b[2]', { a: { b: [{ x: 'hi', y: 'yo' }] } }],
    ['a.b[2].y', { a: { b: [{ y: 'yo' }] } }],
    ['x', {}],
    ['a.b[3]', {}],
    ['a.x', {}],
    ['a.x.y', {}],
    ['a.b[3].x', {}],
    ['a.b.x', {}],
    ['a[0]', {}],
    ['a.b[0].x', {}],
    ['a.b[0][0]', {}],
    ['a.b[1],a.b[0]', { a: { b: [2, 4] } }],
    ['a.b[0],a.c', { a: { b: [2], c: 5 } }],
    ['a.c,b', { a: { c: 5 }, b: 'hello' }],
    ['a.x, a.b[0], x, a.b[3].x', { a: { b: [2] } }],
    ['p, b', { p: 'k', b: 'hello' }],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(project(parse(text), it0)).toEqual(item(expected));
  });

  it('treats a name with a dot as one attribute', () => {
    const i = item({ 'a.b': 'hi', a: { b: 'yo', c: 'jo' } });
    expect(project(parse('a.b'), i)).toEqual(item({ a: { b: 'yo' } }));
    expect(project(parse('#n', { '#n': 'a.b' }), i)).toEqual(item({ 'a.b': 'hi' }));
  });
});
