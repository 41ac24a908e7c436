// Tables created through the DynamoDB API, as SQL sees them (docs/dynamo.md, "Dynamo tables
// through SQL"). Such an engine table (`options.dynamo`) declares only its key columns - hash key
// and range key, typed text (S), numeric (N) or bytea (B) - and stores every other attribute as a
// cell holding its AttributeValue ({S: 'x'}, {N: '1.5'}, {M: {...}}, ...). SQL shows:
//   - the key columns as they are (a WHERE on the hash key is a point lookup / partition read);
//   - one more column, `document` jsonb: the whole item (keys included) as plain JSON:
//       S -> string, N -> number (exact, every digit kept), B -> base64 string, BOOL -> boolean,
//       NULL -> null, M -> object, L -> array, SS / NS / BS -> arrays of strings / numbers /
//       base64 strings.
//     It is named `document_` when a key attribute is already called `document`.
// Dynamo tables are read-only here: INSERT, UPDATE, DELETE, TRUNCATE and DDL are refused with
// 0A000 (write through the DynamoDB API), since SQL rows cannot say which AttributeValue type
// each JSON value must become. This module depends only on engine types: the SQL layer never
// imports the Dynamo layer.
import type { ColumnType, TableSchema, Value } from '../engine/types.js';
import { SqlError, SqlState } from './errors.js';
import { jsonbText, type Json } from './values.js';

/** Whether the engine table was created through the DynamoDB API. */
export function isDynamoTable(schema: TableSchema): boolean {
  return schema.options.dynamo !== undefined && schema.options.dynamo !== null;
}

/** The name of the document column of a Dynamo table. */
export function documentColumnName(schema: TableSchema): string {
  return schema.columns.some((c) => c.name === 'document') ? 'document_' : 'document';
}

/** 0A000 for any change to a Dynamo table through SQL. */
export function dynamoTableReadOnly(name: string, position?: number): SqlError {
  return new SqlError(
    SqlState.featureNotSupported,
    `table "${name}" was created through the DynamoDB API and is read-only in SQL; change it through the DynamoDB API`,
    { position },
  );
}

function base64(v: Value): string {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : '';
}

/** One AttributeValue (internal form) as JSON; undefined when it is not one. */
function attributeJson(v: Value): Json | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const x = (v as Record<string, Value>)[keys[0]];
  switch (keys[0]) {
    case 'S': return typeof x === 'string' ? x : undefined;
    case 'N': return typeof x === 'string' ? { num: x } : undefined;
    case 'B': return base64(x);
    case 'BOOL': return typeof x === 'boolean' ? x : undefined;
    case 'NULL': return null;
    case 'SS': return Array.isArray(x) ? x.map((s) => String(s)) : undefined;
    case 'NS': return Array.isArray(x) ? x.map((n) => ({ num: String(n) })) : undefined;
    case 'BS': return Array.isArray(x) ? x.map(base64) : undefined;
    case 'L': return Array.isArray(x) ? x.map((e) => attributeJson(e) ?? null) : undefined;
    case 'M': {
      if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) return undefined;
      const m = new Map<string, Json>();
      for (const k of Object.keys(x)) {
        const e = attributeJson((x as Record<string, Value>)[k]);
        if (e !== undefined) m.set(k, e);
      }
      return m;
    }
    default: return undefined;
  }
}

/** A key column's engine value as JSON (text -> string, numeric -> number, bytea -> base64). */
function keyJson(v: Value, type: ColumnType | undefined): Json | undefined {
  if (v instanceof Uint8Array) return base64(v);
  if (type === 'numeric' || typeof v === 'number' || typeof v === 'bigint') return { num: String(v) };
  if (typeof v === 'string') return v;
  return undefined;
}

/**
 * The document column's value (jsonb text) for a row's live values: key columns by their column
 * type (the key codec decoded them into `values`), every other cell as its AttributeValue.
 */
export function dynamoDocument(schema: TableSchema, values: Readonly<Record<string, Value>>): string {
  const keys = new Set([...schema.partitionKey, ...schema.clusteringKey]);
  const doc = new Map<string, Json>();
  for (const name of Object.keys(values)) {
    const j = keys.has(name) ? keyJson(values[name], schema.columns.find((c) => c.name === name)?.type) : attributeJson(values[name]);
    if (j !== undefined) doc.set(name, j);
  }
  return jsonbText(doc);
}
