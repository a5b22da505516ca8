import type { CompiledExpression } from '@threadline/core';
import type { Group, IdleEntry, WorkerState } from '../state.js';
import type { AdmitTable } from '../workflow/admitTable.js';
import type { IdleLinks } from './idleLane.js';
import type { RingFamily } from './ringFamily.js';

/** The idle entries of one family that one step expression and task context admit. */
export interface AdmittedSet {
  readonly table: AdmitTable;
  readonly expr: CompiledExpression;
  readonly task: Readonly<Record<string, unknown>>;
  /**
   * Admitted entries of the family, any level, unordered. Entries of workers re-indexed since
   * (`inHeap` false for good) may linger until a search drops them.
   */
  readonly entries: IdleEntry[];
}

interface FamilyKeys {
  /** Every key decided for the family: its set, or `null` when the key admits too many to pay. */
  readonly keys: Map<string, AdmittedSet | null>;
  /** The sets kept in step as entries enter and leave the family. */
  readonly sets: AdmittedSet[];
}

/** A key is decided once the family holds this many idle entries (a smaller walk is cheap anyway). */
const DECIDE_AT = 16;
/** A key admitting more than this share of the family's idle entries is walked, not indexed. */
const SELECTIVE_SHARE = 0.5;
/** Keys decided per family; past this, new keys are walked. */
const MAX_KEYS = 16;

/**
 * Idle entries of a skill's {@link RingFamily} that a selective step expression admits, per
 * (family, expression key): a search of an expression step (`task.language IN
 * worker.languages` with `"de"`, which ~12 % of workers pass) reads the few admitted entries
 * instead of walking every idle entry of the ring's levels, a search nobody passes included.
 *
 * A set holds entries, not an order: the family's buckets keep the order (rank, idle-since,
 * registration order in the shared {@link IdleLinks}), and a search picks the best of its set by
 * those keys. So a worker re-keyed in its family (taking or freeing work while it keeps room,
 * the common case) costs the index nothing; only entering or leaving a family's buckets updates
 * the sets of that family, and only for the keys that admit the worker. Keys are decided
 * lazily on the first search that walks, by the share of the family's idle entries they admit:
 * a key nearly everyone passes (`"en"`) keeps the walk, which finds one at once.
 *
 * The sets are a candidate source only: every entry taken still passes the caller's full
 * check, so a set holding more than it should changes no decision; it must never hold less.
 *
 * @example
 * ```ts
 * const index = new AdmittedIndex(links);
 * index.sync(worker.entries); // after every refresh of a worker's idle entries
 * const set = index.setFor(family, group);
 * if (set !== null) index.first(set, minLevel, 1, accept, out);
 * ```
 */
export class AdmittedIndex {
  readonly #links: IdleLinks;
  readonly #families = new Map<RingFamily<IdleEntry>, FamilyKeys>();
  /** The entry at each handle as last seen idle in a family (`undefined` when out). */
  readonly #seen: Array<IdleEntry | undefined> = [];
  /** Sets kept in step, over every family: while 0, {@link sync} does nothing. */
  #kept = 0;
  /** Scratch candidates of a search (reused: searches never nest). */
  readonly #candidates: IdleEntry[] = [];

  constructor(links: IdleLinks) {
    this.#links = links;
  }

  /** Sets kept in step, over every family. */
  get size(): number {
    return this.#kept;
  }

  /**
   * The admitted set of `family` for `g`'s expression key, built on first ask, or `null` when
   * the walk stays (no expression, too few idle entries to decide yet, or a key that admits
   * more than half of them).
   */
  setFor(family: RingFamily<IdleEntry>, g: Group): AdmittedSet | null {
    if (g.admit === null || g.expr === null || g.exprTask === null) return null;
    let fk = this.#families.get(family);
    const known = fk?.keys.get(g.admitKey);
    if (known !== undefined) return known;
    if (fk !== undefined && fk.keys.size >= MAX_KEYS) return null;
    const idle = family.size(0);
    if (idle < DECIDE_AT) return null;
    const set: AdmittedSet = { table: g.admit, expr: g.expr, task: g.exprTask, entries: [] };
    const seen = this.#seen;
    family.forEach(0, (e) => {
      seen[e.handle] = e;
      if (admits(set, e.worker)) set.entries.push(e);
    });
    if (fk === undefined) {
      fk = { keys: new Map(), sets: [] };
      this.#families.set(family, fk);
    }
    if (set.entries.length > idle * SELECTIVE_SHARE) {
      fk.keys.set(g.admitKey, null);
      return null;
    }
    fk.keys.set(g.admitKey, set);
    fk.sets.push(set);
    this.#kept++;
    return set;
  }

  /**
   * Brings the sets in step with a worker's entries after they entered or left their families'
   * buckets (call after every refresh of a worker's idle entries).
   */
  sync(entries: readonly IdleEntry[]): void {
    if (this.#kept === 0) return;
    const seen = this.#seen;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as IdleEntry;
      const family = e.family;
      if (family === null) continue;
      const h = e.handle;
      const was = seen[h] === e;
      if (e.inHeap === was) continue;
      seen[h] = e.inHeap ? e : undefined;
      const fk = this.#families.get(family);
      if (fk === undefined) continue;
      const sets = fk.sets;
      for (let j = 0; j < sets.length; j++) {
        const set = sets[j] as AdmittedSet;
        if (e.inHeap) {
          if (admits(set, e.worker)) set.entries.push(e);
        } else {
          const list = set.entries;
          const at = list.indexOf(e);
          if (at >= 0) {
            list[at] = list[list.length - 1] as IdleEntry;
            list.pop();
          }
        }
      }
    }
  }

  /**
   * Appends to `out` the first `n` entries of `set` at `minLevel` or above that `accept` takes,
   * best first by the family's keys: what the family's walk with the same `accept` finds, as
   * long as `accept` refuses every entry the set's key does not admit.
   */
  first(
    set: AdmittedSet,
    minLevel: number,
    n: number,
    accept: (e: IdleEntry) => boolean,
    out: IdleEntry[],
  ): void {
    const links = this.#links;
    const list = set.entries;
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i] as IdleEntry;
      if (!e.inHeap) {
        // A worker re-indexed or removed since it entered: its entry is gone for good.
        list[i] = list[list.length - 1] as IdleEntry;
        list.pop();
        continue;
      }
      if (e.level >= minLevel) candidates.push(e);
    }
    // Selection of the best remaining candidate, one at a time: the first or second is nearly
    // always taken (every candidate already passes the expression).
    let taken = 0;
    for (let from = 0; from < candidates.length && taken < n; from++) {
      let best = from;
      for (let i = from + 1; i < candidates.length; i++)
        if (links.less((candidates[i] as IdleEntry).handle, (candidates[best] as IdleEntry).handle)) best = i;
      const e = candidates[best] as IdleEntry;
      candidates[best] = candidates[from] as IdleEntry;
      candidates[from] = e;
      if (accept(e)) {
        out.push(e);
        taken++;
      }
    }
    candidates.length = 0;
  }
}

/** Whether the set's expression admits `w` (the answer table's stored answer when current). */
function admits(set: AdmittedSet, w: WorkerState): boolean {
  const known = set.table.answer(w.order, w.attrStamp);
  if (known !== -1) return known === 1;
  const admitted = set.expr.evaluate({ worker: w.ctx, task: set.task }) === true;
  set.table.set(w.order, w.attrStamp, admitted);
  return admitted;
}
