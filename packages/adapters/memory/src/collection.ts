import {
  encodeCursor,
  type FindPage,
  indexKeys,
  type NormalizedFindQuery,
  readPath,
  type StoredDocument,
  type UniqueIndex,
  uniqueConflictError,
  uniqueKey,
} from '@threadline/core';
import { RangeIndex } from './rangeIndex.js';

/** An equality index key (a scalar value). */
export type IndexKey = string | number | boolean | null;

/** The ids under one index key, with a lazily sorted copy for paging. */
class IdSet {
  readonly ids = new Set<string>();
  #sorted: string[] | undefined;

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.#sorted = undefined;
  }

  delete(id: string): void {
    if (this.ids.delete(id)) this.#sorted = undefined;
  }

  get size(): number {
    return this.ids.size;
  }

  sorted(): string[] {
    if (!this.#sorted) this.#sorted = [...this.ids].sort(compareIds);
    return this.#sorted;
  }
}

/** Orders ids by UTF-16 code units (the order every adapter pages in). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// `1` and `'1'` must not collide in an index.
function typedKey(k: IndexKey): string {
  return `${typeof k}:${String(k)}`;
}

function addToIndex(index: Map<string, IdSet>, field: string, doc: StoredDocument): void {
  for (const k of indexKeys(readPath(doc, field))) {
    const key = typedKey(k);
    let set = index.get(key);
    if (!set) index.set(key, (set = new IdSet()));
    set.add(doc.id);
  }
}

/** The numeric value of `doc` in a range index, or `undefined` when it is not a finite number. */
export function rangeValue(doc: StoredDocument, field: string): number | undefined {
  const v = readPath(doc, field);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** One tenant's slice of a collection: documents, their indexes and a lazily sorted id list. */
export class TenantSlice {
  readonly docs = new Map<string, StoredDocument>();
  /** field → (typed key → ids) */
  readonly indexes = new Map<string, Map<string, IdSet>>();
  /** unique index name → (key → id) */
  readonly unique = new Map<string, Map<string, string>>();
  /** range field → sorted (value, id) pairs */
  readonly ranges = new Map<string, RangeIndex>();
  readonly #uniqueDefs: UniqueIndex[] = [];
  #sorted: string[] | undefined;

  constructor(collection: Collection) {
    for (const f of collection.fields) this.indexes.set(f, new Map());
    for (const u of collection.unique) this.addUnique(u);
    for (const f of collection.ranges) this.addRange(f);
  }

  sortedIds(): string[] {
    if (!this.#sorted) this.#sorted = [...this.docs.keys()].sort(compareIds);
    return this.#sorted;
  }

  addIndex(field: string): void {
    if (this.indexes.has(field)) return;
    const index = new Map<string, IdSet>();
    this.indexes.set(field, index);
    for (const doc of this.docs.values()) addToIndex(index, field, doc);
  }

  /** Builds the key map of a unique index over the slice's documents, without installing it. */
  buildUnique(u: UniqueIndex, collection: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const doc of this.docs.values()) {
      const key = uniqueKey(doc, u.fields);
      if (key === undefined) continue;
      const holder = map.get(key);
      if (holder !== undefined) throw uniqueConflictError(collection, u.name, doc.id, holder);
      map.set(key, doc.id);
    }
    return map;
  }

  addUnique(u: UniqueIndex, built?: Map<string, string>): void {
    if (this.unique.has(u.name)) return;
    this.#uniqueDefs.push(u);
    this.unique.set(u.name, built ?? this.buildUnique(u, ''));
  }

  addRange(field: string): void {
    if (this.ranges.has(field)) return;
    const index = new RangeIndex();
    this.ranges.set(field, index);
    for (const doc of this.docs.values()) {
      const v = rangeValue(doc, field);
      if (v !== undefined) index.insert(v, doc.id);
    }
  }

  /**
   * Throws the unique-index `CONFLICT` that writing `docs` (and removing `removed`) would cause,
   * before anything is changed. Committed holders that are being rewritten or removed in the same
   * batch do not count; two documents of the batch with one key do.
   */
  checkUnique(collection: string, docs: readonly StoredDocument[], removed: ReadonlySet<string>): void {
    if (this.#uniqueDefs.length === 0) return;
    const rewritten = new Set(removed);
    for (const d of docs) rewritten.add(d.id);
    for (const u of this.#uniqueDefs) {
      const map = this.unique.get(u.name) as Map<string, string>;
      const batch = new Map<string, string>();
      for (const doc of docs) {
        const key = uniqueKey(doc, u.fields);
        if (key === undefined) continue;
        const inBatch = batch.get(key);
        if (inBatch !== undefined && inBatch !== doc.id)
          throw uniqueConflictError(collection, u.name, doc.id, inBatch);
        batch.set(key, doc.id);
        const holder = map.get(key);
        if (holder !== undefined && holder !== doc.id && !rewritten.has(holder))
          throw uniqueConflictError(collection, u.name, doc.id, holder);
      }
    }
  }

  write(doc: StoredDocument): void {
    const prev = this.docs.get(doc.id);
    if (prev) this.#unindex(prev);
    else this.#sorted = undefined;
    this.docs.set(doc.id, doc);
    for (const [field, index] of this.indexes) addToIndex(index, field, doc);
    for (const u of this.#uniqueDefs) {
      const key = uniqueKey(doc, u.fields);
      if (key !== undefined) this.unique.get(u.name)?.set(key, doc.id);
    }
    for (const [field, index] of this.ranges) {
      const v = rangeValue(doc, field);
      if (v !== undefined) index.insert(v, doc.id);
    }
  }

  remove(id: string): void {
    const prev = this.docs.get(id);
    if (!prev) return;
    this.#unindex(prev);
    this.docs.delete(id);
    this.#sorted = undefined;
  }

  #unindex(doc: StoredDocument): void {
    for (const [field, index] of this.indexes) {
      for (const k of indexKeys(readPath(doc, field))) {
        const key = typedKey(k);
        const set = index.get(key);
        if (!set) continue;
        set.delete(doc.id);
        if (set.size === 0) index.delete(key);
      }
    }
    for (const u of this.#uniqueDefs) {
      const key = uniqueKey(doc, u.fields);
      const map = this.unique.get(u.name);
      if (key !== undefined && map?.get(key) === doc.id) map.delete(key);
    }
    for (const [field, index] of this.ranges) {
      const v = rangeValue(doc, field);
      if (v !== undefined) index.remove(v, doc.id);
    }
  }
}

/** A collection: its declared indexes and one slice per tenant. */
export class Collection {
  readonly fields = new Set<string>();
  readonly unique: UniqueIndex[] = [];
  readonly ranges = new Set<string>();
  readonly tenants = new Map<string, TenantSlice>();

  slice(tenantId: string, create: true): TenantSlice;
  slice(tenantId: string, create: false): TenantSlice | undefined;
  slice(tenantId: string, create: boolean): TenantSlice | undefined {
    let s = this.tenants.get(tenantId);
    if (!s && create) this.tenants.set(tenantId, (s = new TenantSlice(this)));
    return s;
  }
}

/** `true` when `doc` matches every equality condition. */
export function matches(doc: StoredDocument, where: readonly [string, IndexKey][]): boolean {
  return where.every(([f, v]) => indexKeys(readPath(doc, f)).includes(v));
}

/** First index in sorted `ids` strictly greater than `after`. */
function upperBound(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted ids of a slice's documents matching every `where` pair (through the smallest index set). */
export function matchingIds(slice: TenantSlice, where: readonly [string, IndexKey][]): readonly string[] {
  if (where.length === 0) return slice.sortedIds();
  let smallest: IdSet | undefined;
  for (const [field, value] of where) {
    const set = slice.indexes.get(field)?.get(typedKey(value));
    if (!set) return [];
    if (!smallest || set.size < smallest.size) smallest = set;
  }
  const sorted = (smallest as IdSet).sorted();
  if (where.length === 1) return sorted;
  return sorted.filter((id) => matches(slice.docs.get(id) as StoredDocument, where));
}

/** One page of sorted ids after the query's cursor. */
export function page<T extends StoredDocument>(
  ids: readonly string[],
  q: { after: string | undefined; limit: number },
  load: (id: string) => T,
): FindPage<T> {
  const start = q.after === undefined ? 0 : upperBound(ids, q.after);
  const pageIds = ids.slice(start, start + q.limit);
  const items = pageIds.map(load);
  const last = pageIds[pageIds.length - 1];
  return start + q.limit < ids.length && last !== undefined
    ? { items, nextCursor: encodeCursor(last) }
    : { items };
}

/** One page of a range query over `hits` in (value, id) order, one more than `limit` if there is a next page. */
export function rangePage<T extends StoredDocument>(
  hits: readonly { id: string; value: number }[],
  limit: number,
  load: (id: string) => T,
): FindPage<T> {
  const pageHits = hits.slice(0, limit);
  const items = pageHits.map((h) => load(h.id));
  const last = pageHits[pageHits.length - 1];
  return hits.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor(last.id, last.value) }
    : { items };
}

/** A range query against one slice's committed documents. */
export function rangeHits(
  slice: TenantSlice,
  q: NormalizedFindQuery,
  limit: number,
): { id: string; value: number }[] {
  const range = q.range;
  if (!range) return [];
  const index = slice.ranges.get(range.field);
  if (!index) return [];
  const after =
    q.after !== undefined && q.afterValue !== undefined ? { value: q.afterValue, id: q.after } : undefined;
  const accept =
    q.where.length === 0
      ? () => true
      : (id: string) => matches(slice.docs.get(id) as StoredDocument, q.where);
  return index.scan(range, after, accept, limit);
}
