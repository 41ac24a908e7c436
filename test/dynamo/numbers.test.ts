// Number parsing, canonical form, limits and exact arithmetic (Developer Guide, "Naming rules
// and data types": Number - 38 digits of precision, 1E-130 .. 9.99..E+125).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arithmetic,
  checkNumber,
  compareNumbers,
  formatDecimal,
  normalizeNumber,
  numberSizeBytes,
  parseDecimal,
} from '../../dynamo-api/numbers.js';
import { messageOf } from './helpers.js';

describe('normalizeNumber', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['+3', '3'],
    ['0001.23', '1.23'],
    ['.123', '0.123'],
    ['1.', '1'],
    ['1.500', '1.5'],
    ['-17e5', '-1700000'],
    ['-17.4E37', '-174' + '0'.repeat(36)],
    ['1e+5', '100000'],
    ['0e1000', '0'],
    ['0.000e-999999999999999999', '0'],
    ['12.34e-3', '0.01234'],
    ['1E-130', '0.' + '0'.repeat(129) + '1'],
    ['9.9999999999999999999999999999999999999E+125', '99999999999999999999999999999999999999' + '0'.repeat(88)],
    ['3.1415926535897932384626433832795028841', '3.1415926535897932384626433832795028841'],
    ['31415926535897932384626433832795028841e30', '31415926535897932384626433832795028841' + '0'.repeat(30)],
  ])('%s -> %s', (input, out) => {
    expect(normalizeNumber(input)).toBe(out);
  });

  it.each([
    ['', 'The parameter cannot be converted to a numeric value'],
    ['b', 'The parameter cannot be converted to a numeric value: b'],
    ['NaN', 'The parameter cannot be converted to a numeric value: NaN'],
    ['Infinity', 'The parameter cannot be converted to a numeric value: Infinity'],
    [' 1', 'The parameter cannot be converted to a numeric value:  1'],
    ['1 ', 'The parameter cannot be converted to a numeric value: 1 '],
    ['.', 'The parameter cannot be converted to a numeric value: .'],
    ['1e', 'The parameter cannot be converted to a numeric value: 1e'],
    ['0x10', 'The parameter cannot be converted to a numeric value: 0x10'],
    ['123456789012345678901234567890123456789', 'Attempting to store more than 38 significant digits in a Number'],
    ['-1.23456789012345678901234567890123456789', 'Attempting to store more than 38 significant digits in a Number'],
    ['1e126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['-1e126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['11e125', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['1e-131', 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    ['0.9e-130', 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    ['1e99999999999999999999', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
  ])('rejects %j', (input, message) => {
    expect(messageOf(() => normalizeNumber(input))).toBe(message);
  });

  it('keeps trailing zeros of an integer but not of a fraction', () => {
    expect(normalizeNumber('1000')).toBe('1000');
    expect(normalizeNumber('10.010')).toBe('10.01');
  });
});

describe('arithmetic', () => {
  it.each([
    ['+', '1', '10000000000000000000000', '10000000000000000000001'],
    ['-', '10000000000000000000000', '1', '9999999999999999999999'],
    ['+', '0.1', '0.2', '0.3'],
    ['-', '0.3', '0.1', '0.2'],
    ['+', '-5', '5', '0'],
    ['-', '1.5', '2.25', '-0.75'],
    ['+', '1e125', '-1e125', '0'],
  ])('%s %s %s = %s', (op, a, b, out) => {
    expect(arithmetic(op as '+' | '-', a, b)).toBe(out);
  });

  it('reports a result beyond the range as an overflow', () => {
    const overflow = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
    expect(messageOf(() => arithmetic('+', '9e125', '9e125'))).toBe(overflow);
    expect(messageOf(() => arithmetic('-', '9e125', '-9e125'))).toBe(overflow);
    // DynamoDB words precision lost in + and - as an overflow too.
    expect(messageOf(() => arithmetic('-', '1e50', '1'))).toBe(overflow);
  });
});

describe('compareNumbers', () => {
  it.each([
    ['1', '2', -1],
    ['2', '1', 1],
    ['1.0', '1', 0],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['0', '-0', 0],
    ['0.001', '0.01', -1],
    ['99', '100', -1],
    ['-99', '-100', 1],
    ['1e-130', '0', 1],
    ['123.456', '123.4561', -1],
  ])('%s vs %s', (a, b, c) => {
    expect(compareNumbers(a, b)).toBe(c);
  });
});

// ---- Properties ----

/** A random in-range decimal as a string, in assorted spellings. */
const numberText = fc
  .record({
    neg: fc.boolean(),
    digits: fc.stringMatching(/^[0-9]{1,38}$/),
    exp: fc.integer({ min: -160, max: 90 }),
    sci: fc.boolean(),
  })
  .map(({ neg, digits, exp, sci }) => {
    const sign = neg ? '-' : '';
    if (sci) return `${sign}${digits}e${exp}`;
    const e = Math.max(exp, -digits.length - 40);
    // Plain spelling: place a decimal point inside or pad with zeros.
    if (e >= 0) return sign + digits + '0'.repeat(Math.min(e, 60));
    const pad = digits.padStart(-e + 1, '0');
    return `${sign}${pad.slice(0, pad.length + e)}.${pad.slice(pad.length + e)}`;
  })
  .filter((s) => checkNumber(s).ok);

/** The exact value as a BigInt scaled by 10^SCALE. */
const SCALE = 400;
function scaled(text: string): bigint {
  const d = parseDecimal(text)!;
  if (d.sign === 0) return 0n;
  const v = BigInt(d.coefficient) * 10n ** BigInt(d.exponent + SCALE);
  return d.sign < 0 ? -v : v;
}

describe('number properties', () => {
  it('comparison agrees with a BigInt-scaled reference', () => {
    fc.assert(
      fc.property(numberText, numberText, (a, b) => {
        const ra = scaled(a);
        const rb = scaled(b);
        expect(compareNumbers(a, b)).toBe(ra < rb ? -1 : ra > rb ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('normalise is idempotent and preserves the value', () => {
    fc.assert(
      fc.property(numberText, (a) => {
        const n = normalizeNumber(a);
        expect(normalizeNumber(n)).toBe(n);
        expect(scaled(n)).toBe(scaled(a));
        expect(n).not.toMatch(/e|E|\+|^-0$|^0\d|\.$|\.\d*0$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('addition and subtraction are exact', () => {
    fc.assert(
      fc.property(numberText, numberText, fc.constantFrom('+', '-'), (a, b, op) => {
        let out: string;
        try {
          out = arithmetic(op as '+' | '-', a, b);
        } catch {
          return; // out of range: checked by the example tests
        }
        const expected = op === '+' ? scaled(a) + scaled(b) : scaled(a) - scaled(b);
        expect(scaled(out)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('numberSizeBytes', () => {
  it.each([
    ['0', 1],
    ['1', 2],
    ['10', 2],
    ['12', 2],
    ['123', 3],
    ['1.2', 3],
    ['12.3', 3],
    ['1.234', 4],
    ['-1', 3],
    ['12.3456', 4],
  ])('%s takes %i bytes', (n, size) => {
    expect(numberSizeBytes(n)).toBe(size);
  });

  it('is at most 21 bytes for 38 digits', () => {
    expect(numberSizeBytes('-' + '9'.repeat(38))).toBeLessThanOrEqual(22);
    expect(numberSizeBytes('9'.repeat(38))).toBe(20);
  });

  it('formatDecimal of a parsed canonical number is the same string', () => {
    expect(formatDecimal(parseDecimal('-0.000123')!)).toBe('-0.000123');
  });
});

describe('regressions', () => {
  it('compares equal negative numbers as 0, not -0 (found by fast-check)', () => {
    expect(Object.is(compareNumbers('-0.000000000000000000000000000000000000000007', '-7e-42'), 0)).toBe(true);
  });
});
