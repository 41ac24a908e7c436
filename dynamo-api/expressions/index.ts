// The expression layer's public surface: parse (text + placeholders -> immutable AST),
// evaluate, apply, project. See ../README.md for the glossary and the order of checks.
export type {
  AddAction,
  Comparator,
  Condition,
  DeleteAction,
  KeyCondition,
  KeyTerm,
  Operand,
  Path,
  PathElement,
  Projection,
  RemoveAction,
  SetAction,
  UpdateAction,
  UpdateExpression,
  UpdateValue,
} from './ast.js';
export { ExpressionAttributes } from './placeholders.js';
export { parseCondition, IN_OPERANDS_MAX, OPERATORS_MAX, type ConditionLabel } from './condition.js';
export {
  bindKeyCondition,
  keyConditionFromCondition,
  keyConditionToCondition,
  parseKeyCondition,
  type BoundKeyCondition,
  type KeyAttribute,
  type KeySchema,
} from './keycondition.js';
export { parseUpdate } from './update.js';
export { parseProjection, project } from './projection.js';
export { evaluateCondition, operandValue, sizeOf } from './evaluate.js';
export {
  applyUpdate,
  checkReturnValuesForWrite,
  checkUpdateSparesKeys,
  selectReturnValues,
  type ReturnValues,
  type UpdateResult,
} from './apply.js';
export { formatPath, getPath, PATH_DEPTH_MAX } from './paths.js';
export { isReservedWord, RESERVED_WORDS } from './reserved.js';
export { EXPRESSION_BYTES_MAX } from './tokens.js';
