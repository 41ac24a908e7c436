// Issue #4 acceptance: for each operation the error cases - missing table, bad key schema, bad
// expression syntax, undefined placeholder, unused placeholder, type mismatch, size limit -
// each answered with DynamoDB's error type and message, over raw HTTP so the request is
// exactly what is sent. Cases that do not apply to an operation (BatchWriteItem has no
// expressions, the control plane no placeholders) are left out of its row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../dynamo-api/server.js';
import { post, startDynamo, type TestDynamo } from './helpers.js';

type Case = readonly [body: Record<string, unknown>, type: string, message: string | RegExp];
type Row = Partial<Record<'missingTable' | 'badKeySchema' | 'badSyntax' | 'undefinedPlaceholder' | 'unusedPlaceholder' | 'typeMismatch' | 'sizeLimit', Case>>;

const V = 'ValidationException';
const RNF = 'ResourceNotFoundException';
const big = (n: number) => 'x'.repeat(n);
const T = 'matrix';
const key = { id: { S: 'k' }, r: { N: '1' } };
const item = { ...key, a: { S: 'a' } };
const unusedValue = 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}';
const unusedName = 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}';

const MATRIX: Record<string, Row> = {
  PutItem: {
    missingTable: [{ TableName: 'nope', Item: item }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, Item: { id: { S: 'k' } } }, V, 'One or more parameter values were invalid: Missing the key r in the item'],
    badSyntax: [{ TableName: T, Item: item, ConditionExpression: 'a = ' }, V, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="'],
    undefinedPlaceholder: [{ TableName: T, Item: item, ConditionExpression: 'a = :x' }, V, 'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x'],
    unusedPlaceholder: [{ TableName: T, Item: item, ConditionExpression: 'a = :x', ExpressionAttributeValues: { ':x': { S: 'a' }, ':unused': { S: 'b' } } }, V, unusedValue],
    typeMismatch: [{ TableName: T, Item: { ...item, r: { S: '1' } } }, V, 'One or more parameter values were invalid: Type mismatch for key r expected: N actual: S'],
    sizeLimit: [{ TableName: T, Item: { ...item, a: { S: big(410_000) } } }, V, 'Item size has exceeded the maximum allowed size'],
  },
  GetItem: {
    missingTable: [{ TableName: 'nope', Key: key }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, Key: { ...key, extra: { S: 'x' } } }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ TableName: T, Key: key, ProjectionExpression: 'a,,b' }, V, 'Invalid ProjectionExpression: Syntax error; token: ",", near: ",,b"'],
    undefinedPlaceholder: [{ TableName: T, Key: key, ProjectionExpression: '#n' }, V, 'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #n'],
    unusedPlaceholder: [{ TableName: T, Key: key, ProjectionExpression: 'a', ExpressionAttributeNames: { '#unused': 'b' } }, V, unusedName],
    typeMismatch: [{ TableName: T, Key: { id: { N: '1' }, r: { N: '1' } } }, V, 'The provided key element does not match the schema'],
    sizeLimit: [{ TableName: T, Key: { id: { S: big(2049) }, r: { N: '1' } } }, V, 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes'],
  },
  UpdateItem: {
    missingTable: [{ TableName: 'nope', Key: key, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { S: 'v' } } }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, Key: { id: { S: 'k' } }, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { S: 'v' } } }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ TableName: T, Key: key, UpdateExpression: 'SET a =' }, V, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="'],
    undefinedPlaceholder: [{ TableName: T, Key: key, UpdateExpression: 'SET a = :v' }, V, 'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v'],
    unusedPlaceholder: [{ TableName: T, Key: key, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { S: 'v' }, ':unused': { S: 'u' } } }, V, unusedValue],
    typeMismatch: [{ TableName: T, Key: key, UpdateExpression: 'SET a = :s + :n', ExpressionAttributeValues: { ':s': { S: 's' }, ':n': { N: '1' } } }, V, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S'],
    sizeLimit: [{ TableName: T, Key: key, UpdateExpression: `SET a = :v${' '.repeat(4100)}`, ExpressionAttributeValues: { ':v': { S: 'v' } } }, V, 'Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4110'],
  },
  DeleteItem: {
    missingTable: [{ TableName: 'nope', Key: key }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, Key: { r: { N: '1' } } }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ TableName: T, Key: key, ConditionExpression: 'attribute_exists(' }, V, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'],
    undefinedPlaceholder: [{ TableName: T, Key: key, ConditionExpression: 'attribute_exists(#a)' }, V, 'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a'],
    unusedPlaceholder: [{ TableName: T, Key: key, ConditionExpression: 'attribute_exists(a)', ExpressionAttributeNames: { '#unused': 'x' } }, V, unusedName],
    typeMismatch: [{ TableName: T, Key: { id: { B: 'AA==' }, r: { N: '1' } } }, V, 'The provided key element does not match the schema'],
    sizeLimit: [{ TableName: T, Key: { id: { S: 'k' }, r: { N: '1'.repeat(39) } } }, V, 'Attempting to store more than 38 significant digits in a Number'],
  },
  Query: {
    missingTable: [{ TableName: 'nope', KeyConditionExpression: 'id = :k', ExpressionAttributeValues: { ':k': { S: 'k' } } }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, KeyConditionExpression: 'a = :k', ExpressionAttributeValues: { ':k': { S: 'k' } } }, V, 'Query condition missed key schema element: id'],
    badSyntax: [{ TableName: T, KeyConditionExpression: 'id = = :k', ExpressionAttributeValues: { ':k': { S: 'k' } } }, V, 'Invalid KeyConditionExpression: Syntax error; token: "=", near: "= = :k"'],
    undefinedPlaceholder: [{ TableName: T, KeyConditionExpression: 'id = :k' }, V, 'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :k'],
    unusedPlaceholder: [{ TableName: T, KeyConditionExpression: 'id = :k', ExpressionAttributeValues: { ':k': { S: 'k' }, ':unused': { S: 'u' } } }, V, unusedValue],
    typeMismatch: [{ TableName: T, KeyConditionExpression: 'id = :k', ExpressionAttributeValues: { ':k': { N: '1' } } }, V, 'One or more parameter values were invalid: Condition parameter type does not match schema type'],
    sizeLimit: [{ TableName: T, KeyConditionExpression: 'id = :k', ExpressionAttributeValues: { ':k': { S: 'k' } }, Limit: 0 }, V, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"],
  },
  Scan: {
    missingTable: [{ TableName: 'nope' }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TableName: T, ExclusiveStartKey: { id: { S: 'k' } } }, V, 'The provided starting key is invalid: The provided key element does not match the schema'],
    badSyntax: [{ TableName: T, FilterExpression: 'a IN ()' }, V, /^Invalid FilterExpression: Syntax error; token: "\)"/],
    undefinedPlaceholder: [{ TableName: T, FilterExpression: 'a = :v' }, V, 'Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :v'],
    unusedPlaceholder: [{ TableName: T, FilterExpression: 'a = :v', ExpressionAttributeValues: { ':v': { S: 'v' }, ':unused': { S: 'u' } } }, V, unusedValue],
    typeMismatch: [{ TableName: T, FilterExpression: 'begins_with(a, :n)', ExpressionAttributeValues: { ':n': { N: '1' } } }, V, 'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N'],
    sizeLimit: [{ TableName: T, TotalSegments: 1_000_001, Segment: 0 }, V, "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"],
  },
  BatchGetItem: {
    missingTable: [{ RequestItems: { nope: { Keys: [key] } } }, RNF, 'Requested resource not found'],
    badKeySchema: [{ RequestItems: { [T]: { Keys: [{ id: { S: 'k' } }] } } }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ RequestItems: { [T]: { Keys: [key], ProjectionExpression: 'a b' } } }, V, 'Invalid ProjectionExpression: Syntax error; token: "b", near: "a b"'],
    undefinedPlaceholder: [{ RequestItems: { [T]: { Keys: [key], ProjectionExpression: '#p' } } }, V, 'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #p'],
    unusedPlaceholder: [{ RequestItems: { [T]: { Keys: [key], ProjectionExpression: 'a', ExpressionAttributeNames: { '#unused': 'u' } } } }, V, unusedName],
    typeMismatch: [{ RequestItems: { [T]: { Keys: [{ id: { S: 'k' }, r: { S: '1' } }] } } }, V, 'The provided key element does not match the schema'],
    sizeLimit: [{ RequestItems: { [T]: { Keys: Array.from({ length: 101 }, (_, i) => ({ id: { S: `k${i}` }, r: { N: '1' } })) } } }, V, "1 validation error detected: Value '[101 members]' at 'requestItems.matrix.keys' failed to satisfy constraint: Member must have length less than or equal to 100"],
  },
  BatchWriteItem: {
    missingTable: [{ RequestItems: { nope: [{ PutRequest: { Item: item } }] } }, RNF, 'Requested resource not found'],
    badKeySchema: [{ RequestItems: { [T]: [{ PutRequest: { Item: { r: { N: '1' } } } }] } }, V, 'One or more parameter values were invalid: Missing the key id in the item'],
    typeMismatch: [{ RequestItems: { [T]: [{ DeleteRequest: { Key: { id: { N: '1' }, r: { N: '1' } } } }] } }, V, 'The provided key element does not match the schema'],
    sizeLimit: [{ RequestItems: { [T]: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { id: { S: `k${i}` }, r: { N: '1' } } } })) } }, V, 'Too many items requested for the BatchWriteItem call'],
  },
  TransactWriteItems: {
    missingTable: [{ TransactItems: [{ Put: { TableName: 'nope', Item: item } }] }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TransactItems: [{ Delete: { TableName: T, Key: { id: { S: 'k' } } } }] }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ TransactItems: [{ ConditionCheck: { TableName: T, Key: key, ConditionExpression: 'a <' } }] }, V, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "<"'],
    undefinedPlaceholder: [{ TransactItems: [{ Update: { TableName: T, Key: key, UpdateExpression: 'REMOVE #x' } }] }, V, 'Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x'],
    unusedPlaceholder: [{ TransactItems: [{ Update: { TableName: T, Key: key, UpdateExpression: 'REMOVE a', ExpressionAttributeNames: { '#unused': 'u' } } }] }, V, unusedName],
    typeMismatch: [{ TransactItems: [{ Put: { TableName: T, Item: { ...item, id: { N: '5' } } } }] }, V, 'One or more parameter values were invalid: Type mismatch for key id expected: S actual: N'],
    sizeLimit: [{ TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: T, Item: { id: { S: `k${i}` }, r: { N: '1' } } } })) }, V, "1 validation error detected: Value '[101 members]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"],
  },
  TransactGetItems: {
    missingTable: [{ TransactItems: [{ Get: { TableName: 'nope', Key: key } }] }, RNF, 'Requested resource not found'],
    badKeySchema: [{ TransactItems: [{ Get: { TableName: T, Key: { id: { S: 'k' } } } }] }, V, 'The provided key element does not match the schema'],
    badSyntax: [{ TransactItems: [{ Get: { TableName: T, Key: key, ProjectionExpression: '[1]' } }] }, V, 'Invalid ProjectionExpression: Syntax error; token: "[", near: "[1"'],
    undefinedPlaceholder: [{ TransactItems: [{ Get: { TableName: T, Key: key, ProjectionExpression: 'a.#b' } }] }, V, 'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #b'],
    unusedPlaceholder: [{ TransactItems: [{ Get: { TableName: T, Key: key, ProjectionExpression: 'a', ExpressionAttributeNames: { '#unused': 'u' } } }] }, V, unusedName],
    typeMismatch: [{ TransactItems: [{ Get: { TableName: T, Key: { id: { S: 'k' }, r: { B: 'AA==' } } } }] }, V, 'The provided key element does not match the schema'],
    sizeLimit: [{ TransactItems: [{ Get: { TableName: T, Key: { id: { S: 'k' }, r: { N: '1e126' } } } }] }, V, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
  },
  CreateTable: {
    // The table exists: CreateTable's counterpart of a missing table.
    missingTable: [{ TableName: T, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }, 'ResourceInUseException', 'Table already exists: matrix'],
    badKeySchema: [{ TableName: 'newt', AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }, { AttributeName: 'b', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }, { AttributeName: 'b', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }, V, 'Invalid KeySchema: The second KeySchemaElement is not a RANGE key type'],
    typeMismatch: [{ TableName: 'newt', AttributeDefinitions: 'a', KeySchema: [], BillingMode: 'PAY_PER_REQUEST' }, 'SerializationException', 'Unexpected field type'],
    sizeLimit: [{ TableName: big(256), AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }, V, `1 validation error detected: Value '${big(256)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255`],
  },
  DescribeTable: {
    missingTable: [{ TableName: 'nope' }, RNF, 'Requested resource not found: Table: nope not found'],
    typeMismatch: [{ TableName: ['matrix'] }, 'SerializationException', /^Start of list found where not expected|START_ARRAY/],
    sizeLimit: [{ TableName: 'ab' }, V, "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"],
  },
  UpdateTable: {
    missingTable: [{ TableName: 'nope', BillingMode: 'PAY_PER_REQUEST' }, RNF, 'Requested resource not found: Table: nope not found'],
    typeMismatch: [{ TableName: T, BillingMode: 5 }, 'SerializationException', 'NUMBER_VALUE cannot be converted to String'],
    badKeySchema: [{ TableName: T, AttributeDefinitions: [{ AttributeName: 'g', AttributeType: 'S' }], GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'gsi', KeySchema: [{ AttributeName: 'g', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }] }, V, 'Invalid KeySchema: The first KeySchemaElement is not a HASH key type'],
    sizeLimit: [{ TableName: T, ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 1 } }, V, "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"],
  },
  DeleteTable: {
    missingTable: [{ TableName: 'nope' }, RNF, 'Requested resource not found: Table: nope not found'],
    typeMismatch: [{ TableName: 5 }, 'SerializationException', 'NUMBER_VALUE cannot be converted to String'],
    sizeLimit: [{ TableName: 'a'.repeat(300) }, V, /^1 validation error detected: Value 'a+' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255$/],
  },
  UpdateTimeToLive: {
    missingTable: [{ TableName: 'nope', TimeToLiveSpecification: { Enabled: true, AttributeName: 'e' } }, RNF, 'Requested resource not found: Table: nope not found'],
    typeMismatch: [{ TableName: T, TimeToLiveSpecification: { Enabled: 'yes', AttributeName: 'e' } }, 'SerializationException', 'STRING_VALUE can not be converted to a Boolean'],
    sizeLimit: [{ TableName: T, TimeToLiveSpecification: { Enabled: true, AttributeName: big(256) } }, V, `1 validation error detected: Value '${big(256)}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255`],
  },
  DescribeTimeToLive: {
    missingTable: [{ TableName: 'nope' }, RNF, 'Requested resource not found: Table: nope not found'],
    typeMismatch: [{ TableName: 5 }, 'SerializationException', 'NUMBER_VALUE cannot be converted to String'],
    sizeLimit: [{ TableName: big(256) }, V, `1 validation error detected: Value '${big(256)}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255`],
  },
  TagResource: {
    missingTable: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope', Tags: [{ Key: 'a', Value: 'b' }] }, RNF, 'Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/nope not found'],
    sizeLimit: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/matrix', Tags: [{ Key: big(129), Value: 'b' }] }, V, `1 validation error detected: Value '${big(129)}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`],
    typeMismatch: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/matrix', Tags: 'x' }, 'SerializationException', 'Unexpected field type'],
  },
  UntagResource: {
    missingTable: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope', TagKeys: ['a'] }, RNF, 'Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/nope not found'],
    typeMismatch: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/matrix', TagKeys: [5] }, 'SerializationException', 'NUMBER_VALUE cannot be converted to String'],
    sizeLimit: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/matrix', TagKeys: ['a', big(129)] }, V, `1 validation error detected: Value '[a, ${big(129)}]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`],
  },
  ListTagsOfResource: {
    missingTable: [{ ResourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope' }, RNF, 'Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/nope not found'],
    typeMismatch: [{ ResourceArn: 5 }, 'SerializationException', 'NUMBER_VALUE cannot be converted to String'],
    sizeLimit: [{ ResourceArn: big(1284) }, V, `1 validation error detected: Value '${big(1284)}' at 'resourceArn' failed to satisfy constraint: Member must have length less than or equal to 1283`],
  },
  ListTables: {
    typeMismatch: [{ Limit: 'x' }, 'SerializationException', 'STRING_VALUE can not be converted to an Integer'],
    sizeLimit: [{ Limit: 101 }, V, "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"],
  },
};

describe('DynamoDB errors per operation (issue #4 acceptance)', () => {
  let d: TestDynamo;
  beforeAll(async () => {
    d = await startDynamo({ shards: 2 });
    const r = await post(d.endpoint, 'CreateTable', {
      TableName: T, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'r', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { AttributeName: 'r', KeyType: 'RANGE' }], BillingMode: 'PAY_PER_REQUEST',
    });
    expect(r.status).toBe(200);
  });
  afterAll(async () => d.close());

  const cases = Object.entries(MATRIX).flatMap(([op, row]) => Object.entries(row).map(([kind, c]) => [op, kind, c] as const));
  it.each(cases)('%s: %s', async (op, _kind, [body, type, message]) => {
    const r = await post(d.endpoint, op, body);
    expect(r.status).toBe(400);
    expect(String(r.body.__type).split('#')[1]).toBe(type);
    const text = String(r.body.message ?? r.body.Message);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it('every data-plane operation has all seven cases', () => {
    for (const op of ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'TransactWriteItems', 'TransactGetItems']) {
      expect(Object.keys(MATRIX[op]).sort(), op).toEqual(['badKeySchema', 'badSyntax', 'missingTable', 'sizeLimit', 'typeMismatch', 'undefinedPlaceholder', 'unusedPlaceholder']);
    }
  });

  it('every operation the server knows has a row, with the cases that apply to it', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(OPERATIONS).sort());
    // Without expressions or placeholders, an operation still has its type and size cases,
    // and all but ListTables (which names no table) a missing-table case.
    for (const [op, row] of Object.entries(MATRIX)) {
      expect(row.typeMismatch, op).toBeDefined();
      expect(row.sizeLimit, op).toBeDefined();
      if (op !== 'ListTables') expect(row.missingTable, op).toBeDefined();
    }
  });
});
