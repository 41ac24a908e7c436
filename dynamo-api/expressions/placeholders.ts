// ExpressionAttributeNames / ExpressionAttributeValues of one request. Every expression of the
// request resolves its #name and :value references through the same instance, which records
// what was used; `checkAllUsed()` then rejects leftovers as DynamoDB does. This is the only
// mutable object in the expression layer, and it lives for one request.
import { serialization, validation } from '../errors.js';
import { parseAttributeValue, type AttributeValue } from '../values.js';

const NAME_KEY = /^#[A-Za-z0-9_]+$/;
const VALUE_KEY = /^:[A-Za-z0-9_]+$/;

export class ExpressionAttributes {
  private readonly names: ReadonlyMap<string, string>;
  private readonly values: ReadonlyMap<string, AttributeValue>;
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(names?: Readonly<Record<string, string>>, values?: Readonly<Record<string, AttributeValue>>) {
    this.names = new Map(Object.entries(names ?? {}));
    this.values = new Map(Object.entries(values ?? {}));
  }

  /**
   * Validates the two request maps as DynamoDB does (wire JSON; either may be undefined) and
   * converts the values to the internal form.
   */
  static fromWire(namesJson: unknown, valuesJson: unknown): ExpressionAttributes {
    const names = namesJson === undefined || namesJson === null ? undefined : checkNames(namesJson);
    const values = valuesJson === undefined || valuesJson === null ? undefined : checkValues(valuesJson);
    return new ExpressionAttributes(names, values);
  }

  /** The attribute name `#ref` stands for (marking it used), or undefined if not provided. */
  resolveName(ref: string): string | undefined {
    const name = this.names.get(ref);
    if (name !== undefined) this.usedNames.add(ref);
    return name;
  }

  /** The value `:ref` stands for (marking it used), or undefined if not provided. */
  resolveValue(ref: string): AttributeValue | undefined {
    const value = this.values.get(ref);
    if (value !== undefined) this.usedValues.add(ref);
    return value;
  }

  /** After every expression of the request is parsed: no placeholder may be left unused. */
  checkAllUsed(): void {
    const names = [...this.names.keys()].filter((k) => !this.usedNames.has(k));
    if (names.length > 0) {
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`);
    }
    const values = [...this.values.keys()].filter((k) => !this.usedValues.has(k));
    if (values.length > 0) {
      throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`);
    }
  }
}

function expectMap(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw serialization('Unexpected field type');
  return json as Record<string, unknown>;
}

function checkNames(json: unknown): Record<string, string> {
  const map = expectMap(json);
  const keys = Object.keys(map);
  if (keys.length === 0) throw validation('ExpressionAttributeNames must not be empty');
  for (const k of keys) {
    if (!NAME_KEY.test(k)) throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`);
  }
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = map[k];
    if (typeof v !== 'string') throw serialization(`${typeof v === 'number' ? 'NUMBER_VALUE' : 'VALUE'} cannot be converted to String`);
    if (v === '') throw validation(`ExpressionAttributeNames contains invalid value: Empty attribute name for key ${k}`);
    out[k] = v;
  }
  return out;
}

function checkValues(json: unknown): Record<string, AttributeValue> {
  const map = expectMap(json);
  const keys = Object.keys(map);
  if (keys.length === 0) throw validation('ExpressionAttributeValues must not be empty');
  for (const k of keys) {
    if (!VALUE_KEY.test(k)) throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`);
  }
  const out: Record<string, AttributeValue> = {};
  for (const k of keys) out[k] = parseAttributeValue(map[k], { placeholder: k });
  return out;
}
