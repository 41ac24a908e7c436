// Properties across the expression layer: printing a random Condition and parsing it back
// gives the same tree (precedence, parentheses, placeholders); evaluation agrees with a
// direct reference on random items; updates never touch their input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, Operand, Path } from '../../dynamo-api/expressions/ast.js';
import { applyUpdate } from '../../dynamo-api/expressions/apply.js';
import { parseCondition } from '../../dynamo-api/expressions/condition.js';
import { evaluateCondition } from '../../dynamo-api/expressions/evaluate.js';
import { getPath } from '../../dynamo-api/expressions/paths.js';
import { ExpressionAttributes } from '../../dynamo-api/expressions/placeholders.js';
import { parseUpdate } from '../../dynamo-api/expressions/update.js';
import { compareValues, valuesEqual, type AttributeValue, type Item } from '../../dynamo-api/values.js';
import { av } from './helpers.js';

const NAMES = ['a', 'b', 'c1', 'x_y'];
const VALUES: Record<string, AttributeValue> = {
  ':n1': av(1), ':n2': av(2), ':s1': av('a'), ':s2': av('ab'), ':t': av(true), ':l': av([1, 'a']), ':ty': av('N'),
};

const pathArb: fc.Arbitrary<Path> = fc
  .tuple(fc.constantFrom(...NAMES), fc.array(fc.oneof(fc.constantFrom(...NAMES), fc.nat({ max: 3 })), { maxLength: 2 }))
  .map(([head, rest]) => [head, ...rest]);

const valueRef = fc.constantFrom(':n1', ':n2', ':s1', ':s2');
const operandArb: fc.Arbitrary<Operand> = fc.oneof(
  pathArb.map((path): Operand => ({ kind: 'path', path })),
  valueRef.map((ref): Operand => ({ kind: 'value', value: VALUES[ref] })),
  pathArb.map((path): Operand => ({ kind: 'size', operand: { kind: 'path', path } })),
);

const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.tuple(fc.constantFrom('=', '<>', '<', '<=', '>', '>=' as const), operandArb, operandArb).map(
    ([op, left, right]): Condition => ({ kind: 'compare', op, left, right }),
  ),
  fc.tuple(operandArb, operandArb, operandArb).map(([operand, low, high]): Condition => ({ kind: 'between', operand, low, high })),
  fc.tuple(operandArb, fc.array(operandArb, { minLength: 1, maxLength: 3 })).map(([operand, list]): Condition => ({ kind: 'in', operand, list })),
  pathArb.map((path): Condition => ({ kind: 'attribute_exists', path })),
  pathArb.map((path): Condition => ({ kind: 'attribute_not_exists', path })),
  fc.tuple(pathArb, valueRef).map(([path, ref]): Condition => ({ kind: 'contains', operand: { kind: 'path', path }, needle: { kind: 'value', value: VALUES[ref] } })),
  fc.tuple(pathArb, fc.constantFrom(':s1', ':s2')).map(([path, ref]): Condition => ({ kind: 'begins_with', operand: { kind: 'path', path }, prefix: { kind: 'value', value: VALUES[ref] } })),
  pathArb.map((path): Condition => ({ kind: 'attribute_type', operand: { kind: 'path', path }, type: 'N' })),
);

const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.tuple(tie('c'), tie('c')).map(([left, right]): Condition => ({ kind: 'and', left, right })),
    fc.tuple(tie('c'), tie('c')).map(([left, right]): Condition => ({ kind: 'or', left, right })),
    tie('c').map((operand): Condition => ({ kind: 'not', operand })),
  ),
})).c;

// ---- A printer that writes the minimum parentheses DynamoDB's precedence needs ----

function printPath(p: Path, names: Map<string, string>): string {
  return p
    .map((e, i) => {
      if (typeof e === 'number') return `[${e}]`;
      // Alternate between bare names and #placeholders to exercise both.
      let name = e;
      if (e.length > 1) {
        const ref = `#${e}`;
        names.set(ref, e);
        name = ref;
      }
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

function printOperand(o: Operand, names: Map<string, string>): string {
  switch (o.kind) {
    case 'path':
      return printPath(o.path, names);
    case 'value':
      return Object.keys(VALUES).find((k) => VALUES[k] === o.value)!;
    case 'size':
      return `size(${printOperand(o.operand, names)})`;
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3 } as const;
function level(c: Condition): number {
  return c.kind === 'or' || c.kind === 'and' || c.kind === 'not' ? PRECEDENCE[c.kind] : 4;
}

function print(c: Condition, names: Map<string, string>): string {
  const wrap = (child: Condition, min: number) => {
    const s = print(child, names);
    return level(child) < min ? `(${s})` : s;
  };
  switch (c.kind) {
    case 'or':
      return `${wrap(c.left, 1)} OR ${wrap(c.right, 2)}`;
    case 'and':
      return `${wrap(c.left, 2)} AND ${wrap(c.right, 3)}`;
    case 'not':
      return `NOT ${wrap(c.operand, 3)}`;
    case 'compare':
      return `${printOperand(c.left, names)} ${c.op} ${printOperand(c.right, names)}`;
    case 'between':
      return `${printOperand(c.operand, names)} BETWEEN ${printOperand(c.low, names)} AND ${printOperand(c.high, names)}`;
    case 'in':
      return `${printOperand(c.operand, names)} IN (${c.list.map((o) => printOperand(o, names)).join(', ')})`;
    case 'attribute_exists':
    case 'attribute_not_exists':
      return `${c.kind}(${printPath(c.path, names)})`;
    case 'attribute_type':
      return `attribute_type(${printOperand(c.operand, names)}, :ty)`;
    case 'begins_with':
      return `begins_with(${printOperand(c.operand, names)}, ${printOperand(c.prefix, names)})`;
    case 'contains':
      return `contains(${printOperand(c.operand, names)}, ${printOperand(c.needle, names)})`;
  }
}

/** Conditions DynamoDB refuses at parse time; the generator does not avoid them, so they are skipped and counted. */
const refusals = new Map<string, number>();
function refusedAtParse(text: string, names: Map<string, string>): boolean {
  try {
    parseCondition(text, new ExpressionAttributes(Object.fromEntries(names), VALUES));
    return false;
  } catch (e) {
    const why = (e as Error).message.replace(/;.*$/, '');
    refusals.set(why, (refusals.get(why) ?? 0) + 1);
    return true;
  }
}

describe('condition round trip', () => {
  it('parse(print(tree)) = tree', () => {
    let parsed = 0;
    fc.assert(
      fc.property(conditionArb, (tree) => {
        const names = new Map<string, string>();
        const text = print(tree, names);
        if (Buffer.byteLength(text) > 4096 || refusedAtParse(text, names)) return;
        parsed++;
        expect(parseCondition(text, new ExpressionAttributes(Object.fromEntries(names), VALUES))).toEqual(tree);
      }),
      { numRuns: 1500 },
    );
    // Most generated trees are valid DynamoDB conditions; make sure the property is not vacuous.
    expect(parsed).toBeGreaterThan(1000);
    // and the only trees refused are those DynamoDB refuses for their constants or operands.
    const allowed = [
      'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
      'Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds',
      'Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function',
    ];
    for (const why of refusals.keys()) expect(allowed).toContain(why);
  });
});

// ---- Evaluation against a reference on random items ----

const scalarArb: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.constantFrom(av(1), av(2), av(-3), av('a'), av('ab'), av(''), av(true), av(null)),
);
const valueArb: fc.Arbitrary<AttributeValue> = fc.letrec<{ v: AttributeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalarArb,
    fc.array(tie('v'), { maxLength: 3 }).map((L): AttributeValue => ({ L })),
    fc.dictionary(fc.constantFrom(...NAMES), tie('v'), { maxKeys: 3 }).map((M): AttributeValue => ({ M })),
  ),
})).v;
const itemArb: fc.Arbitrary<Item> = fc.dictionary(fc.constantFrom(...NAMES), valueArb, { maxKeys: 4 });

function refValue(o: Operand, item: Item): AttributeValue | undefined {
  if (o.kind === 'value') return o.value;
  if (o.kind === 'path') return getPath(item, o.path);
  const v = refValue(o.operand, item);
  if (v === undefined) return undefined;
  if ('S' in v) return av(Buffer.byteLength(v.S));
  if ('L' in v) return av(v.L.length);
  if ('M' in v) return av(Object.keys(v.M).length);
  return undefined;
}

/** A second, deliberately plain reading of the documented semantics. */
function reference(c: Condition, item: Item): boolean {
  switch (c.kind) {
    case 'and': return reference(c.left, item) && reference(c.right, item);
    case 'or': return reference(c.left, item) || reference(c.right, item);
    case 'not': return !reference(c.operand, item);
    case 'compare': {
      const a = refValue(c.left, item);
      const b = refValue(c.right, item);
      if (c.op === '<>') return a === undefined || b === undefined || !valuesEqual(a, b);
      if (a === undefined || b === undefined) return false;
      if (c.op === '=') return valuesEqual(a, b);
      const o = compareValues(a, b);
      if (o === undefined) return false;
      return { '<': o < 0, '<=': o <= 0, '>': o > 0, '>=': o >= 0 }[c.op];
    }
    case 'between': {
      const [v, lo, hi] = [refValue(c.operand, item), refValue(c.low, item), refValue(c.high, item)];
      if (v === undefined || lo === undefined || hi === undefined) return false;
      const a = compareValues(lo, v);
      const b = compareValues(v, hi);
      return a !== undefined && b !== undefined && a <= 0 && b <= 0;
    }
    case 'in': {
      const v = refValue(c.operand, item);
      return v !== undefined && c.list.some((o) => { const w = refValue(o, item); return w !== undefined && valuesEqual(v, w); });
    }
    case 'attribute_exists': return getPath(item, c.path) !== undefined;
    case 'attribute_not_exists': return getPath(item, c.path) === undefined;
    case 'attribute_type': { const v = refValue(c.operand, item); return v !== undefined && 'N' in v; }
    case 'begins_with': {
      const a = refValue(c.operand, item);
      const b = refValue(c.prefix, item);
      return a !== undefined && b !== undefined && 'S' in a && 'S' in b && a.S.slice(0, b.S.length) === b.S;
    }
    case 'contains': {
      const a = refValue(c.operand, item);
      const b = refValue(c.needle, item);
      if (a === undefined || b === undefined) return false;
      if ('S' in a) return 'S' in b && a.S.indexOf(b.S) >= 0;
      if ('L' in a) return a.L.some((e) => valuesEqual(e, b));
      return false;
    }
  }
}

describe('evaluation', () => {
  it('agrees with the reference reading on random items', () => {
    fc.assert(
      fc.property(conditionArb, itemArb, (c, item) => {
        expect(evaluateCondition(c, item)).toBe(reference(c, item));
      }),
      { numRuns: 3000 },
    );
  });

  it('NOT always inverts, <> is NOT =', () => {
    fc.assert(
      fc.property(conditionArb, itemArb, (c, item) => {
        expect(evaluateCondition({ kind: 'not', operand: c }, item)).toBe(!evaluateCondition(c, item));
      }),
    );
    fc.assert(
      fc.property(operandArb, operandArb, itemArb, (left, right, item) => {
        const eq = evaluateCondition({ kind: 'compare', op: '=', left, right }, item);
        const ne = evaluateCondition({ kind: 'compare', op: '<>', left, right }, item);
        expect(ne).toBe(!eq);
      }),
    );
  });
});

describe('updates', () => {
  it('never modify their input, and SET writes what it says', () => {
    fc.assert(
      fc.property(itemArb, fc.constantFrom(...NAMES), fc.constantFrom(':n1', ':s1', ':l'), (item, name, ref) => {
        const before = JSON.stringify(item);
        const u = parseUpdate(`SET #t = ${ref} REMOVE #r`, new ExpressionAttributes({ '#t': name, '#r': `${name}_other` }, { [ref]: VALUES[ref] }));
        const r = applyUpdate(u, item);
        expect(JSON.stringify(item)).toBe(before);
        expect(r.item[name]).toEqual(VALUES[ref]);
      }),
    );
  });
});

describe('robustness', () => {
  const alphabet = fc.constantFrom(
    'a', 'b', '#a', ':n1', ':l', '(', ')', '[', ']', '0', '7', ',', '.', '=', '<>', '<', '>=', '+', '-', ' ',
    'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE', 'size', 'contains', 'if_not_exists',
    'list_append', 'attribute_exists', '$', '"', 'é', '\u{1f600}', '#', ':',
  );
  const text = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(' '));

  it('answers any input with a DynamoError, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 60 })), (t) => {
        for (const parse of [
          () => parseCondition(t, new ExpressionAttributes({ '#a': 'a' }, VALUES)),
          () => parseUpdate(t, new ExpressionAttributes({ '#a': 'a' }, VALUES)),
        ]) {
          try {
            parse();
          } catch (e) {
            expect((e as { type?: string }).type).toBe('ValidationException');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
