// The SQLSTATE table and its documentation: every code the protocol layer raises is listed in
// wire/pg/README.md, and the table agrees with PostgreSQL 15 on the codes clients depend on.

import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { SqlState, isSqlStateCode, sqlStateInfo } from '../../wire/pg/index.js';

const dir = new URL('../../wire/pg/', import.meta.url);

describe('SQLSTATE table', () => {
  it('has the codes clients and the brief depend on, with PostgreSQL\'s condition names', () => {
    const expected: Record<string, string> = {
      '42601': 'syntax_error', '42P01': 'undefined_table', '42703': 'undefined_column', '22P02': 'invalid_text_representation',
      '42804': 'datatype_mismatch', '23505': 'unique_violation', '23502': 'not_null_violation', '0A000': 'feature_not_supported',
      '08P01': 'protocol_violation', '28P01': 'invalid_password', '28000': 'invalid_authorization_specification',
      '57014': 'query_canceled', '25P02': 'in_failed_sql_transaction', '40001': 'serialization_failure',
      '40P01': 'deadlock_detected', '42P07': 'duplicate_table', '42710': 'duplicate_object',
      '22003': 'numeric_value_out_of_range', '22012': 'division_by_zero', '3D000': 'invalid_catalog_name', 'XX000': 'internal_error',
    };
    for (const [code, condition] of Object.entries(expected)) {
      expect(isSqlStateCode(code)).toBe(true);
      expect(sqlStateInfo[code as keyof typeof sqlStateInfo].condition).toBe(condition);
    }
    expect(SqlState.UniqueViolation).toBe('23505');
    expect(SqlState.SerializationFailure).toBe('40001');
  });

  it('lists every code raised in wire/pg in the README', () => {
    const readme = readFileSync(new URL('README.md', dir), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| ([0-9A-Z]{5}) \|/gm)].map((m) => m[1]));
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'sqlstate.ts')) {
      const src = readFileSync(new URL(file, dir), 'utf8');
      for (const m of src.matchAll(/SqlState\.(\w+)/g)) used.add(SqlState[m[1] as keyof typeof SqlState]);
    }
    used.delete(SqlState.SuccessfulCompletion);
    expect([...used].filter((c) => !documented.has(c)).sort()).toEqual([]);
  });
});
