import type { CompiledExpression } from '@threadline/core';
import type { Group, IdleEntry, WorkerState } from '../state.js';
import type { AdmitTable } from '../workflow/admitTable.js';
import type { IdleLinks } from './idleLane.js';
import type { RingFamily } from './ringFamily.js';

/** The entries of one family that one step expression and task context admit. */
export interface AdmittedSet {
  readonly table: AdmitTable;
  readonly expr: CompiledExpression;
  readonly task: Readonly<Record<string, unknown>>;
  /**
   * Admitted entries of the family that have been idle since the set was built, by level (highest
   * first), idle or not now: an entry stays when its worker takes work and leaves the family's
   * buckets, so taking and freeing work costs the set nothing. Entries of workers re-indexed or
   * removed since linger until a search drops them.
   */
  readonly entries: IdleEntry[];
  /** The worker's attribute stamp when each entry joined (a re-indexed worker's old entry is gone). */
  readonly stamps: number[];
}

interface FamilyKeys {
  /** Every key decided for the family: its set, or `null` when the key admits too many to pay. */
  readonly keys: Map<string, AdmittedSet | null>;
  /** The sets kept, in the order they were built. */
  readonly sets: AdmittedSet[];
}

/** A key is decided once the family holds this many idle entries (a smaller walk is cheap anyway). */
const DECIDE_AT = 16;
/** A key admitting more than this share of the family's idle entries is walked, not indexed. */
const SELECTIVE_SHARE = 0.5;
/** Keys decided per family; past this, new keys are walked. */
const MAX_KEYS = 16;

/**
 * Entries of a skill's {@link RingFamily} that a selective step expression admits, per (family,
 * expression key): a search of an expression step (`task.language IN worker.languages` with
 * `"de"`, which ~12 % of workers pass) reads the few admitted entries of the ring's levels
 * instead of walking every idle entry of them, a search nobody passes included.
 *
 * A set holds entries, not an order, and not only idle ones: the family's buckets keep the order
 * (rank, idle-since, registration order in the shared {@link IdleLinks}) and who is idle
 * (`inHeap`); a search takes the best idle entries of its set by those keys. So a worker taking
 * or freeing work (leaving or re-entering its families' buckets, or re-keyed in them: the common
 * case, several times per decision) costs the sets nothing; an entry is considered once, the
 * first time it is idle after a set of its family was built. Keys are decided lazily on the
 * first search that would walk, by the share of the family's idle entries they admit: a key
 * nearly everyone passes (`"en"`) keeps the walk, which finds someone at once.
 *
 * The sets are a candidate source only: every entry taken still passes the caller's full
 * check, so a set holding more than it should changes no decision; it must never hold less
 * (every idle entry of the family that the key admits).
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
  /** Per handle: the entry last considered for its family's sets, and for how many of them. */
  #seen: Array<IdleEntry | undefined> = new Array<IdleEntry | undefined>(1024).fill(undefined);
  #seenSets: Int32Array = new Int32Array(1024);
  /** Per handle: the sets of the entry's family (its count above is up to date while it equals theirs). */
  #seenKeys: Array<FamilyKeys | undefined> = new Array<FamilyKeys | undefined>(1024).fill(undefined);
  /** Sets built so far, over every family (0: {@link sync} has nothing to do). */
  #builds = 0;
  /** Scratch candidates of a search (reused: searches never nest). */
  readonly #candidates: IdleEntry[] = [];
  /** Scratch result of {@link best}. */
  readonly #one: IdleEntry[] = [];

  constructor(links: IdleLinks) {
    this.#links = links;
  }

  /** Sets built so far, over every family. */
  get size(): number {
    return this.#builds;
  }

  /**
   * The admitted set of `family` for `g`'s expression key, built on first ask; `null` when the
   * walk stays for good (no expression, a key that admits more than half of the family's idle
   * entries, or too many keys), `undefined` while the family has too few idle entries to decide.
   */
  setFor(family: RingFamily<IdleEntry>, g: Group): AdmittedSet | null | undefined {
    if (g.admit === null || g.expr === null || g.exprTask === null) return null;
    let fk = this.#families.get(family);
    const known = fk?.keys.get(g.admitKey);
    if (known !== undefined) return known;
    if (fk !== undefined && fk.keys.size >= MAX_KEYS) return null;
    const idle = family.size(0);
    if (idle < DECIDE_AT) return undefined;
    if (fk === undefined) {
      fk = { keys: new Map(), sets: [] };
      this.#families.set(family, fk);
    }
    const table = g.admit;
    const expr = g.expr;
    const task = g.exprTask;
    let admitted = 0;
    family.forEach(0, (e) => {
      if (admits(table, expr, task, e.worker)) admitted++;
    });
    if (admitted > idle * SELECTIVE_SHARE) {
      fk.keys.set(g.admitKey, null);
      return null;
    }
    const set: AdmittedSet = { table, expr, task, entries: [], stamps: [] };
    fk.keys.set(g.admitKey, set);
    fk.sets.push(set);
    this.#builds++;
    const keys = fk;
    family.forEach(0, (e) => this.#catchUp(e, keys));
    return set;
  }

  /**
   * Brings a worker's idle entries into the sets of their families they have not been
   * considered for yet (call after every refresh of a worker's idle entries).
   */
  sync(entries: readonly IdleEntry[]): void {
    if (this.#builds === 0) return;
    const seen = this.#seen;
    const keys = this.#seenKeys;
    const counts = this.#seenSets;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as IdleEntry;
      if (!e.inHeap || e.family === null) continue;
      const h = e.handle;
      if (h < seen.length && seen[h] === e) {
        // Considered for every set its family has: nothing to do (the common case).
        const fk = keys[h] as FamilyKeys;
        if (counts[h] !== fk.sets.length) this.#catchUp(e, fk);
        continue;
      }
      let fk = this.#families.get(e.family);
      if (fk === undefined) {
        fk = { keys: new Map(), sets: [] };
        this.#families.set(e.family, fk);
      }
      this.#catchUp(e, fk);
    }
  }

  /**
   * Appends to `out` the first `n` idle entries of `set` at `minLevel` or above that `accept`
   * takes, best first by the family's keys: what the family's walk with the same `accept`
   * finds, as long as `accept` refuses every entry the set's key does not admit.
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
    const stamps = set.stamps;
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as IdleEntry;
      if (e.level < minLevel) break;
      if (e.inHeap) {
        candidates.push(e);
        continue;
      }
      const w = e.worker;
      if (w.removed || w.attrStamp !== stamps[i]) {
        // A worker re-indexed or removed since: this entry is gone for good (its new ones, if
        // any, join on their own).
        list.splice(i, 1);
        stamps.splice(i, 1);
        i--;
      }
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

  /** The first entry {@link first} would give for `n` = 1, or `undefined`. */
  best(set: AdmittedSet, minLevel: number, accept: (e: IdleEntry) => boolean): IdleEntry | undefined {
    const out = this.#one;
    this.first(set, minLevel, 1, accept, out);
    const e = out[0];
    out.length = 0;
    return e;
  }

  /** Considers an idle entry for the sets of its family it has not been considered for. */
  #catchUp(e: IdleEntry, fk: FamilyKeys): void {
    const h = e.handle;
    const from = h < this.#seen.length && this.#seen[h] === e ? (this.#seenSets[h] as number) : 0;
    const sets = fk.sets;
    for (let j = from; j < sets.length; j++) {
      const set = sets[j] as AdmittedSet;
      if (admits(set.table, set.expr, set.task, e.worker)) insertByLevel(set, e);
    }
    this.#mark(e, fk);
  }

  #mark(e: IdleEntry, fk: FamilyKeys): void {
    const h = e.handle;
    if (h >= this.#seen.length) {
      let n = this.#seen.length;
      while (n <= h) n *= 2;
      const counts = new Int32Array(n);
      counts.set(this.#seenSets);
      this.#seenSets = counts;
      // Kept dense (never a hole past the end), so reads stay fast element loads.
      const seen = new Array<IdleEntry | undefined>(n).fill(undefined);
      const keys = new Array<FamilyKeys | undefined>(n).fill(undefined);
      for (let i = 0; i < this.#seen.length; i++) {
        seen[i] = this.#seen[i];
        keys[i] = this.#seenKeys[i];
      }
      this.#seen = seen;
      this.#seenKeys = keys;
    }
    this.#seen[h] = e;
    this.#seenKeys[h] = fk;
    this.#seenSets[h] = fk.sets.length;
  }
}

/** Adds an entry to a set, keeping the entries by level, highest first. */
function insertByLevel(set: AdmittedSet, e: IdleEntry): void {
  const list = set.entries;
  let at = list.length;
  while (at > 0 && (list[at - 1] as IdleEntry).level < e.level) at--;
  list.splice(at, 0, e);
  set.stamps.splice(at, 0, e.worker.attrStamp);
}

/** Whether the expression admits `w` (the answer table's stored answer when current). */
function admits(
  table: AdmitTable,
  expr: CompiledExpression,
  task: Readonly<Record<string, unknown>>,
  w: WorkerState,
): boolean {
  const known = table.answer(w.order, w.attrStamp);
  if (known !== -1) return known === 1;
  const admitted = expr.evaluate({ worker: w.ctx, task }) === true;
  table.set(w.order, w.attrStamp, admitted);
  return admitted;
}
