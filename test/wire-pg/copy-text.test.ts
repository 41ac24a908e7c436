// COPY text format helpers (docs: COPY, "File Formats", "Text Format").

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CopyTextParser, encodeCopyTextRow } from '../../wire/pg/index.js';

describe('CopyTextParser', () => {
  it('parses rows, \\N as NULL, escapes, the empty string as empty, and stops at \\.', () => {
    const p = new CopyTextParser();
    const rows = p.push(Buffer.from('1\t1\t0\t\n2\t\\N\ta\\tb\\\\c\\nd\n\\x41\\101\\q\t\r\n\\.\nignored\n'));
    expect(rows).toEqual([['1', '1', '0', ''], ['2', null, 'a\tb\\c\nd'], ['AAq', '']]);
    expect(p.ended).toBe(true);
    expect(p.finish()).toEqual([]);
  });

  it('joins rows split across CopyData messages, multi-byte characters included', () => {
    const data = Buffer.from('é\tx\nzz\t\\\\\n');
    for (let at = 0; at <= data.length; at++) {
      const p = new CopyTextParser();
      const rows = [...p.push(data.subarray(0, at)), ...p.push(data.subarray(at)), ...p.finish()];
      expect(rows).toEqual([['é', 'x'], ['zz', '\\']]);
    }
  });

  it('takes a last line without a newline at finish()', () => {
    const p = new CopyTextParser();
    expect(p.push(Buffer.from('a\nb'))).toEqual([['a']]);
    expect(p.finish()).toEqual([['b']]);
  });

  it('honours a custom delimiter and NULL string', () => {
    const p = new CopyTextParser({ delimiter: ',', null: '' });
    expect(p.push(Buffer.from('a,,c\n'))).toEqual([['a', null, 'c']]);
  });

  it('refuses invalid UTF-8 (22021) and over-long lines (54000)', () => {
    expect(() => new CopyTextParser().push(Buffer.from([0xff, 0x0a]))).toThrow(expect.objectContaining({ code: '22021' }));
    const p = new CopyTextParser({ lineBytesMax: 8 });
    expect(() => p.push(Buffer.from('0123456789'))).toThrow(expect.objectContaining({ code: '54000' }));
  });
});

describe('encodeCopyTextRow', () => {
  it('escapes what COPY TO escapes', () => {
    expect(encodeCopyTextRow(['a\tb', null, 'c\\d\ne\r', ''])).toBe('a\\tb\t\\N\tc\\\\d\\ne\\r\t\n');
  });

  it('round-trips through the parser', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.option(fc.string(), { nil: null }), { minLength: 1, maxLength: 5 }), { maxLength: 10 }), (rows) => {
      const clean = rows.map((r) => r.map((f) => (f === null ? null : f.replace(/\0/g, ''))));
      const p = new CopyTextParser();
      const parsed = [...p.push(Buffer.from(clean.map((r) => encodeCopyTextRow(r)).join(''))), ...p.finish()];
      expect(parsed).toEqual(clean);
    }), { numRuns: 1000, seed: 3 });
  });
});
