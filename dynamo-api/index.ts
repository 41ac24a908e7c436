// Public surface of the DynamoDB API layer (DESIGN.md §3): the HTTP server and its procedures,
// and the pure core (errors, AttributeValues, numbers, expressions, legacy parameters).
export { createDynamoServer, OPERATIONS, REQUEST_BYTES_MAX, type DynamoServer, type DynamoServerOptions } from './server.js';
export { registerDynamoProcs } from './procs.js';
export * from './errors.js';
export * from './values.js';
export {
  arithmetic,
  compareNumbers,
  normalizeNumber,
  NUMBER_EXPONENT_MAX,
  NUMBER_EXPONENT_MIN,
  NUMBER_PRECISION_DIGITS_MAX,
} from './numbers.js';
export * from './expressions/index.js';
export * from './legacy.js';
