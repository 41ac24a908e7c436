// evaluateCondition truth tables: missing attributes and type mismatches are false (and <>
// true), never errors (Developer Guide, "Comparison operator and function reference").
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../dynamo-api/expressions/condition.js';
import { evaluateCondition } from '../../dynamo-api/expressions/evaluate.js';
import type { Item } from '../../dynamo-api/values.js';
import { attrs, bytes, item } from './helpers.js';

const ITEM: Item = {
  ...item({
    n: 1,
    n2: 2,
    s: 'cat',
    e: '',
    t: true,
    z: null,
    l: [2, 'dog', 7, ['hi', 'hello']],
    m: { x: 1, y: { m: 3, n: 4 }, ys: [-1, 2, 0] },
    u: 'héllo',
    bin: bytes('hi there'),
    and: 'reserved',
  }),
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['2', '4', '7'] },
  bs: { BS: [bytes('x'), bytes('yz')] },
};

const VALUES = {
  ':0': 0, ':1': 1, ':2': 2, ':3': 3, ':5': 5, ':7': 7, ':one': '1',
  ':cat': 'cat', ':ca': 'ca', ':at': 'at', ':dog': 'dog', ':aardvark': 'aardvark', ':empty': '',
  ':hi': bytes('hi'), ':here': bytes('here'), ':x': bytes('x'), ':a': 'a', ':c': 'c',
  ':t': true, ':null': null, ':list': ['hi', 'hello'], ':l3': [2, 'dog', 7, ['hi', 'hello']],
  ':ss': { SS: ['b', 'a'] }, ':nsv': { NS: ['7', '2', '4'] },
  ':S': 'S', ':N': 'N', ':B': 'B', ':BOOL': 'BOOL', ':NULL': 'NULL', ':L': 'L', ':M': 'M', ':SS': 'SS', ':NS': 'NS', ':BS': 'BS',
};

function holds(text: string, on: Item | 'none' = ITEM): boolean {
  return evaluateCondition(parseCondition(text, attrs({ '#and': 'and' }, VALUES)), on === 'none' ? undefined : on);
}

describe('comparisons', () => {
  it.each([
    ['n = :1', true],
    ['n = :one', false],
    ['n <> :one', true],
    ['n <> :1', false],
    ['q = :1', false],
    ['q <> :1', true],
    ['q <> z2', true], // two missing attributes are "not equal"
    ['n < :2', true],
    ['n2 < n', false],
    ['n <= :1', true],
    ['n > :0', true],
    ['n >= :2', false],
    ['s < :dog', true],
    ['s > :aardvark', true],
    ['s >= :cat', true],
    ['e < :a', true],
    ['bin > :hi', true],
    ['bin > :here', true],
    ['n < :one', false], // different types
    ['s > :1', false],
    ['q < :1', false],
    [':1 < q', false],
    ['l < :1', false], // unordered type from the item: false, not an error
    ['t = :t', true],
    ['z = :null', true],
    ['l = :l3', true],
    ['l[3] = :list', true],
    ['ss = :ss', true], // set equality ignores order
    ['ns = :nsv', true],
    ['m.y.m = :3', true],
    ['m.ys[1] > m.x', true],
    ['m.ys[0] < m.x', true],
    ['m.q < m.ys[100]', false],
    ['#and = s', false],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('BETWEEN and IN', () => {
  it.each([
    ['n BETWEEN :0 AND :2', true],
    ['n BETWEEN :1 AND :1', true],
    ['n BETWEEN :2 AND :7', false],
    ['s BETWEEN :a AND :c', false],
    ['s BETWEEN :ca AND :dog', true],
    ['bin BETWEEN :hi AND :x', true],
    ['n BETWEEN :a AND :c', false], // types differ
    ['q BETWEEN :0 AND :2', false],
    ['n BETWEEN n2 AND :0', false], // bounds from the item in the wrong order: false, not an error
    ['n IN (:0, :1)', true],
    ['n IN (:one, :2)', false],
    ['s IN (:dog, :cat)', true],
    ['q IN (:1)', false],
    ['l IN (:l3)', true],
    ['ss IN (:ss)', true],
    ['n IN (n2, m.x)', true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('functions', () => {
  it.each([
    ['attribute_exists(n)', true],
    ['attribute_exists(q)', false],
    ['attribute_exists(m.y.n)', true],
    ['attribute_exists(l[3][1])', true],
    ['attribute_exists(l[4])', false],
    ['attribute_exists(s.x)', false],
    ['attribute_exists(z)', true],
    ['attribute_not_exists(q)', true],
    ['attribute_not_exists(m.x)', false],
    ['attribute_type(s, :S)', true],
    ['attribute_type(n, :N)', true],
    ['attribute_type(bin, :B)', true],
    ['attribute_type(t, :BOOL)', true],
    ['attribute_type(z, :NULL)', true],
    ['attribute_type(l, :L)', true],
    ['attribute_type(m, :M)', true],
    ['attribute_type(ss, :SS)', true],
    ['attribute_type(ns, :NS)', true],
    ['attribute_type(bs, :BS)', true],
    ['attribute_type(s, :N)', false],
    ['attribute_type(q, :S)', false],
    ['attribute_type(:1, :N)', true],
    ['begins_with(s, :ca)', true],
    ['begins_with(s, :at)', false],
    ['begins_with(s, :empty)', true],
    ['begins_with(bin, :hi)', true],
    ['begins_with(bin, :ca)', false],
    ['begins_with(n, :ca)', false],
    ['begins_with(q, :ca)', false],
    ['begins_with(:cat, s)', true],
    ['contains(s, :at)', true],
    ['contains(s, :dog)', false],
    ['contains(bin, :here)', true],
    ['contains(bin, :x)', false],
    ['contains(ss, :a)', true],
    ['contains(ss, :c)', false],
    ['contains(ns, :7)', true],
    ['contains(ns, :3)', false],
    ['contains(bs, :x)', true],
    ['contains(l, :2)', true],
    ['contains(l, :dog)', true],
    ['contains(l, :list)', true],
    ['contains(l, :cat)', false],
    ['contains(n, :1)', false],
    ['contains(q, :1)', false],
    ['NOT contains(q, :1)', true],
    ['size(s) = :3', true],
    ['size(u) = :5', false], // UTF-8 bytes: é is two
    ['size(e) = :0', true],
    ['size(bin) > :7', true],
    ['size(ss) = :2', true],
    ['size(ns) = :3', true],
    ['size(m) = :3', true],
    ['size(l) > :3', true],
    ['size(n) = :1', false],
    ['size(t) = :1', false],
    ['size(z) = :1', false],
    ['size(q) <> :1', true],
    ['size(s) = :cat', false],
    ['size(s) < n2', false],
    ['size(ss) = n2', true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('logic', () => {
  const T = 'n = :1';
  const F = 'n = :2';
  it.each([
    [`${T} AND ${T}`, true],
    [`${T} AND ${F}`, false],
    [`${F} OR ${T}`, true],
    [`${F} OR ${F}`, false],
    [`NOT ${F}`, true],
    [`NOT NOT NOT NOT ${T}`, true],
    [`${T} OR ${F} AND ${F}`, true], // AND before OR
    [`(${T} OR ${F}) AND ${F}`, false],
    [`NOT ${T} AND ${F}`, false], // NOT before AND
    [`NOT (${T} AND ${F})`, true],
    [`n BETWEEN :0 AND :2 AND ${T}`, true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('treats a missing item as having no attributes', () => {
    expect(holds('attribute_not_exists(n)', 'none')).toBe(true);
    expect(holds('n <> :1', 'none')).toBe(true);
    expect(holds('n = :1', 'none')).toBe(false);
  });
});
