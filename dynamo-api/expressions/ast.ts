// The immutable trees every expression kind parses into. Placeholders are already resolved:
// `#n` became the attribute name it stands for and `:v` the AttributeValue, so evaluation
// needs nothing but the tree and the item. The legacy parameters (legacy.ts) build the same
// trees. Consumers switch exhaustively on `kind`.
import type { AttributeType, AttributeValue } from '../values.js';

/** One step of a document path: a map key / attribute name, or a list index. */
export type PathElement = string | number;

/** A document path such as a.b[2].c: ['a', 'b', 2, 'c']. The first element is always a name. */
export type Path = readonly PathElement[];

// ---- Operands (ConditionExpression / FilterExpression) ----

export interface PathOperand {
  readonly kind: 'path';
  readonly path: Path;
}

export interface ValueOperand {
  readonly kind: 'value';
  readonly value: AttributeValue;
}

/** size(operand): a number, or nothing for types without a size. */
export interface SizeOperand {
  readonly kind: 'size';
  readonly operand: Operand;
}

export type Operand = PathOperand | ValueOperand | SizeOperand;

// ---- Conditions ----

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export interface CompareCondition {
  readonly kind: 'compare';
  readonly op: Comparator;
  readonly left: Operand;
  readonly right: Operand;
}

export interface BetweenCondition {
  readonly kind: 'between';
  readonly operand: Operand;
  readonly low: Operand;
  readonly high: Operand;
}

export interface InCondition {
  readonly kind: 'in';
  readonly operand: Operand;
  readonly list: readonly Operand[];
}

export interface AndCondition {
  readonly kind: 'and';
  readonly left: Condition;
  readonly right: Condition;
}

export interface OrCondition {
  readonly kind: 'or';
  readonly left: Condition;
  readonly right: Condition;
}

export interface NotCondition {
  readonly kind: 'not';
  readonly operand: Condition;
}

export interface AttributeExistsCondition {
  readonly kind: 'attribute_exists';
  readonly path: Path;
}

export interface AttributeNotExistsCondition {
  readonly kind: 'attribute_not_exists';
  readonly path: Path;
}

export interface AttributeTypeCondition {
  readonly kind: 'attribute_type';
  readonly operand: Operand;
  readonly type: AttributeType;
}

export interface BeginsWithCondition {
  readonly kind: 'begins_with';
  readonly operand: Operand;
  readonly prefix: Operand;
}

export interface ContainsCondition {
  readonly kind: 'contains';
  readonly operand: Operand;
  readonly needle: Operand;
}

export type Condition =
  | CompareCondition
  | BetweenCondition
  | InCondition
  | AndCondition
  | OrCondition
  | NotCondition
  | AttributeExistsCondition
  | AttributeNotExistsCondition
  | AttributeTypeCondition
  | BeginsWithCondition
  | ContainsCondition;

// ---- KeyConditionExpression ----

/** One condition on one key attribute (top-level name). */
export type KeyTerm =
  | { readonly kind: 'eq' | 'lt' | 'le' | 'gt' | 'ge'; readonly name: string; readonly value: AttributeValue }
  | { readonly kind: 'between'; readonly name: string; readonly low: AttributeValue; readonly high: AttributeValue }
  | { readonly kind: 'begins_with'; readonly name: string; readonly prefix: AttributeValue };

/** A key condition before it is matched to a key schema: one or two terms, distinct names. */
export interface KeyCondition {
  readonly kind: 'key_condition';
  readonly terms: readonly KeyTerm[];
}

// ---- UpdateExpression ----

/** A SET right-hand side. */
export type UpdateValue =
  | PathOperand
  | ValueOperand
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: UpdateValue }
  | { readonly kind: 'list_append'; readonly left: UpdateValue; readonly right: UpdateValue }
  | { readonly kind: 'arithmetic'; readonly op: '+' | '-'; readonly left: UpdateValue; readonly right: UpdateValue };

export interface SetAction {
  readonly kind: 'set';
  readonly path: Path;
  readonly value: UpdateValue;
}

export interface RemoveAction {
  readonly kind: 'remove';
  readonly path: Path;
}

/** ADD: number addition or set union; creates the attribute when missing. */
export interface AddAction {
  readonly kind: 'add';
  readonly path: Path;
  readonly value: AttributeValue;
}

/** DELETE: set difference; removes the attribute when the set becomes empty. */
export interface DeleteAction {
  readonly kind: 'delete';
  readonly path: Path;
  readonly value: AttributeValue;
}

export type UpdateAction = SetAction | RemoveAction | AddAction | DeleteAction;

export interface UpdateExpression {
  readonly kind: 'update';
  /** In source order. No two paths overlap or conflict (checked at parse time). */
  readonly actions: readonly UpdateAction[];
  /**
   * Built from legacy AttributeUpdates: run-time type errors read "Type mismatch for attribute
   * to update", and ADD may append to a list (which an UpdateExpression cannot).
   */
  readonly legacy?: boolean;
}

// ---- ProjectionExpression ----

export interface Projection {
  readonly kind: 'projection';
  /** No two paths overlap or conflict. */
  readonly paths: readonly Path[];
}
