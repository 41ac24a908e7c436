// Public surface of the DynamoDB API layer (DESIGN.md §3). So far the pure core: errors,
// AttributeValues, numbers, expressions and the legacy parameters. No HTTP, no storage.
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
