// The lexer shared by every expression kind, and DynamoDB's syntax-error wording.
//
// DynamoDB's lexical rules (observed, and matching its parser's messages):
//   identifier   [A-Za-z][A-Za-z0-9_]*      (a leading '_' or digit is not an identifier)
//   #name        '#' [A-Za-z0-9_]+
//   :value       ':' [A-Za-z0-9_]+
//   number       [0-9]+                     (only meaningful as a list index)
//   punctuation  ( ) [ ] , . = <> < <= > >= + -
// Any other character is a one-character token the grammar never accepts, so it surfaces as
// `Syntax error; token: "<char>", near: "..."`.
import { invalidExpression, type DynamoError } from '../errors.js';

export type TokenKind = 'ident' | 'name' | 'value' | 'number' | 'punct' | 'unknown' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** UTF-16 offsets into the expression text. */
  readonly start: number;
  readonly end: number;
}

const PUNCT_TWO = new Set(['<>', '<=', '>=']);
const PUNCT_ONE = new Set(['(', ')', '[', ']', ',', '.', '=', '<', '>', '+', '-']);

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 95;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Splits `text` into tokens, always ending with one `eof` token. Never throws. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    if (isAlpha(c)) {
      i++;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      kind = 'ident';
    } else if (isDigit(c)) {
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      kind = 'number';
    } else if ((c === 35 || c === 58) && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      kind = c === 35 ? 'name' : 'value';
    } else if (PUNCT_TWO.has(text.slice(i, i + 2))) {
      i += 2;
      kind = 'punct';
    } else if (PUNCT_ONE.has(text[i])) {
      i++;
      kind = 'punct';
    } else {
      // One code point, so a surrogate pair is never split in a message.
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
      kind = 'unknown';
    }
    tokens.push({ kind, text: text.slice(start, i), start, end: i });
  }
  tokens.push({ kind: 'eof', text: '<EOF>', start: n, end: n });
  return tokens;
}

/**
 * DynamoDB's syntax error: the offending token, and the source from the start of the token
 * before it to the end of the token after it.
 */
export function syntaxError(label: string, text: string, tokens: readonly Token[], index: number): DynamoError {
  const tok = tokens[index];
  const prev = index > 0 ? tokens[index - 1] : undefined;
  const next = tok.kind !== 'eof' && index + 1 < tokens.length && tokens[index + 1].kind !== 'eof' ? tokens[index + 1] : undefined;
  const from = prev !== undefined ? prev.start : tok.start;
  const to = next !== undefined ? next.end : tok.kind === 'eof' ? (prev !== undefined ? prev.end : 0) : tok.end;
  return invalidExpression(label, `Syntax error; token: "${tok.text}", near: "${text.slice(from, to)}"`);
}

/** Documented limit on the length of any expression string, in bytes. */
export const EXPRESSION_BYTES_MAX = 4096;

/** Checks the common preconditions: not empty, not over 4 KB. */
export function checkExpressionText(label: string, text: string): void {
  if (text.length === 0) throw invalidExpression(label, 'The expression can not be empty;');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > EXPRESSION_BYTES_MAX) {
    throw invalidExpression(label, `Expression size has exceeded the maximum allowed size; expression size: ${bytes}`);
  }
}

/** A cursor over tokens for the recursive-descent parsers. */
export class TokenStream {
  readonly tokens: Token[];
  pos = 0;

  constructor(readonly label: string, readonly text: string) {
    this.tokens = tokenize(text);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === p;
  }

  /** Case-insensitive keyword test (AND, SET, BETWEEN, ...). */
  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw this.error();
    return this.next();
  }

  /** Syntax error at the current token (or at `index`). */
  error(index = this.pos): DynamoError {
    return syntaxError(this.label, this.text, this.tokens, index);
  }
}
