// Applying an UpdateExpression to an item, and the ReturnValues selections.
//
// Every value is computed from the item as it was before the update (so `SET a = b REMOVE b`
// copies the old b), then all writes are applied at once. List positions in paths refer to
// the old list: removals close up afterwards, and SETs past the end append in index order.
// Run-time errors come in DynamoDB's order: a path whose parent has the wrong type, then
// operand types, then (last action first) unwritable paths and missing attributes, then
// numbers out of range.
import { validation, type DynamoError } from '../errors.js';
import { addDecimal, compareNumbers, formatDecimal, negateDecimal, parseDecimal, rangeError } from '../numbers.js';
import {
  bytesEqual,
  typeOf,
  type AttributeMap,
  type AttributeValue,
  type Item,
} from '../values.js';
import type { Path, PathElement, UpdateAction, UpdateExpression, UpdateValue } from './ast.js';
import { getPath } from './paths.js';
import { project } from './projection.js';

export interface UpdateResult {
  /** The item after the update (a new object; the input is not modified). */
  readonly item: Item;
  /** Every action's path as written, i.e. in the old item's coordinates (for UPDATED_OLD). */
  readonly changedPaths: readonly Path[];
  /** Where each written (not removed) value sits in the new item (for UPDATED_NEW). */
  readonly newPaths: readonly Path[];
}

const MISSING = 'The provided expression refers to an attribute that does not exist in the item';
const BAD_PATH = 'The document path provided in the update expression is invalid for update';
const TYPE_ERROR = 'An operand in the update expression has an incorrect data type';
const LEGACY_TYPE_ERROR = 'Type mismatch for attribute to update';

/** A computed SET value: the value, or why it has none yet (reported later, in order). */
interface Computed {
  readonly value?: AttributeValue;
  readonly missing?: boolean;
  readonly rangeError?: string;
}

interface Write {
  readonly path: Path;
  /** undefined: remove. */
  readonly value: AttributeValue | undefined;
}

class Runner {
  constructor(private readonly old: Item | undefined, private readonly legacy: boolean) {}

  typeError(): DynamoError {
    return validation(this.legacy ? LEGACY_TYPE_ERROR : TYPE_ERROR);
  }

  /** The parent exists and is a map (before a name) or a list (before an index). */
  writable(path: Path): boolean {
    if (path.length === 1) return true;
    const parent = getPath(this.old, path.slice(0, -1));
    if (parent === undefined) return false;
    return typeof path[path.length - 1] === 'number' ? 'L' in parent : 'M' in parent;
  }

  parentHasWrongType(path: Path): boolean {
    if (path.length === 1) return false;
    return getPath(this.old, path.slice(0, -1)) !== undefined && !this.writable(path);
  }

  /** Evaluates a SET value; throws only type errors (missing attributes come later). */
  compute(v: UpdateValue): Computed {
    switch (v.kind) {
      case 'value':
        return { value: v.value };
      case 'path': {
        const value = getPath(this.old, v.path);
        return value === undefined ? { missing: true } : { value };
      }
      case 'if_not_exists': {
        const value = getPath(this.old, v.path);
        return value !== undefined ? { value } : this.compute(v.fallback);
      }
      case 'list_append': {
        const a = this.compute(v.left);
        if (a.value !== undefined && !('L' in a.value)) throw this.typeError();
        const b = this.compute(v.right);
        if (b.value !== undefined && !('L' in b.value)) throw this.typeError();
        if (a.value === undefined || b.value === undefined) return { missing: true };
        return { value: { L: [...(a.value as { L: readonly AttributeValue[] }).L, ...(b.value as { L: readonly AttributeValue[] }).L] } };
      }
      case 'arithmetic': {
        const a = this.compute(v.left);
        if (a.value !== undefined && !('N' in a.value)) throw this.typeError();
        const b = this.compute(v.right);
        if (b.value !== undefined && !('N' in b.value)) throw this.typeError();
        if (a.value === undefined || b.value === undefined) return { missing: a.missing || b.missing, rangeError: a.rangeError ?? b.rangeError };
        return numberResult(
          (a.value as { N: string }).N,
          (b.value as { N: string }).N,
          v.op,
        );
      }
    }
  }

  /** ADD's result, or a type error. */
  add(current: AttributeValue | undefined, operand: AttributeValue): Computed {
    if (current === undefined) return { value: operand };
    if ('N' in operand) {
      if (!('N' in current)) throw this.typeError();
      return numberResult(current.N, operand.N, '+');
    }
    if ('L' in operand && this.legacy) {
      if (!('L' in current)) throw this.typeError();
      return { value: { L: [...current.L, ...operand.L] } };
    }
    if (typeOf(current) !== typeOf(operand)) throw this.typeError();
    return { value: setUnion(current, operand) };
  }

  /** DELETE's result (undefined: the set became empty, or was not there), or a type error. */
  delete(current: AttributeValue | undefined, operand: AttributeValue): { skip: boolean; value?: AttributeValue } {
    if (current === undefined) return { skip: true };
    if (typeOf(current) !== typeOf(operand)) throw this.typeError();
    return { skip: false, value: setDifference(current, operand) };
  }
}

function numberResult(a: string, b: string, op: '+' | '-'): Computed {
  const da = parseDecimal(a);
  const db = parseDecimal(b);
  if (da === undefined || db === undefined) throw new Error('assertion failed: stored number does not parse');
  const r = addDecimal(da, op === '+' ? db : negateDecimal(db));
  const err = rangeError(r, true);
  return err === undefined ? { value: { N: formatDecimal(r) } } : { rangeError: err };
}

function setUnion(a: AttributeValue, b: AttributeValue): AttributeValue {
  if ('SS' in a && 'SS' in b) return { SS: [...a.SS, ...b.SS.filter((m) => !a.SS.includes(m))] };
  if ('NS' in a && 'NS' in b) return { NS: [...a.NS, ...b.NS.filter((m) => !a.NS.some((x) => compareNumbers(x, m) === 0))] };
  if ('BS' in a && 'BS' in b) return { BS: [...a.BS, ...b.BS.filter((m) => !a.BS.some((x) => bytesEqual(x, m)))] };
  throw new Error('assertion failed: set union of non-sets');
}

function setDifference(a: AttributeValue, b: AttributeValue): AttributeValue | undefined {
  let out: AttributeValue;
  if ('SS' in a && 'SS' in b) out = { SS: a.SS.filter((m) => !b.SS.includes(m)) };
  else if ('NS' in a && 'NS' in b) out = { NS: a.NS.filter((m) => !b.NS.some((x) => compareNumbers(x, m) === 0)) };
  else if ('BS' in a && 'BS' in b) out = { BS: a.BS.filter((m) => !b.BS.some((x) => bytesEqual(x, m))) };
  else throw new Error('assertion failed: set difference of non-sets');
  const size = 'SS' in out ? out.SS.length : 'NS' in out ? out.NS.length : (out as { BS: readonly Uint8Array[] }).BS.length;
  return size === 0 ? undefined : out;
}

/**
 * Applies `update` to `item` (undefined: the item does not exist yet) and returns the new item
 * with the changed paths. Throws DynamoDB's ValidationException for run-time problems; the
 * input is never modified.
 */
export function applyUpdate(update: UpdateExpression, item: Item | undefined): UpdateResult {
  const legacy = update.legacy === true;
  const run = new Runner(item, legacy);
  const actions = update.actions;

  // 1. A parent that exists but is not the map or list the path needs.
  for (const a of actions) {
    if (run.parentHasWrongType(a.path)) throw validation(BAD_PATH);
  }

  // 2. Operand types; SET values and ADD/DELETE results computed from the old item.
  const computed: (Computed | { skip: boolean; value?: AttributeValue } | undefined)[] = actions.map((a) => {
    switch (a.kind) {
      case 'set':
        return run.compute(a.value);
      case 'add':
        return run.add(run.writable(a.path) ? getPath(item, a.path) : undefined, a.value);
      case 'delete':
        return run.delete(run.writable(a.path) ? getPath(item, a.path) : undefined, a.value);
      case 'remove':
        return undefined;
    }
  });

  // 3. From the last clause back: unwritable paths, then attributes a SET reads but lacks.
  const runs = clauseRuns(actions);
  for (let r = runs.length - 1; r >= 0; r--) {
    const [from, to] = runs[r];
    for (let i = from; i < to; i++) {
      const a = actions[i];
      if (run.writable(a.path)) continue;
      // Removing below a missing parent is a no-op only when the whole item is missing.
      if (a.kind === 'remove' && item === undefined) continue;
      throw validation(BAD_PATH);
    }
    for (let i = from; i < to; i++) {
      const c = computed[i];
      if (c !== undefined && 'missing' in c && c.missing === true) throw validation(MISSING);
    }
  }

  // 4. Numbers out of range.
  for (const c of computed) {
    if (c !== undefined && 'rangeError' in c && c.rangeError !== undefined) throw validation(c.rangeError);
  }

  const writes: Write[] = [];
  actions.forEach((a, i) => {
    const c = computed[i];
    switch (a.kind) {
      case 'remove':
        if (run.writable(a.path)) writes.push({ path: a.path, value: undefined });
        return;
      case 'set':
      case 'add':
        writes.push({ path: a.path, value: (c as Computed).value });
        return;
      case 'delete': {
        const d = c as { skip: boolean; value?: AttributeValue };
        if (!d.skip) writes.push({ path: a.path, value: d.value });
        return;
      }
    }
  });

  const tree = buildEdits(writes);
  const next = applyMapEdits(item ?? {}, tree) ?? {};
  return {
    item: next,
    changedPaths: actions.map((a) => a.path),
    newPaths: writes.filter((w) => w.value !== undefined).map((w) => translatePath(w.path, item, tree)),
  };
}

/** Contiguous runs of actions of one kind: the clauses as written. */
function clauseRuns(actions: readonly UpdateAction[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < actions.length; i++) {
    if (i === 0 || actions[i].kind !== actions[i - 1].kind) runs.push([i, i + 1]);
    else runs[runs.length - 1][1] = i + 1;
  }
  return runs;
}

// ---- Writing ----

interface EditNode {
  /** Set: the value; remove: `put === undefined && remove`. */
  put?: AttributeValue;
  remove?: boolean;
  children?: Map<PathElement, EditNode>;
}

function buildEdits(writes: readonly Write[]): Map<PathElement, EditNode> {
  const root = new Map<PathElement, EditNode>();
  for (const w of writes) {
    let level = root;
    for (let i = 0; i < w.path.length; i++) {
      const e = w.path[i];
      let node = level.get(e);
      if (node === undefined) {
        node = {};
        level.set(e, node);
      }
      if (i === w.path.length - 1) {
        if (w.value === undefined) node.remove = true;
        else node.put = w.value;
      } else {
        node.children ??= new Map();
        level = node.children;
      }
    }
  }
  return root;
}

function applyNode(old: AttributeValue | undefined, node: EditNode): AttributeValue | undefined {
  if (node.put !== undefined) return node.put;
  if (node.remove === true) return undefined;
  if (old === undefined || node.children === undefined) return old;
  if ('M' in old) return { M: applyMapEdits(old.M, node.children) ?? {} };
  if ('L' in old) return { L: applyListEdits(old.L, node.children) };
  return old;
}

function applyMapEdits(old: AttributeMap, edits: Map<PathElement, EditNode>): AttributeMap | undefined {
  const out: Record<string, AttributeValue> = { ...old };
  for (const [k, node] of edits) {
    if (typeof k !== 'string') continue;
    const had = Object.prototype.hasOwnProperty.call(old, k) ? old[k] : undefined;
    const v = applyNode(had, node);
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

function applyListEdits(old: readonly AttributeValue[], edits: Map<PathElement, EditNode>): AttributeValue[] {
  const out = old.slice();
  const removed = new Set<number>();
  const appended: [number, AttributeValue][] = [];
  for (const [k, node] of edits) {
    if (typeof k !== 'number') continue;
    if (k < old.length) {
      const v = applyNode(old[k], node);
      if (v === undefined) removed.add(k);
      else out[k] = v;
    } else if (node.put !== undefined) {
      appended.push([k, node.put]);
    }
  }
  appended.sort((a, b) => a[0] - b[0]);
  return [...out.filter((_, i) => !removed.has(i)), ...appended.map(([, v]) => v)];
}

/** Where `path` (old coordinates) ends up after the list edits of `tree`. */
function translatePath(path: Path, old: Item | undefined, tree: Map<PathElement, EditNode>): Path {
  const out: PathElement[] = [];
  let level: Map<PathElement, EditNode> | undefined = tree;
  for (let i = 0; i < path.length; i++) {
    const e = path[i];
    if (typeof e === 'number' && level !== undefined) {
      const list = getPath(old, path.slice(0, i));
      const len = list !== undefined && 'L' in list ? list.L.length : 0;
      const keys = [...level.keys()].filter((k): k is number => typeof k === 'number');
      if (e < len) {
        const removedBefore = keys.filter((k) => k < e && k < len && level!.get(k)!.remove === true).length;
        out.push(e - removedBefore);
      } else {
        const removedCount = keys.filter((k) => k < len && level!.get(k)!.remove === true).length;
        const rank = keys.filter((k) => k >= len && k < e && level!.get(k)!.put !== undefined).length;
        out.push(len - removedCount + rank);
      }
    } else {
      out.push(e);
    }
    level = level?.get(e)?.children;
  }
  return out;
}

// ---- ReturnValues ----

export type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

/** PutItem and DeleteItem accept only NONE and ALL_OLD. */
export function checkReturnValuesForWrite(mode: ReturnValues): void {
  if (mode !== 'NONE' && mode !== 'ALL_OLD') throw validation('Return values set to invalid value');
}

/**
 * The `Attributes` of a write's response, or undefined when there is nothing to return.
 * `result` is required for UPDATED_OLD, ALL_NEW and UPDATED_NEW (UpdateItem).
 */
export function selectReturnValues(mode: ReturnValues, oldItem: Item | undefined, result?: UpdateResult): Item | undefined {
  const nonEmpty = (i: Item | undefined): Item | undefined => (i === undefined || Object.keys(i).length === 0 ? undefined : i);
  switch (mode) {
    case 'NONE':
      return undefined;
    case 'ALL_OLD':
      return nonEmpty(oldItem);
    case 'UPDATED_OLD':
      return oldItem === undefined || result === undefined ? undefined : nonEmpty(project(result.changedPaths, oldItem));
    case 'ALL_NEW':
      return nonEmpty(result?.item);
    case 'UPDATED_NEW':
      return result === undefined ? undefined : nonEmpty(project(result.newPaths, result.item));
  }
}

/** UpdateItem may not touch key attributes. */
export function checkUpdateSparesKeys(update: UpdateExpression, keyNames: readonly string[]): void {
  for (const a of update.actions) {
    const name = a.path[0] as string;
    if (keyNames.includes(name)) {
      throw validation(`One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`);
    }
  }
}
