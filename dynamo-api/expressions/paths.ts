// Document paths: how DynamoDB prints them in messages, the overlap/conflict rules that
// UpdateExpression and ProjectionExpression enforce, and reading a path out of an item.
import type { AttributeMap, AttributeValue } from '../values.js';
import type { Path } from './ast.js';

/** Documented limit on nesting levels of a document path. */
export const PATH_DEPTH_MAX = 32;

/** DynamoDB's spelling in messages: a.b[1] is `[a, b, [1]]`. */
export function formatPath(path: Path): string {
  return `[${path.map((e) => (typeof e === 'number' ? `[${e}]` : e)).join(', ')}]`;
}

/** `a.b[1]` (for docs and debugging; names are not escaped). */
export function pathToString(path: Path): string {
  let s = '';
  for (const e of path) s += typeof e === 'number' ? `[${e}]` : s === '' ? e : `.${e}`;
  return s;
}

/** One path is a prefix of the other (identical paths overlap too). */
export function pathsOverlap(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** At the first step where they differ, one path indexes a list and the other a map. */
export function pathsConflict(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] !== typeof b[i];
  }
  return false;
}

/**
 * The first pair (earlier, later) of paths that overlap, else the first pair that conflicts,
 * as DynamoDB reports them; undefined if none. Quadratic, but expressions are at most 4 KB.
 */
export function findPathClash(paths: readonly Path[]): { kind: 'overlap' | 'conflict'; one: Path; two: Path } | undefined {
  for (let j = 1; j < paths.length; j++) {
    for (let i = 0; i < j; i++) {
      if (pathsOverlap(paths[i], paths[j])) return { kind: 'overlap', one: paths[i], two: paths[j] };
    }
  }
  for (let j = 1; j < paths.length; j++) {
    for (let i = 0; i < j; i++) {
      if (pathsConflict(paths[i], paths[j])) return { kind: 'conflict', one: paths[i], two: paths[j] };
    }
  }
  return undefined;
}

export function clashMessage(clash: { kind: 'overlap' | 'conflict'; one: Path; two: Path }): string {
  const verb = clash.kind === 'overlap' ? 'overlap' : 'conflict';
  return `Two document paths ${verb} with each other; must remove or rewrite one of these paths; path one: ${formatPath(clash.one)}, path two: ${formatPath(clash.two)}`;
}

/** The value at `path`, or undefined if any step is missing or of the wrong type. */
export function getPath(item: AttributeMap | undefined, path: Path): AttributeValue | undefined {
  if (item === undefined || path.length === 0) return undefined;
  const head = path[0];
  if (typeof head !== 'string' || !Object.prototype.hasOwnProperty.call(item, head)) return undefined;
  let v: AttributeValue = item[head];
  for (let i = 1; i < path.length; i++) {
    const e = path[i];
    if (typeof e === 'number') {
      if (!('L' in v) || e >= v.L.length) return undefined;
      v = v.L[e];
    } else {
      if (!('M' in v) || !Object.prototype.hasOwnProperty.call(v.M, e)) return undefined;
      v = v.M[e];
    }
  }
  return v;
}
