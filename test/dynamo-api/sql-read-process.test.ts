// Issue #4, "Dynamo tables are readable from SQL": a table written through the AWS SDK is
// queried with node-postgres on the same real `tessera start` (docs/dynamo.md, "Dynamo tables
// through SQL"): key attributes are typed columns, the item is the jsonb `document`, a WHERE on
// the hash key is a point read, and changes through SQL are refused with 0A000.
import { BatchWriteItemCommand, CreateTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, TesseraProcess } from '../helpers/tessera.js';
import { ensureBuilt, makeClient } from './helpers.js';

describe('Dynamo tables through SQL (real node, node-postgres)', () => {
  let node: TesseraProcess;
  let c: DynamoDBClient;
  let sql: pg.Client;

  beforeAll(async () => {
    ensureBuilt();
    node = await TesseraProcess.start({ dataDir: tempDir(), shards: 2 });
    c = makeClient(node.dynamoEndpoint);
    await c.send(new CreateTableCommand({
      TableName: 'Orders-2024',
      AttributeDefinitions: [{ AttributeName: 'customer', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' }, { AttributeName: 'status', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }], BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    }));
    await c.send(new CreateTableCommand({
      TableName: 'blobs',
      AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'B' }],
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await c.send(new PutItemCommand({
      TableName: 'Orders-2024',
      Item: {
        customer: { S: 'ann' }, seq: { N: '1' }, status: { S: 'open' },
        total: { N: '12345678901234567890.123456789012345678' }, paid: { BOOL: false }, note: { NULL: true },
        lines: { L: [{ M: { sku: { S: 'x1' }, qty: { N: '2' } } }, { S: 'gift' }] },
        tags: { SS: ['b', 'a'] }, sizes: { NS: ['10', '2.5'] }, raw: { B: new Uint8Array([1, 2, 3]) },
      },
    }));
    for (let b = 0; b < 40; b += 20) {
      await c.send(new BatchWriteItemCommand({
        RequestItems: {
          'Orders-2024': Array.from({ length: 20 }, (_, k) => b + k).map((i) => ({
            PutRequest: { Item: { customer: { S: `c${i % 8}` }, seq: { N: String(i) }, status: { S: i % 2 ? 'open' : 'done' }, amount: { N: String(i * 10) } } },
          })),
        },
      }));
    }
    await c.send(new PutItemCommand({ TableName: 'blobs', Item: { k: { B: new Uint8Array([0xca, 0xfe]) }, v: { S: 'coffee' } } }));
    sql = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'tessera', database: 'tessera' });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    await sql?.end().catch(() => undefined);
    c?.destroy();
    await node?.kill9();
  });

  it('is listed like any table (\\dt), index and system tables are not', async () => {
    const r = await sql.query(`SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p') AND n.nspname = 'public' ORDER BY 1`);
    expect(r.rows.map((x) => x.relname)).toEqual(['Orders-2024', 'blobs']);
  });

  it('maps key attributes to typed columns and the item to jsonb `document`', async () => {
    const r = await sql.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Orders-2024' ORDER BY ordinal_position`);
    expect(r.rows).toEqual([
      { column_name: 'customer', data_type: 'text' },
      { column_name: 'seq', data_type: 'numeric' },
      { column_name: 'document', data_type: 'jsonb' },
    ]);
    const b = await sql.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'blobs' ORDER BY ordinal_position`);
    expect(b.rows).toEqual([{ column_name: 'k', data_type: 'bytea' }, { column_name: 'document', data_type: 'jsonb' }]);
  });

  it('reads the whole item as JSON, every type and every digit', async () => {
    const r = await sql.query(`SELECT customer, seq, document::text AS doc FROM "Orders-2024" WHERE customer = $1`, ['ann']);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0].customer).toBe('ann');
    expect(r.rows[0].seq).toBe('1');
    const doc = r.rows[0].doc as string;
    // Exact digits: the text, not a float.
    expect(doc).toContain('"total": 12345678901234567890.123456789012345678');
    const parsed = JSON.parse(doc) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      customer: 'ann', seq: 1, status: 'open', paid: false, note: null,
      lines: [{ sku: 'x1', qty: 2 }, 'gift'], raw: 'AQID',
    });
    // Sets are unordered: arrays in whatever order they are stored.
    expect((parsed.tags as string[]).sort()).toEqual(['a', 'b']);
    expect((parsed.sizes as number[]).sort((a, b) => a - b)).toEqual([2.5, 10]);
  });

  it('a WHERE on the hash key is a point read; jsonb operators work on document', async () => {
    const plan = await sql.query(`EXPLAIN SELECT * FROM "Orders-2024" WHERE customer = 'c3' AND seq = 11`);
    expect(plan.rows.map((x) => Object.values(x)[0]).join('\n')).toMatch(/Point Read on "?Orders-2024"?/);
    const r = await sql.query(`SELECT seq, document->>'status' AS status, (document->>'amount')::numeric AS amount FROM "Orders-2024" WHERE customer = 'c3' ORDER BY seq`);
    expect(r.rows).toEqual([{ seq: '3', status: 'open', amount: '30' }, { seq: '11', status: 'open', amount: '110' }, { seq: '19', status: 'open', amount: '190' }, { seq: '27', status: 'open', amount: '270' }, { seq: '35', status: 'open', amount: '350' }]);
  });

  it('aggregates and filters on document over the whole table', async () => {
    const r = await sql.query(`SELECT document->>'status' AS status, count(*)::int AS n FROM "Orders-2024" WHERE document->>'status' IS NOT NULL GROUP BY 1 ORDER BY 1`);
    expect(r.rows).toEqual([{ status: 'done', n: 20 }, { status: 'open', n: 21 }]);
  });

  it('a binary hash key is bytea', async () => {
    const r = await sql.query(`SELECT k, document->>'v' AS v FROM blobs WHERE k = '\\xcafe'::bytea`);
    expect(r.rows).toEqual([{ k: Buffer.from([0xca, 0xfe]), v: 'coffee' }]);
  });

  it('changes through SQL are refused with 0A000', async () => {
    for (const stmt of [
      `INSERT INTO "Orders-2024" (customer, seq) VALUES ('z', 1)`,
      `UPDATE "Orders-2024" SET seq = 2 WHERE customer = 'ann'`,
      `DELETE FROM "Orders-2024" WHERE customer = 'ann'`,
      `TRUNCATE "Orders-2024"`,
      `DROP TABLE "Orders-2024"`,
      `ALTER TABLE "Orders-2024" ADD COLUMN x int`,
      `CREATE INDEX ON "Orders-2024" (seq)`,
      `COPY "Orders-2024" FROM STDIN`,
    ]) {
      const e = await sql.query(stmt).then(() => undefined, (err: { code: string; message: string }) => err);
      expect(e?.code, stmt).toBe('0A000');
      expect(e?.message).toMatch(/created through the DynamoDB API and is read-only in SQL/);
    }
    const still = await sql.query(`SELECT count(*)::int AS n FROM "Orders-2024"`);
    expect(still.rows[0].n).toBe(41);
  });
});
