// The one error type of the DynamoDB API (DESIGN.md §3), built by named factories and
// serialised in one place. Every failure a client can see leaves through `errorBody()`,
// so the `__type` prefixes, message key casing and HTTP status live here and nowhere else.
//
// DynamoDB answers with three families of `__type`:
//   com.amazon.coral.validate#   input validation (ValidationException)
//   com.amazon.coral.service#    protocol / authentication / transport (SerializationException,
//                                UnknownOperationException, signature and token errors, ...)
//   com.amazonaws.dynamodb.v20120810#  the service's own modelled errors (conditional check,
//                                table not found, transactions, throughput, ...)

/** Every error type this API can return; the `__type` suffix clients match on. */
export type DynamoErrorType =
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'AccessDeniedException'
  | 'ThrottlingException'
  | 'ConditionalCheckFailedException'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'TransactionCanceledException'
  | 'TransactionConflictException'
  | 'TransactionInProgressException'
  | 'IdempotentParameterMismatchException'
  | 'ItemCollectionSizeLimitExceededException'
  | 'ProvisionedThroughputExceededException'
  | 'RequestLimitExceeded'
  | 'LimitExceededException'
  | 'InternalServerError';

interface TypeInfo {
  readonly namespace: string;
  readonly status: number;
  /** DynamoDB spells the message key `Message` for some coral errors and transactions. */
  readonly messageKey: 'message' | 'Message';
}

const VALIDATE = 'com.amazon.coral.validate';
const SERVICE = 'com.amazon.coral.service';
const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';

/** The documented table of every type: namespace, HTTP status, message key. */
export const ERROR_TYPES: Readonly<Record<DynamoErrorType, TypeInfo>> = {
  ValidationException: { namespace: VALIDATE, status: 400, messageKey: 'message' },
  SerializationException: { namespace: SERVICE, status: 400, messageKey: 'Message' },
  UnknownOperationException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  MissingAuthenticationTokenException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  IncompleteSignatureException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  InvalidSignatureException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  UnrecognizedClientException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  AccessDeniedException: { namespace: SERVICE, status: 400, messageKey: 'message' },
  ThrottlingException: { namespace: 'com.amazon.coral.availability', status: 400, messageKey: 'message' },
  ConditionalCheckFailedException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  ResourceNotFoundException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  ResourceInUseException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  TransactionCanceledException: { namespace: DYNAMODB, status: 400, messageKey: 'Message' },
  TransactionConflictException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  TransactionInProgressException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  IdempotentParameterMismatchException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  ItemCollectionSizeLimitExceededException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  ProvisionedThroughputExceededException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  RequestLimitExceeded: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  LimitExceededException: { namespace: DYNAMODB, status: 400, messageKey: 'message' },
  InternalServerError: { namespace: DYNAMODB, status: 500, messageKey: 'message' },
};

/** Reason codes of TransactionCanceledException, in DynamoDB's spelling. */
export type CancellationCode =
  | 'None'
  | 'ConditionalCheckFailed'
  | 'ItemCollectionSizeLimitExceeded'
  | 'TransactionConflict'
  | 'ProvisionedThroughputExceeded'
  | 'ThrottlingError'
  | 'ValidationError';

/** One entry of `CancellationReasons`, positionally matching the request's items. */
export interface CancellationReason {
  readonly Code: CancellationCode;
  readonly Message?: string;
  /** Present when the request asked for ReturnValuesOnConditionCheckFailure=ALL_OLD. Wire JSON. */
  readonly Item?: Record<string, unknown>;
}

/** Extra members some error bodies carry beside `__type` and the message. */
export interface ErrorExtras {
  readonly CancellationReasons?: readonly CancellationReason[];
  /** ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure. Wire JSON. */
  readonly Item?: Record<string, unknown>;
}

/** An operating condition the client caused or must handle: typed, never a crash. */
export class DynamoError extends Error {
  readonly type: DynamoErrorType;
  readonly status: number;
  readonly extras: ErrorExtras | undefined;

  constructor(type: DynamoErrorType, message: string, extras?: ErrorExtras) {
    super(message);
    this.name = 'DynamoError';
    this.type = type;
    this.status = ERROR_TYPES[type].status;
    this.extras = extras;
  }
}

export function isDynamoError(e: unknown): e is DynamoError {
  return e instanceof DynamoError;
}

/** The JSON body DynamoDB sends for an error, exactly as on the wire. */
export function errorBody(err: DynamoError): Record<string, unknown> {
  const info = ERROR_TYPES[err.type];
  const body: Record<string, unknown> = { __type: `${info.namespace}#${err.type}` };
  if (err.message !== '') body[info.messageKey] = err.message;
  if (err.extras?.CancellationReasons !== undefined) body.CancellationReasons = err.extras.CancellationReasons;
  if (err.extras?.Item !== undefined) body.Item = err.extras.Item;
  return body;
}

/** `errorBody` serialised; the string the HTTP layer writes with `err.status`. */
export function errorJson(err: DynamoError): string {
  return JSON.stringify(errorBody(err));
}

// ---- Factories. Messages are DynamoDB's own wording; callers pass only the variable part. ----

/** ValidationException with a complete message. */
export function validation(message: string): DynamoError {
  return new DynamoError('ValidationException', message);
}

/** ValidationException prefixed like DynamoDB's value checks. */
export function invalidParameter(detail: string): DynamoError {
  return validation(`One or more parameter values were invalid: ${detail}`);
}

/** ValidationException for an expression, e.g. `Invalid UpdateExpression: <detail>`. */
export function invalidExpression(label: string, detail: string): DynamoError {
  return validation(`Invalid ${label}: ${detail}`);
}

export function serialization(message: string): DynamoError {
  return new DynamoError('SerializationException', message);
}

export function unknownOperation(): DynamoError {
  return new DynamoError('UnknownOperationException', '');
}

export function missingAuthenticationToken(): DynamoError {
  return new DynamoError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
}

export function invalidSignature(message: string): DynamoError {
  return new DynamoError('InvalidSignatureException', message);
}

export function incompleteSignature(message: string): DynamoError {
  return new DynamoError('IncompleteSignatureException', message);
}

export function unrecognizedClient(): DynamoError {
  return new DynamoError('UnrecognizedClientException', 'The security token included in the request is invalid.');
}

export function accessDenied(message: string): DynamoError {
  return new DynamoError('AccessDeniedException', message);
}

export function conditionalCheckFailed(item?: Record<string, unknown>): DynamoError {
  return new DynamoError(
    'ConditionalCheckFailedException',
    'The conditional request failed',
    item === undefined ? undefined : { Item: item },
  );
}

export function resourceNotFound(message = 'Requested resource not found'): DynamoError {
  return new DynamoError('ResourceNotFoundException', message);
}

export function tableNotFound(table: string): DynamoError {
  return resourceNotFound(`Requested resource not found: Table: ${table} not found`);
}

export function resourceInUse(message: string): DynamoError {
  return new DynamoError('ResourceInUseException', message);
}

export function tableAlreadyExists(table: string): DynamoError {
  return resourceInUse(`Table already exists: ${table}`);
}

/**
 * TransactionCanceledException; `reasons` is positional, one per request item, `None` for
 * the items that did not fail.
 */
export function transactionCanceled(reasons: readonly CancellationReason[]): DynamoError {
  const codes = reasons.map((r) => r.Code).join(', ');
  return new DynamoError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { CancellationReasons: reasons },
  );
}

export function transactionConflict(): DynamoError {
  return new DynamoError('TransactionConflictException', 'Transaction is ongoing for the item');
}

export function transactionInProgress(): DynamoError {
  return new DynamoError('TransactionInProgressException', 'Transaction is in progress');
}

export function idempotentParameterMismatch(): DynamoError {
  return new DynamoError(
    'IdempotentParameterMismatchException',
    'The request uses the same client token as a previous, but non-identical request.',
  );
}

export function itemCollectionSizeLimit(): DynamoError {
  return new DynamoError('ItemCollectionSizeLimitExceededException', 'Item collection size limit exceeded');
}

export function provisionedThroughputExceeded(): DynamoError {
  return new DynamoError(
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API',
  );
}

export function requestLimitExceeded(): DynamoError {
  return new DynamoError(
    'RequestLimitExceeded',
    'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase',
  );
}

export function limitExceeded(message: string): DynamoError {
  return new DynamoError('LimitExceededException', message);
}

export function throttling(message = 'Rate of requests exceeds the allowed throughput.'): DynamoError {
  return new DynamoError('ThrottlingException', message);
}

export function internalServerError(message = 'Internal server error'): DynamoError {
  return new DynamoError('InternalServerError', message);
}

/** PutItem and friends: the whole item is over 400 KB. */
export function itemTooLarge(): DynamoError {
  return validation('Item size has exceeded the maximum allowed size');
}

/** UpdateItem: the item after the update would be over 400 KB. */
export function updatedItemTooLarge(): DynamoError {
  return validation('Item size to update has exceeded the maximum allowed size');
}
