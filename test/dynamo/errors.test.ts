// The error taxonomy and its one serialisation (STYLE.md: one error type, named factories,
// serialised in one place; a test fails if a type is undocumented).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  conditionalCheckFailed,
  ERROR_TYPES,
  errorBody,
  errorJson,
  resourceNotFound,
  serialization,
  transactionCanceled,
  unknownOperation,
  validation,
  type DynamoErrorType,
} from '../../dynamo-api/errors.js';

describe('errorBody', () => {
  it('uses the coral validate prefix for ValidationException', () => {
    expect(errorBody(validation('bad'))).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'bad',
    });
  });

  it('uses the service prefix for modelled errors', () => {
    expect(errorBody(conditionalCheckFailed())).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect(errorBody(resourceNotFound())).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found',
    });
  });

  it('spells SerializationException with Message and omits an empty message', () => {
    expect(errorBody(serialization('Unexpected field type'))).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
      Message: 'Unexpected field type',
    });
    expect(errorBody(unknownOperation())).toEqual({ __type: 'com.amazon.coral.service#UnknownOperationException' });
  });

  it('carries cancellation reasons positionally', () => {
    const err = transactionCanceled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]);
    expect(err.status).toBe(400);
    expect(JSON.parse(errorJson(err))).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }],
    });
  });

  it('returns the item with a failed condition when asked', () => {
    expect(errorBody(conditionalCheckFailed({ a: { S: 'x' } })).Item).toEqual({ a: { S: 'x' } });
  });

  it('gives InternalServerError a 500', () => {
    expect(ERROR_TYPES.InternalServerError.status).toBe(500);
  });
});

describe('documentation', () => {
  it('names every error type in dynamo-api/README.md', () => {
    const readme = readFileSync(new URL('../../dynamo-api/README.md', import.meta.url), 'utf8');
    for (const t of Object.keys(ERROR_TYPES) as DynamoErrorType[]) {
      expect(readme, `README.md lacks ${t}`).toContain(t);
    }
  });
});
