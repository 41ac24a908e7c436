// Request parameters: JSON types and DynamoDB's member constraints. A member of the wrong JSON
// type is a SerializationException (the request does not deserialise); a member that breaks a
// constraint (null, length, range, pattern, enum) is collected, and all of them are reported in
// one ValidationException worded as DynamoDB does:
//   2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
//   Member must not be null; Value '0' at 'limit' failed to satisfy constraint: ...
import { serialization, validation } from './errors.js';

/** DynamoDB's table and index name rule. */
export const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const NAME_PATTERN_TEXT = '[a-zA-Z0-9_.-]+';
export const TABLE_NAME_BYTES_MIN = 3;
export const TABLE_NAME_BYTES_MAX = 255;

/** The JSON type name DynamoDB's deserializer prints. */
function jsonTypeName(v: unknown): string {
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (typeof v === 'string') return 'STRING_VALUE';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(shown).join(', ')}]`;
  return String(v);
}

export interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly patternText?: string;
  readonly oneOf?: readonly string[];
}

export interface NumberRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** One request object (or nested structure) being checked; `prefix` names it in messages. */
export class Params {
  private readonly errors: string[];

  constructor(readonly body: Readonly<Record<string, unknown>>, private readonly prefix = '', errors?: string[]) {
    this.errors = errors ?? [];
  }

  /** Parses a request body's top level: it must be a JSON object. */
  static of(body: unknown): Params {
    return new Params(structure(body));
  }

  private at(name: string): string {
    return this.prefix + lowerFirst(name);
  }

  has(name: string): boolean {
    const v = this.body[name];
    return v !== undefined && v !== null;
  }

  raw(name: string): unknown {
    const v = this.body[name];
    return v === null ? undefined : v;
  }

  fail(message: string): void {
    this.errors.push(message);
  }

  constraint(name: string, value: unknown, rule: string): void {
    this.errors.push(`Value ${value === null ? 'null' : `'${shown(value)}'`} at '${this.at(name)}' failed to satisfy constraint: ${rule}`);
  }

  private missing(name: string, required: boolean | undefined): boolean {
    if (this.has(name)) return false;
    if (required) this.constraint(name, null, 'Member must not be null');
    return true;
  }

  str(name: string, rule: StringRule = {}): string | undefined {
    if (this.missing(name, rule.required)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'string') throw serialization(`${jsonTypeName(v)} cannot be converted to String`);
    if (rule.min !== undefined && v.length < rule.min) {
      this.constraint(name, v, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && v.length > rule.max) {
      this.constraint(name, v, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.pattern !== undefined && !rule.pattern.test(v)) {
      this.constraint(name, v, `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
    }
    if (rule.oneOf !== undefined && !rule.oneOf.includes(v)) {
      this.constraint(name, v, `Member must satisfy enum value set: [${rule.oneOf.join(', ')}]`);
    }
    return v;
  }

  tableName(name = 'TableName', required = true): string | undefined {
    return this.str(name, { required, min: TABLE_NAME_BYTES_MIN, max: TABLE_NAME_BYTES_MAX, pattern: NAME_PATTERN, patternText: NAME_PATTERN_TEXT });
  }

  int(name: string, rule: NumberRule = {}): number | undefined {
    if (this.missing(name, rule.required)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'number') throw serialization(`${jsonTypeName(v)} can not be converted to an Integer`);
    if (!Number.isInteger(v)) throw serialization('NUMBER_VALUE can not be converted to an Integer');
    if (rule.min !== undefined && v < rule.min) this.constraint(name, v, `Member must have value greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) this.constraint(name, v, `Member must have value less than or equal to ${rule.max}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== 'boolean') throw serialization(`${jsonTypeName(v)} can not be converted to a Boolean`);
    return v;
  }

  map(name: string, rule: { required?: boolean; min?: number; max?: number } = {}): Record<string, unknown> | undefined {
    if (this.missing(name, rule.required)) return undefined;
    const v = structure(this.body[name]);
    const n = Object.keys(v).length;
    if (rule.min !== undefined && n < rule.min) this.constraint(name, '{}', `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && n > rule.max) this.constraint(name, `{…}`, `Member must have length less than or equal to ${rule.max}`);
    return v;
  }

  list(name: string, rule: { required?: boolean; min?: number; max?: number } = {}): readonly unknown[] | undefined {
    if (this.missing(name, rule.required)) return undefined;
    const v = this.body[name];
    if (!Array.isArray(v)) throw serialization(v !== null && typeof v === 'object' ? 'Start of structure or map found where not expected' : 'Unexpected field type');
    if (rule.min !== undefined && v.length < rule.min) this.constraint(name, '[]', `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v.length > rule.max) this.constraint(name, `[${v.length} members]`, `Member must have length less than or equal to ${rule.max}`);
    return v;
  }

  /** A nested structure, checked with the same error collector. */
  nested(name: string, value: unknown): Params {
    return new Params(structure(value), `${this.at(name)}.`, this.errors);
  }

  /** A list member's structure: DynamoDB names it `<list>.<n>.member` (1-based). */
  member(name: string, index: number, value: unknown): Params {
    return new Params(structure(value), `${this.at(name)}.${index + 1}.member.`, this.errors);
  }

  /** Throws the collected constraint violations, if any. */
  done(): void {
    if (this.errors.length === 0) return;
    const n = this.errors.length;
    throw validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${this.errors.join('; ')}`);
  }
}

/** A JSON object member, or SerializationException. */
export function structure(v: unknown): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  throw serialization(`${jsonTypeName(v)} can not be converted to a structure`);
}

export const RETURN_VALUES = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] as const;
export const RETURN_CONSUMED_CAPACITY = ['INDEXES', 'TOTAL', 'NONE'] as const;
export const RETURN_ITEM_COLLECTION_METRICS = ['SIZE', 'NONE'] as const;
export const RETURN_ON_CONDITION_FAILURE = ['ALL_OLD', 'NONE'] as const;
export const SELECT_VALUES = ['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'] as const;
