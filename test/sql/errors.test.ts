// Every SQLSTATE the SQL layer can raise is documented in sql/README.md's error table
// (STYLE.md: "a test fails if a code is missing from the docs"), and every code in the
// table exists in PostgreSQL's list as errors.ts spells it.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqlState } from '../../sql/errors.js';

const readme = fs.readFileSync(new URL('../../sql/README.md', import.meta.url), 'utf8');
const documented = new Map([...readme.matchAll(/^\| ([0-9A-Z]{5}) \| ([a-z_]+) \|/gm)].map((m) => [m[1], m[2]]));

describe('SQLSTATE documentation', () => {
  it('documents every code in errors.ts', () => {
    const missing = Object.entries(SqlState).filter(([, code]) => !documented.has(code)).map(([name, code]) => `${code} (${name})`);
    expect(missing).toEqual([]);
  });

  it('documents only codes errors.ts defines', () => {
    const codes = new Set<string>(Object.values(SqlState));
    expect([...documented.keys()].filter((c) => !codes.has(c))).toEqual([]);
  });

  it('uses only defined codes in the source', () => {
    const dir = new URL('../../sql/', import.meta.url);
    const names = new Set(Object.keys(SqlState));
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const src = fs.readFileSync(new URL(f, dir), 'utf8');
      for (const m of src.matchAll(/SqlState\.([a-zA-Z]+)/g)) expect(names.has(m[1]), `${f}: SqlState.${m[1]}`).toBe(true);
    }
  });
});
