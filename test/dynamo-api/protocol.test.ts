// Issue #4 "Bad input" and "Auth": the HTTP protocol as raw requests and through the SDK:
// SerializationException for malformed JSON, UnknownOperationException, x-amz-crc32 on every
// response, gzip request bodies, SigV4 verification when credentials are configured.
import zlib from 'node:zlib';
import { CreateTableCommand, ListTablesCommand, PutItemCommand, GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, makeClient, post, startDynamo, type TestDynamo } from './helpers.js';

describe('the HTTP protocol', () => {
  let d: TestDynamo;
  beforeAll(async () => {
    d = await startDynamo({ shards: 1 });
    await d.client.send(new CreateTableCommand({
      TableName: 'proto', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    }));
  });
  afterAll(async () => d.close());

  it('answers with x-amz-crc32 of the body, a request id and the JSON content type', async () => {
    const r = await fetch(d.endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    const body = Buffer.from(await r.arrayBuffer());
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(r.headers.get('x-amz-crc32')).toBe(String(zlib.crc32(body)));
    expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(body.toString())).toEqual({ TableNames: ['proto'] });
    const err = await fetch(d.endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.Nope' }, body: '{}' });
    const errBody = Buffer.from(await err.arrayBuffer());
    expect(err.headers.get('x-amz-crc32')).toBe(String(zlib.crc32(errBody)));
  });

  it('malformed JSON is a SerializationException; wrong member types too', async () => {
    for (const body of ['{', 'not json', '{"TableName": }', '[1,2]', '"str"', '42', 'null']) {
      const r = await post(d.endpoint, 'PutItem', body);
      expect(r.status, body).toBe(400);
      expect(r.body.__type, body).toBe('com.amazon.coral.service#SerializationException');
    }
    const r = await post(d.endpoint, 'PutItem', { TableName: 5, Item: {} });
    expect(r.body).toEqual({ __type: 'com.amazon.coral.service#SerializationException', Message: 'NUMBER_VALUE cannot be converted to String' });
    const l = await post(d.endpoint, 'Query', { TableName: 'proto', Limit: 'ten' });
    expect(l.body.__type).toBe('com.amazon.coral.service#SerializationException');
  });

  it('an unknown or missing operation is UnknownOperationException', async () => {
    for (const target of ['DynamoDB_20120810.DropEverything', 'DynamoDB_20120810.', 'Other_2020.ListTables', 'DynamoDB_20120810.toString', 'DynamoDB_20120810.__proto__']) {
      const r = await post(d.endpoint, 'x', {}, { 'x-amz-target': target });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ __type: 'com.amazon.coral.service#UnknownOperationException' });
    }
    const none = await fetch(d.endpoint, { method: 'POST', body: '{}' });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { __type: string }).__type).toBe('com.amazon.coral.service#UnknownOperationException');
    const other = await fetch(`${d.endpoint}/some/path`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(400);
  });

  it('accepts gzip request bodies; rejects bad gzip as SerializationException', async () => {
    const body = zlib.gzipSync(JSON.stringify({ TableName: 'proto', Item: { id: { S: 'gz' }, v: { S: 'zipped' } } }));
    const r = await post(d.endpoint, 'PutItem', body, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    const g = await post(d.endpoint, 'GetItem', { TableName: 'proto', Key: { id: { S: 'gz' } } });
    expect(g.body).toEqual({ Item: { id: { S: 'gz' }, v: { S: 'zipped' } } });
    const bad = await post(d.endpoint, 'PutItem', Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    expect(bad.body.__type).toBe('com.amazon.coral.service#SerializationException');
  });

  it('a body over 16 MB is refused with a DynamoDB error, and so is a gzip bomb', async () => {
    const huge = JSON.stringify({ TableName: 'proto', Item: { id: { S: 'x'.repeat(17 * 1024 * 1024) } } });
    const r = await post(d.endpoint, 'PutItem', huge);
    expect(r.status).toBe(400);
    expect(r.body.__type).toBe('com.amazon.coral.validate#ValidationException');
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 32));
    const b = await post(d.endpoint, 'PutItem', bomb, { 'content-encoding': 'gzip' });
    expect(b.body.__type).toBe('com.amazon.coral.service#SerializationException');
  });

  it('a GET of / is a health check', async () => {
    const r = await fetch(d.endpoint);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('healthy: dynamodb.us-east-1.amazonaws.com ');
  });

  it('without auth configured, any credentials work', async () => {
    const other = makeClient(d.endpoint, { accessKeyId: 'WHOEVER', secretAccessKey: 'whatever' });
    expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual(['proto']);
    other.destroy();
  });
});

describe('SigV4 with credentials configured', () => {
  let d: TestDynamo;
  beforeAll(async () => {
    d = await startDynamo({ shards: 1, credentials: { AKIDGOOD: 'good-secret', AKIDOTHER: 'other-secret' } });
  });
  afterAll(async () => d.close());

  const client = (accessKeyId: string, secretAccessKey: string, extra: object = {}) =>
    new DynamoDBClient({ endpoint: d.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });

  it('a correctly signed request passes, with either key', async () => {
    for (const [k, s] of [['AKIDGOOD', 'good-secret'], ['AKIDOTHER', 'other-secret']]) {
      const c = client(k, s);
      await c.send(new CreateTableCommand({ TableName: `signed-${k}`, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
      await c.send(new PutItemCommand({ TableName: `signed-${k}`, Item: { id: { S: 'x' }, body: { S: 'ü'.repeat(1000) } } }));
      expect((await c.send(new GetItemCommand({ TableName: `signed-${k}`, Key: { id: { S: 'x' } } }))).Item?.body.S).toHaveLength(1000);
      c.destroy();
    }
  });

  it('an unknown access key is UnrecognizedClientException', async () => {
    const c = client('AKIDBAD', 'good-secret');
    const f = await failure(c.send(new ListTablesCommand({})));
    expect(f.name).toBe('UnrecognizedClientException');
    expect(f.message).toBe('The security token included in the request is invalid.');
    c.destroy();
  });

  it('a wrong secret is InvalidSignatureException', async () => {
    const c = client('AKIDGOOD', 'wrong-secret');
    const f = await failure(c.send(new ListTablesCommand({})));
    expect(f.name).toBe('InvalidSignatureException');
    expect(f.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
    c.destroy();
  });

  it('a date more than 15 minutes off is InvalidSignatureException: Signature expired / not yet current', async () => {
    const past = client('AKIDGOOD', 'good-secret', { systemClockOffset: -20 * 60 * 1000 });
    let f = await failure(past.send(new ListTablesCommand({})));
    expect(f.name).toBe('InvalidSignatureException');
    expect(f.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    past.destroy();
    const future = client('AKIDGOOD', 'good-secret', { systemClockOffset: 20 * 60 * 1000 });
    f = await failure(future.send(new ListTablesCommand({})));
    expect(f.message).toMatch(/^Signature not yet current:/);
    future.destroy();
  });

  it('a tampered body fails; no signature at all is MissingAuthenticationTokenException', async () => {
    const r = await post(d.endpoint, 'ListTables', {});
    expect(r.body.__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
    const bad = await post(d.endpoint, 'ListTables', {}, { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDGOOD' });
    expect(bad.body.__type).toBe('com.amazon.coral.service#IncompleteSignatureException');
    const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const forged = await post(d.endpoint, 'ListTables', {}, {
      'x-amz-date': now,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDGOOD/${now.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    });
    expect(forged.body.__type).toBe('com.amazon.coral.service#InvalidSignatureException');
  });
});
