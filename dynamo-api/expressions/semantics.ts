// Checks shared by every expression kind, run on the raw syntax tree after it parsed, in
// DynamoDB's order: first the lexical ones in source order (reserved words, list indexes,
// function names and placement), then the ones that need the placeholders (undefined #names
// and :values, nesting depth, operand types). Each throws the first problem it meets.
import { invalidExpression, type DynamoError } from '../errors.js';
import { describeValue, type AttributeValue } from '../values.js';
import type { Path, PathElement } from './ast.js';
import { formatPath, PATH_DEPTH_MAX } from './paths.js';
import type { ExpressionAttributes } from './placeholders.js';
import { isReservedWord } from './reserved.js';
import type { RawNode } from './syntax.js';

/** Largest list index DynamoDB accepts (a Java int). */
export const LIST_INDEX_MAX = 2147483647;

export type RawPath = RawNode & { t: 'path' };

export class Checker {
  constructor(readonly label: string, readonly attrs: ExpressionAttributes) {}

  fail(detail: string): DynamoError {
    return invalidExpression(this.label, detail);
  }

  /** Pass 1 for a path: bare names must not be reserved; indexes must fit an int. */
  checkPathLexical(p: RawPath): void {
    for (const e of p.elems) {
      if (e.k === 'ident' && isReservedWord(e.text)) {
        throw this.fail(`Attribute name is a reserved keyword; reserved keyword: ${e.text}`);
      }
      if (e.k === 'index' && (e.text.length > 10 || Number(e.text) > LIST_INDEX_MAX)) {
        throw this.fail(`List index is not within the allowable range; index: [${e.text}]`);
      }
    }
  }

  /** Pass 2 for a path: resolves #names (marking them used) and checks the depth. */
  resolvePath(p: RawPath): Path {
    const out: PathElement[] = [];
    for (const e of p.elems) {
      if (e.k === 'index') out.push(Number(e.text));
      else if (e.k === 'ident') out.push(e.text);
      else out.push(this.resolveName(e.text));
    }
    if (out.length > PATH_DEPTH_MAX) {
      throw this.fail(`The document path has too many nesting levels; nesting levels: ${out.length}`);
    }
    return out;
  }

  resolveName(ref: string): string {
    const name = this.attrs.resolveName(ref);
    if (name === undefined) {
      throw this.fail(`An expression attribute name used in the document path is not defined; attribute name: ${ref}`);
    }
    return name;
  }

  resolveValue(ref: string): AttributeValue {
    const value = this.attrs.resolveValue(ref);
    if (value === undefined) {
      throw this.fail(`An expression attribute value used in expression is not defined; attribute value: ${ref}`);
    }
    return value;
  }

  operandType(op: string, type: string): DynamoError {
    return this.fail(`Incorrect operand type for operator or function; operator or function: ${op}, operand type: ${type}`);
  }

  operandCount(fn: string, n: number): DynamoError {
    return this.fail(`Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${n}`);
  }

  needsPath(fn: string): DynamoError {
    return this.fail(`Operator or function requires a document path; operator or function: ${fn}`);
  }

  distinct(op: string, first: Path): DynamoError {
    return this.fail(
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${formatPath(first)}`,
    );
  }
}

export function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

/**
 * How DynamoDB prints a constant in BETWEEN messages: `AttributeValue: {N:1}`; binary shows
 * the Java buffer it holds.
 */
export function describeBound(v: AttributeValue): string {
  if ('B' in v) return `AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=${v.B.length} cap=${v.B.length}]}`;
  return `AttributeValue: ${describeValue(v)}`;
}

/** The valid attribute_type names, as DynamoDB lists them in its message. */
export const TYPE_NAMES_MESSAGE = '{N,BS,L,B,NULL,M,S,SS,NS,BOOL}';

/** DynamoDB's "any type" when attribute_type's second operand is a path. */
export const ANY_TYPE_MESSAGE =
  '{SS,M,DECIMAL,DOUBLESET,HDS,N,B,DICT,INTSET,BOOL,HD,BS,INT,DECIMALSET,NULL,FLOAT,FS,S,L,NS,DOUBLE}';
