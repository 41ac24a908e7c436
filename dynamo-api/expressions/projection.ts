// ProjectionExpression: a comma-separated list of document paths, and `project()` which cuts
// an item down to them the way GetItem/Query/Scan return it.
import { invalidExpression } from '../errors.js';
import type { AttributeValue, Item } from '../values.js';
import type { Path, Projection } from './ast.js';
import { clashMessage, findPathClash } from './paths.js';
import type { ExpressionAttributes } from './placeholders.js';
import { Checker } from './semantics.js';
import { Parser } from './syntax.js';
import { checkExpressionText } from './tokens.js';

const LABEL = 'ProjectionExpression';

/** Parses a ProjectionExpression; #names resolve through `attrs` (it takes no values). */
export function parseProjection(text: string, attrs: ExpressionAttributes): Projection {
  checkExpressionText(LABEL, text);
  const raws = Parser.forProjection(text).parseProjection();
  const checker = new Checker(LABEL, attrs);
  for (const r of raws) checker.checkPathLexical(r);
  const paths = raws.map((r) => checker.resolvePath(r));
  const clash = findPathClash(paths);
  if (clash !== undefined) throw invalidExpression(LABEL, clashMessage(clash));
  return { kind: 'projection', paths };
}

/** A trie of requested paths; `true` marks where a whole value is taken. */
type Want = true | Map<string | number, Want>;

function buildWant(paths: readonly Path[]): Map<string | number, Want> {
  const root = new Map<string | number, Want>();
  for (const path of paths) {
    let node = root;
    path.forEach((e, i) => {
      if (i === path.length - 1) {
        node.set(e, true);
        return;
      }
      let next = node.get(e);
      if (next === undefined || next === true) {
        // Overlaps were refused at parse time; a longer path under a taken value adds nothing.
        if (next === true) return;
        next = new Map();
        node.set(e, next);
      }
      node = next;
    });
  }
  return root;
}

function copyAlong(v: AttributeValue, want: Want): AttributeValue | undefined {
  if (want === true) return v;
  if ('M' in v) {
    const out: Record<string, AttributeValue> = {};
    let any = false;
    for (const [k, sub] of want) {
      if (typeof k !== 'string' || !Object.prototype.hasOwnProperty.call(v.M, k)) continue;
      const c = copyAlong(v.M[k], sub);
      if (c !== undefined) {
        out[k] = c;
        any = true;
      }
    }
    return any ? { M: out } : undefined;
  }
  if ('L' in v) {
    const indexes = [...want.keys()].filter((k): k is number => typeof k === 'number').sort((a, b) => a - b);
    const out: AttributeValue[] = [];
    for (const i of indexes) {
      if (i >= v.L.length) continue;
      const c = copyAlong(v.L[i], want.get(i) as Want);
      if (c !== undefined) out.push(c);
    }
    return out.length > 0 ? { L: out } : undefined;
  }
  return undefined;
}

/**
 * The item cut down to `paths`: nested paths keep their enclosing maps; list elements picked by
 * index keep their order and close up; anything missing or of the wrong shape is left out, and
 * so is a container left empty by that.
 */
export function project(paths: readonly Path[], item: Item): Item {
  const out: Record<string, AttributeValue> = {};
  for (const [k, want] of buildWant(paths)) {
    if (typeof k !== 'string' || !Object.prototype.hasOwnProperty.call(item, k)) continue;
    const c = copyAlong(item[k], want);
    if (c !== undefined) out[k] = c;
  }
  return out;
}
