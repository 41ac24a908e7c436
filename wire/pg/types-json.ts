// json and jsonb text. json keeps its input text once it is valid; jsonb prints the value
// PostgreSQL stores: keys sorted by (byte length, bytes) with the last duplicate winning,
// `": "` and `", "` separators, numbers in numeric's canonical form, \u escapes decoded.

import { PgError } from './errors.js';
import { SqlState } from './sqlstate.js';
import { parseNumericText } from './types-numeric.js';

/** A run of characters PostgreSQL's JSON lexer reads as one (possibly invalid) token. */
const TOKEN_CHARS = /[A-Za-z0-9_+\-.]+/y;

/** Nesting depth beyond which input is refused instead of recursing further. */
const JSON_DEPTH_MAX = 1000;

type JsonValue =
  | { kind: 'null' | 'true' | 'false' }
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'object'; entries: Map<string, JsonValue> };

/** json_in: validates and returns the text unchanged. */
export function parseJsonText(text: string): string {
  new JsonParser(text, false).parseDocument();
  return text;
}

/** jsonb_in + jsonb_out: the canonical text of the value. */
export function parseJsonbText(text: string): string {
  return formatJsonb(new JsonParser(text, true).parseDocument());
}

function formatJsonb(v: JsonValue): string {
  switch (v.kind) {
    case 'null':
    case 'true':
    case 'false':
      return v.kind;
    case 'number':
      return parseNumericText(v.text);
    case 'string':
      return quoteJson(v.value);
    case 'array':
      return `[${v.items.map(formatJsonb).join(', ')}]`;
    case 'object': {
      const keys = [...v.entries.keys()].sort(compareJsonbKeys);
      return `{${keys.map((k) => `${quoteJson(k)}: ${formatJsonb(v.entries.get(k)!)}`).join(', ')}}`;
    }
    default: {
      const never: never = v;
      throw new Error(`unknown json value ${JSON.stringify(never)}`);
    }
  }
}

/** jsonb orders keys by byte length, then bytewise. */
function compareJsonbKeys(a: string, b: string): number {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length - bb.length || Buffer.compare(ab, bb);
}

/** escape_json. */
export function quoteJson(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

class JsonParser {
  private pos = 0;

  constructor(private readonly text: string, private readonly decodeEscapes: boolean) {}

  parseDocument(): JsonValue {
    this.skipSpace();
    const v = this.parseValue(0);
    this.skipSpace();
    if (this.pos < this.text.length) throw this.tokenOr(`Expected end of input, but found "${this.token()}".`);
    return v;
  }

  private fail(detail: string, end = this.pos + this.token().length): PgError {
    const lineStart = this.text.lastIndexOf('\n', this.pos - 1) + 1;
    const line = this.text.slice(0, this.pos).split('\n').length;
    return new PgError(SqlState.InvalidTextRepresentation, 'invalid input syntax for type json', {
      detail,
      where: `JSON data, line ${line}: ${this.text.slice(lineStart, Math.max(end, this.pos))}`,
    });
  }

  /** The token at pos, as PostgreSQL's lexer names it in messages (a string is one token). */
  private token(): string {
    if (this.pos >= this.text.length) return '';
    if (this.text[this.pos] === '"') {
      const end = this.stringEnd(this.pos);
      return this.text.slice(this.pos, end);
    }
    TOKEN_CHARS.lastIndex = this.pos;
    const m = TOKEN_CHARS.exec(this.text);
    return m ? m[0] : this.text[this.pos];
  }

  /** Index just past the string literal starting at `start` (or the end of the text). */
  private stringEnd(start: number): number {
    for (let i = start + 1; i < this.text.length; i++) {
      if (this.text[i] === '\\') i++;
      else if (this.text[i] === '"') return i + 1;
    }
    return this.text.length;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  private expectMore(): void {
    if (this.pos >= this.text.length) throw this.fail('The input string ended unexpectedly.');
  }

  private parseValue(depth: number): JsonValue {
    if (depth > JSON_DEPTH_MAX) {
      throw new PgError(SqlState.StatementTooComplex, 'stack depth limit exceeded', {
        hint: `JSON nesting deeper than ${JSON_DEPTH_MAX} levels is not supported.`,
      });
    }
    this.expectMore();
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject(depth);
    if (c === '[') return this.parseArray(depth);
    if (c === '"') return { kind: 'string', value: this.parseString() };
    const tok = this.token();
    if (tok === 'true' || tok === 'false' || tok === 'null') {
      this.pos += tok.length;
      return { kind: tok };
    }
    if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(tok)) {
      this.pos += tok.length;
      return { kind: 'number', text: tok };
    }
    if (/^[A-Za-z0-9_+\-.]/.test(c)) throw this.fail(`Token "${tok}" is invalid.`);
    throw this.fail(`Expected JSON value, but found "${tok}".`);
  }

  private parseObject(depth: number): JsonValue {
    this.pos++; // {
    const entries = new Map<string, JsonValue>();
    this.skipSpace();
    this.expectMore();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (let first = true; ; first = false) {
      this.skipSpace();
      this.expectMore();
      if (this.text[this.pos] !== '"') {
        throw this.tokenOr(`Expected string${first ? ' or "}"' : ''}, but found "${this.token()}".`);
      }
      const key = this.parseString();
      this.skipSpace();
      this.expectMore();
      if (this.text[this.pos] !== ':') throw this.tokenOr(`Expected ":", but found "${this.token()}".`);
      this.pos++;
      this.skipSpace();
      const value = this.parseValue(depth + 1);
      entries.delete(key); // the last duplicate wins and takes its place
      entries.set(key, value);
      this.skipSpace();
      this.expectMore();
      const c = this.text[this.pos++];
      if (c === '}') return { kind: 'object', entries };
      if (c !== ',') {
        this.pos--;
        throw this.tokenOr(`Expected "," or "}", but found "${this.token()}".`);
      }
    }
  }

  private parseArray(depth: number): JsonValue {
    this.pos++; // [
    const items: JsonValue[] = [];
    this.skipSpace();
    this.expectMore();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.parseValue(depth + 1));
      this.skipSpace();
      this.expectMore();
      const c = this.text[this.pos++];
      if (c === ']') return { kind: 'array', items };
      if (c !== ',') {
        this.pos--;
        throw this.tokenOr(`Expected "," or "]", but found "${this.token()}".`);
      }
    }
  }

  /** An invalid token is reported as such before the grammar complaint, as PostgreSQL does. */
  private tokenOr(detail: string): PgError {
    const tok = this.token();
    const valid = tok === 'true' || tok === 'false' || tok === 'null' || /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(tok);
    if (/^[A-Za-z0-9_+\-.]/.test(tok) && !valid) return this.fail(`Token "${tok}" is invalid.`);
    return this.fail(detail);
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) {
        this.pos = start;
        throw this.fail(`Token "${this.text.slice(start)}" is invalid.`, this.text.length);
      }
      const c = this.text[this.pos];
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (code < 0x20) {
        throw this.fail(`Character with value 0x${code.toString(16).padStart(2, '0')} must be escaped.`, this.pos + 1);
      }
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.pos += 2;
        continue;
      }
      if (e === 'u') {
        out += this.parseUnicodeEscape();
        continue;
      }
      throw this.fail(`Escape sequence "\\${e ?? ''}" is invalid.`, this.pos + 2);
    }
  }

  /** \uXXXX at pos (with a following low surrogate when this is a high one). */
  private parseUnicodeEscape(): string {
    const readHex = (at: number): number | undefined => {
      const hex = this.text.slice(at + 2, at + 6);
      return this.text.slice(at, at + 2) === '\\u' && /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : undefined;
    };
    const first = readHex(this.pos);
    if (first === undefined) throw this.fail('"\\u" must be followed by four hexadecimal digits.', this.pos + 6);
    this.pos += 6;
    if (!this.decodeEscapes) return '?'; // json keeps the text; only validity matters
    if (first === 0) {
      throw new PgError(SqlState.UntranslatableCharacter, 'unsupported Unicode escape sequence', {
        detail: '\\u0000 cannot be converted to text.',
      });
    }
    if (first >= 0xdc00 && first <= 0xdfff) throw this.fail('Unicode low surrogate must follow a high surrogate.');
    if (first >= 0xd800 && first <= 0xdbff) {
      const second = readHex(this.pos);
      if (second === undefined || second < 0xdc00 || second > 0xdfff) {
        throw this.fail('Unicode low surrogate must follow a high surrogate.');
      }
      this.pos += 6;
      return String.fromCharCode(first, second);
    }
    return String.fromCharCode(first);
  }
}
