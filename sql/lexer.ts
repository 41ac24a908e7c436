// SQL tokenizer following PostgreSQL's lexical rules (scan.l): identifiers fold to lower
// case unless quoted, '' and E'' and $$ strings, $n parameters, numbers, and operators
// as maximal runs of operator characters (with PostgreSQL's rule that a multi-character
// operator may end in + or - only when it contains one of ~ ! @ # % ^ & | ` ?).
// Every token carries its 0-based offset so errors can point into the statement.

import { SqlError, SqlState, syntaxError } from './errors.js';

export type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident: lower-cased name; qident: exact name; string: decoded value; number: source text; op/punct: the symbol. */
  value: string;
  /** 0-based offset of the token's first character. */
  pos: number;
  end: number;
  /** Source text of the token (for error messages). */
  text: string;
}

const OP_CHARS = new Set('+-*/<>=~!@#%^&|`?');
const NON_TRAILING = new Set('~!@#%^&|`?');
const PUNCT = new Set('(),;[].:');
/** Largest statement text accepted (sysbench's prepare sends ~512 KiB INSERTs). */
export const SQL_TEXT_BYTES_MAX = 64 * 1024 * 1024;

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 128;
}

function isIdentChar(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '$';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function tokenize(sql: string): Token[] {
  if (sql.length > SQL_TEXT_BYTES_MAX) throw new SqlError(SqlState.programLimitExceeded, 'statement text is too long');
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, value: string, start: number): void => {
    tokens.push({ kind, value, pos: start, end: i, text: sql.slice(start, i) });
  };
  while (i < n) {
    const c = sql[i];
    // whitespace
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    // comments
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const start = i;
      let depth = 0;
      while (i < n) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth !== 0) throw new SqlError(SqlState.syntaxError, 'unterminated /* comment', { position: start + 1 });
      continue;
    }
    const start = i;
    // E'...' escape strings
    if ((c === 'e' || c === 'E') && sql[i + 1] === "'") {
      const r = readQuoted(sql, start, true);
      i = r.end;
      push('string', r.value, start);
      continue;
    }
    // X'..' / B'..' bit strings are not supported
    if ((c === 'x' || c === 'X' || c === 'b' || c === 'B') && sql[i + 1] === "'") {
      throw new SqlError(SqlState.featureNotSupported, 'bit string constants are not supported', { position: start + 1 });
    }
    if ((c === 'u' || c === 'U') && sql[i + 1] === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
      throw new SqlError(SqlState.featureNotSupported, 'Unicode escape strings (U&) are not supported', { position: start + 1 });
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentChar(sql[i])) i++;
      push('ident', sql.slice(start, i).toLowerCase(), start);
      continue;
    }
    if (c === '"') {
      i++;
      let v = '';
      for (;;) {
        if (i >= n) throw new SqlError(SqlState.syntaxError, 'unterminated quoted identifier', { position: start + 1 });
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      if (v === '') throw new SqlError(SqlState.syntaxError, 'zero-length delimited identifier', { position: start + 1 });
      push('qident', v, start);
      continue;
    }
    if (c === "'") {
      const r = readQuoted(sql, start, false);
      i = r.end;
      push('string', r.value, start);
      continue;
    }
    if (c === '$') {
      if (isDigit(sql[i + 1] ?? '')) {
        i++;
        while (i < n && isDigit(sql[i])) i++;
        push('param', sql.slice(start + 1, i), start);
        continue;
      }
      // dollar-quoted string: $tag$ ... $tag$
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 256));
      if (m) {
        const delim = m[0];
        const bodyStart = i + delim.length;
        const close = sql.indexOf(delim, bodyStart);
        if (close < 0) throw new SqlError(SqlState.syntaxError, 'unterminated dollar-quoted string', { position: start + 1 });
        i = close + delim.length;
        push('string', sql.slice(bodyStart, close), start);
        continue;
      }
      throw syntaxError('$', start + 1);
    }
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      while (i < n && isDigit(sql[i])) i++;
      if (sql[i] === '.' && sql[i + 1] !== '.') {
        i++;
        while (i < n && isDigit(sql[i])) i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1] ?? '') || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2] ?? '')))) {
        i += 2;
        while (i < n && isDigit(sql[i])) i++;
      }
      push('number', sql.slice(start, i), start);
      continue;
    }
    if (c === ':' && sql[i + 1] === ':') {
      i += 2;
      push('punct', '::', start);
      continue;
    }
    if (PUNCT.has(c)) {
      i++;
      push('punct', c, start);
      continue;
    }
    if (OP_CHARS.has(c)) {
      let j = i;
      while (j < n && OP_CHARS.has(sql[j])) {
        // a comment start ends the operator
        if ((sql[j] === '-' && sql[j + 1] === '-') || (sql[j] === '/' && sql[j + 1] === '*')) break;
        j++;
      }
      let op = sql.slice(i, j);
      if (op.length > 1 && (op.endsWith('+') || op.endsWith('-'))) {
        let hasSpecial = false;
        for (const ch of op) if (NON_TRAILING.has(ch)) hasSpecial = true;
        if (!hasSpecial) {
          while (op.length > 1 && (op.endsWith('+') || op.endsWith('-'))) op = op.slice(0, -1);
        }
      }
      if (op === '') op = c;
      i += op.length;
      push('op', op === '!=' ? '<>' : op, start);
      continue;
    }
    throw syntaxError(c, start + 1);
  }
  tokens.push({ kind: 'eof', value: '', pos: n, end: n, text: '' });
  return tokens;
}

/** Reads a '...' (or E'...' when escapes) string starting at `start`. */
function readQuoted(sql: string, start: number, escapes: boolean): { value: string; end: number } {
  let i = start + (escapes ? 2 : 1);
  const n = sql.length;
  let out = '';
  for (;;) {
    if (i >= n) throw new SqlError(SqlState.syntaxError, 'unterminated quoted string', { position: start + 1 });
    if (!escapes) {
      const q = sql.indexOf("'", i);
      if (q < 0) throw new SqlError(SqlState.syntaxError, 'unterminated quoted string', { position: start + 1 });
      out += sql.slice(i, q);
      i = q;
    }
    const ch = sql[i];
    if (ch === "'") {
      if (sql[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      i++;
      // Adjacent literals separated by whitespace containing a newline are concatenated.
      const m = /^[ \t\r\f]*\n\s*'/.exec(sql.slice(i, i + 1024));
      if (m) {
        i += m[0].length;
        continue;
      }
      break;
    }
    if (escapes && ch === '\\') {
      const e = sql[i + 1];
      i += 2;
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'x': {
          const m = /^[0-9a-fA-F]{1,2}/.exec(sql.slice(i, i + 2));
          if (!m) { out += 'x'; break; }
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
          break;
        }
        case 'u': case 'U': {
          const len = e === 'u' ? 4 : 8;
          const hex = sql.slice(i, i + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new SqlError(SqlState.invalidEscapeSequence, 'invalid Unicode escape', { position: i });
          out += String.fromCodePoint(parseInt(hex, 16));
          i += len;
          break;
        }
        default:
          if (e !== undefined && e >= '0' && e <= '7') {
            const m = /^[0-7]{1,3}/.exec(sql.slice(i - 1, i + 2))!;
            out += String.fromCharCode(parseInt(m[0], 8) & 255);
            i += m[0].length - 1;
          } else if (e !== undefined) out += e;
      }
      continue;
    }
    out += ch;
    i++;
  }
  return { value: out, end: i };
}
