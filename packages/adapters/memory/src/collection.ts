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

/** A dotted field path split once (`profile.email` → `['profile', 'email']`). */
export function pathParts(field: string): readonly string[] {
  return field.split('.');
}

/** Reads a split path from a document (the rule of core's `readPath`); missing → `undefined`. */
export function readParts(doc: unknown, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// Index maps key by the value itself: a Map compares keys by SameValueZero, so `1`, `'1'`,
// `true` and `null` never collide and no key string is built per write.
function addKeys(index: Map<IndexKey, IdSet>, value: unknown, id: string): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const k of value) if (k === null || typeof k !== 'object') addKey(index, k as IndexKey, id);
  } else if (value === null || typeof value !== 'object') addKey(index, value as IndexKey, id);
}

function addKey(index: Map<IndexKey, IdSet>, key: IndexKey, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new IdSet()));
  set.add(id);
}

function removeKeys(index: Map<IndexKey, IdSet>, value: unknown, id: string): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const k of value) if (k === null || typeof k !== 'object') removeKey(index, k as IndexKey, id);
  } else if (value === null || typeof value !== 'object') removeKey(index, value as IndexKey, id);
}

function removeKey(index: Map<IndexKey, IdSet>, key: IndexKey, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

/** The numeric value of `doc` in a range index, or `undefined` when it is not a finite number. */
export function rangeValue(doc: StoredDocument, field: string): number | undefined {
  const v = readPath(doc, field);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function rangeOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An equality index with its split path. */
interface FieldIndex {
  parts: readonly string[];
  map: Map<IndexKey, IdSet>;
}

/** A unique index with its split paths and the key function of its documents. */
interface UniqueDef {
  def: UniqueIndex;
  parts: readonly (readonly string[])[];
  map: Map<unknown, string>;
}

/**
 * The key of `doc` in a unique index (the rule of core's `uniqueKey`: `undefined` when a field is
 * missing, `null`, an object or an array). One field keys by its value (a Map keeps `1` and `'1'`
 * apart); several by core's JSON tuple.
 */
function uniqueKeyOf(u: UniqueDef, doc: StoredDocument): unknown {
  if (u.parts.length === 1) {
    const v = readParts(doc, u.parts[0] as readonly string[]);
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  }
  return uniqueKey(doc, u.def.fields);
}

/** One tenant's slice of a collection: documents, their indexes and a lazily sorted id list. */
export class TenantSlice {
  readonly docs = new Map<string, StoredDocument>();
  /** Reads one committed document (made once per slice, not per `find`). */
  readonly load = (id: string): StoredDocument => this.docs.get(id) as StoredDocument;
  /** field → (key → ids) */
  readonly indexes = new Map<string, Map<IndexKey, IdSet>>();
  /** range field → sorted (value, id) pairs */
  readonly ranges = new Map<string, RangeIndex>();
  readonly #fieldIndexes: FieldIndex[] = [];
  readonly #uniqueDefs: UniqueDef[] = [];
  readonly #rangeIndexes: { parts: readonly string[]; index: RangeIndex }[] = [];
  #sorted: string[] | undefined;
  readonly #collection: Collection;

  constructor(collection: Collection) {
    this.#collection = collection;
    for (const f of collection.fields) this.addIndex(f);
    for (const u of collection.unique) this.addUnique(u);
    for (const f of collection.ranges) this.addRange(f);
  }

  sortedIds(): string[] {
    if (!this.#sorted) this.#sorted = [...this.docs.keys()].sort(compareIds);
    return this.#sorted;
  }

  addIndex(field: string): void {
    if (this.indexes.has(field)) return;
    const map = new Map<IndexKey, IdSet>();
    const parts = pathParts(field);
    this.indexes.set(field, map);
    this.#fieldIndexes.push({ parts, map });
    for (const doc of this.docs.values()) addKeys(map, readParts(doc, parts), doc.id);
  }

  /** Builds the key map of a unique index over the slice's documents, without installing it. */
  buildUnique(u: UniqueIndex, collection: string): Map<unknown, string> {
    const def: UniqueDef = { def: u, parts: u.fields.map(pathParts), map: new Map() };
    for (const doc of this.docs.values()) {
      const key = uniqueKeyOf(def, doc);
      if (key === undefined) continue;
      const holder = def.map.get(key);
      if (holder !== undefined) throw uniqueConflictError(collection, u.name, doc.id, holder);
      def.map.set(key, doc.id);
    }
    return def.map;
  }

  addUnique(u: UniqueIndex, built?: Map<unknown, string>): void {
    if (this.#uniqueDefs.some((x) => x.def.name === u.name)) return;
    this.#uniqueDefs.push({
      def: u,
      parts: u.fields.map(pathParts),
      map: built ?? this.buildUnique(u, ''),
    });
  }

  addRange(field: string): void {
    if (this.ranges.has(field)) return;
    const index = new RangeIndex();
    const parts = pathParts(field);
    this.ranges.set(field, index);
    this.#rangeIndexes.push({ parts, index });
    for (const doc of this.docs.values()) {
      const v = rangeOf(readParts(doc, parts));
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
      const batch = new Map<unknown, string>();
      for (const doc of docs) {
        const key = uniqueKeyOf(u, doc);
        if (key === undefined) continue;
        const inBatch = batch.get(key);
        if (inBatch !== undefined && inBatch !== doc.id)
          throw uniqueConflictError(collection, u.def.name, doc.id, inBatch);
        batch.set(key, doc.id);
        const holder = u.map.get(key);
        if (holder !== undefined && holder !== doc.id && !rewritten.has(holder))
          throw uniqueConflictError(collection, u.def.name, doc.id, holder);
      }
    }
  }

  /** {@link checkUnique} for one document and nothing removed (a single `put`), without the batch sets. */
  checkUniqueOne(collection: string, doc: StoredDocument): void {
    for (const u of this.#uniqueDefs) {
      const key = uniqueKeyOf(u, doc);
      if (key === undefined) continue;
      const holder = u.map.get(key);
      if (holder !== undefined && holder !== doc.id)
        throw uniqueConflictError(collection, u.def.name, doc.id, holder);
    }
  }

  /**
   * Stores `doc`, replacing the version with its id. Only the index entries whose value changed
   * are touched: an unchanged field (the same scalar, or the same frozen array the new version
   * shares with the old one) costs one read of each version.
   */
  write(doc: StoredDocument): void {
    const id = doc.id;
    const prev = this.docs.get(id);
    if (!prev) this.#sorted = undefined;
    this.docs.set(id, doc);
    for (const ix of this.#fieldIndexes) {
      const value = readParts(doc, ix.parts);
      if (prev) {
        const old = readParts(prev, ix.parts);
        if (old === value) continue;
        removeKeys(ix.map, old, id);
      }
      addKeys(ix.map, value, id);
    }
    for (const u of this.#uniqueDefs) {
      const key = uniqueKeyOf(u, doc);
      if (prev) {
        const old = uniqueKeyOf(u, prev);
        if (old === key) continue;
        if (old !== undefined && u.map.get(old) === id) u.map.delete(old);
      }
      if (key !== undefined) u.map.set(key, id);
    }
    for (const r of this.#rangeIndexes) {
      const value = rangeOf(readParts(doc, r.parts));
      if (prev) {
        const old = rangeOf(readParts(prev, r.parts));
        if (old === value) continue;
        if (old !== undefined) r.index.remove(old, id);
      }
      if (value !== undefined) r.index.insert(value, id);
    }
    this.#collection.onWrite?.(doc);
  }

  remove(id: string): void {
    const prev = this.docs.get(id);
    if (!prev) return;
    for (const ix of this.#fieldIndexes) removeKeys(ix.map, readParts(prev, ix.parts), id);
    for (const u of this.#uniqueDefs) {
      const key = uniqueKeyOf(u, prev);
      if (key !== undefined && u.map.get(key) === id) u.map.delete(key);
    }
    for (const r of this.#rangeIndexes) {
      const v = rangeOf(readParts(prev, r.parts));
      if (v !== undefined) r.index.remove(v, id);
    }
    this.docs.delete(id);
    this.#sorted = undefined;
  }
}

/** A collection: its declared indexes and one slice per tenant. */
export class Collection {
  readonly fields = new Set<string>();
  readonly unique: UniqueIndex[] = [];
  readonly ranges = new Set<string>();
  readonly tenants = new Map<string, TenantSlice>();
  /** Told of every document written to the collection (the store's retention watches with it). */
  onWrite: ((doc: StoredDocument) => void) | undefined;

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
    const set = slice.indexes.get(field)?.get(value);
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
