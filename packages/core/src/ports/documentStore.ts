import type { AdapterCapabilities } from './capabilities.js';
import type { EventLog } from './eventLog.js';
import type { LeaseFence } from './lease.js';
import type { OutboxWriter } from './outbox.js';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A document as stored: any JSON object with `id`, `tenantId` and the store-assigned `version`. */
export interface StoredDocument {
  id: string;
  tenantId: string;
  /** Starts at 1 on creation and grows by one on every successful put. */
  version: number;
  [field: string]: unknown;
}

/** A document handed to `put`: `version` is ignored (the store assigns it), `tenantId` defaults to `'default'`. */
export interface DocumentInput {
  id: string;
  tenantId?: string;
  version?: number;
  [field: string]: unknown;
}

/**
 * Declares a collection: the fields `find` may filter on, unique keys and numeric range indexes.
 * Checked by {@link CollectionDefinitionSchema}; a bad definition is a `VALIDATION` error.
 *
 * @example
 * ```ts
 * import type { CollectionDefinition } from '@threadline/core';
 *
 * const identityKeys: CollectionDefinition = { indexes: ['customerId'], unique: [['kind', 'value']] };
 * const deadlines: CollectionDefinition = { indexes: ['caseId'], ranges: ['dueAt'] };
 * ```
 */
export interface CollectionDefinition {
  /**
   * Dotted field paths that `find` can filter on by equality (e.g. `customerId`,
   * `profile.email`). When a field holds an array, every element is indexed.
   */
  indexes: readonly string[];
  /**
   * Unique indexes (needs `capabilities.uniqueIndexes`), each a list of one or more field paths.
   * No two documents of one tenant may share the values of all of an index's fields: a write that
   * would is `CONFLICT` with `details.index` set to the index name (the fields joined by `+`,
   * e.g. `kind+value`) and writes nothing. A document whose value for any of the fields is
   * missing, `null`, an object or an array is not constrained (as SQL treats `NULL`). Values
   * compare by type and value: `1` and `'1'` differ. Unique fields are also equality indexes.
   */
  unique?: readonly (readonly string[])[];
  /**
   * Numeric range indexes (needs `capabilities.rangeQueries`): fields that `find` can filter with
   * `{ lt, lte, gt, gte }`, ordered by the field ascending, then id. Only documents whose value is
   * a finite number are in a range index. Range fields are also equality indexes.
   */
  ranges?: readonly string[];
}

/** Options for reads and deletes. */
export interface TenantOptions {
  /** The tenant; defaults to `'default'`. Nothing ever crosses tenants. */
  tenantId?: string;
}

/** Options for `put`. */
export interface PutOptions {
  /**
   * Optimistic concurrency: the version the caller last saw. `0` means "must not exist yet".
   * A mismatch throws `ThreadlineError` code `CONFLICT` and writes nothing. Omit to overwrite.
   */
  expectedVersion?: number;
  /**
   * Write only under a lease (needs `capabilities.fencing`): the store checks that `fence.token`
   * is still the lease's current token, atomically with the write; a stale token is `CONFLICT`
   * naming the lease (`details.lease`) and writes nothing. Inside a transaction the check holds
   * until commit.
   */
  fence?: LeaseFence;
}

/**
 * Options for `putMany`. Version checks are per document: `expectedVersions[i]` applies to
 * `documents[i]` (`undefined` in a slot: overwrite that one), or `expectedVersion` applies to
 * every document (`0`: all must be new). Giving both is `VALIDATION`.
 */
export interface PutManyOptions {
  /** One expected version for every document (`0` means "none of them may exist yet"). */
  expectedVersion?: number;
  /**
   * One slot per document, in order: the version the caller last saw, `0` for "must not exist
   * yet", `undefined` to overwrite. A length other than `documents.length` is `VALIDATION`.
   */
  expectedVersions?: readonly (number | undefined)[];
  /** Write only under a lease, as for `put` (needs `capabilities.fencing`). */
  fence?: LeaseFence;
}

/** Options for `transaction`. */
export interface TransactionOptions {
  /**
   * Commit only under a lease (needs `capabilities.fencing`): every write of the transaction —
   * documents, appends, outbox rows — commits only while `fence.token` is the lease's current
   * token; otherwise the transaction throws `CONFLICT` naming the lease and writes nothing.
   */
  fence?: LeaseFence;
}

/** Options for `delete`. */
export interface DeleteOptions extends TenantOptions {
  /** Delete only if the document is at this version (else `CONFLICT`). */
  expectedVersion?: number;
}

/**
 * Bounds of a range condition on a declared range index: any of `lt`, `lte`, `gt`, `gte`
 * (finite numbers, at least one), combined with AND — `{ gte: a, lt: b }` is `a <= x < b`.
 */
export interface RangeCondition {
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
}

/** A `where` value: equality with a scalar, or a range on a declared range index. */
export type WhereValue = string | number | boolean | null | RangeCondition;

/**
 * A `find` query: equality on declared indexed fields and at most one range condition on a
 * declared range index, with keyset pagination. Results are ordered by id, or, when the query has
 * a range condition, by that field ascending and then id.
 */
export interface FindQuery extends TenantOptions {
  /**
   * Field path → value; every pair must match (AND). Every field must be declared as an index;
   * a {@link RangeCondition} needs a field declared in `ranges` (else `VALIDATION` naming
   * `where.<field>`).
   */
  where?: Readonly<Record<string, WhereValue>>;
  /** Page size, 1–1000 (default 100). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of `find` results. `nextCursor` is absent on the last page. */
export interface FindPage<T extends StoredDocument = StoredDocument> {
  items: T[];
  nextCursor?: string;
}

/** The event-log operations available inside a transaction: staged, committed with the documents. */
export type TransactionEventLog = Pick<EventLog, 'append' | 'readStream' | 'streamVersion'>;

/** What a transaction callback receives: the same ports, bound to the transaction. */
export interface TransactionContext {
  documents: DocumentStore;
  outbox: OutboxWriter;
  /**
   * Appends that commit (or roll back) with the documents and outbox rows, when the store belongs
   * to a storage bundle with an event log (e.g. `createMemoryStorage()`); absent otherwise. Inside
   * the transaction, `readStream`/`streamVersion` see the transaction's own appends; an
   * `AppendResult`'s positions are final once `transaction` resolves.
   */
  events?: TransactionEventLog;
}

/**
 * The document-store port: collections of JSON documents per tenant with optimistic
 * concurrency, equality `find` on declared indexes and (where supported) transactions.
 */
export interface DocumentStore {
  /** Adapter name for diagnostics (e.g. `memory`, `postgres`). */
  readonly name: string;
  /** What the adapter guarantees. */
  readonly capabilities: AdapterCapabilities;
  /**
   * Declares (or extends) a collection's indexes. Idempotent. Declaring a unique index that the
   * stored documents already violate is `CONFLICT` (naming the index) and changes nothing.
   */
  defineCollection(collection: string, definition: CollectionDefinition): Promise<void>;
  /** Reads one document, or `undefined`. */
  get<T extends StoredDocument = StoredDocument>(
    collection: string,
    id: string,
    options?: TenantOptions,
  ): Promise<T | undefined>;
  /** Reads many documents; the result has one slot per id, in order (`undefined` when missing). */
  getMany<T extends StoredDocument = StoredDocument>(
    collection: string,
    ids: readonly string[],
    options?: TenantOptions,
  ): Promise<(T | undefined)[]>;
  /** Writes a document and returns it with its new version. */
  put<T extends StoredDocument = StoredDocument>(
    collection: string,
    document: DocumentInput,
    options?: PutOptions,
  ): Promise<T>;
  /**
   * Writes several documents of one collection atomically: every document is stored, or none is.
   * Returns the stored documents (with their new versions) in input order; they may share nested
   * values with the input documents, so treat both as read-only afterwards. Each (tenant, id) may
   * appear once per call (`VALIDATION` otherwise). A bad document is `VALIDATION` with the path
   * under `documents.<i>`; a version mismatch is `CONFLICT` naming the document
   * (`details.collection`, `details.id`, `details.expectedVersion`, `details.actualVersion`); a
   * unique-index violation, against stored documents or between two documents of the call, is
   * `CONFLICT` naming the index (`details.index`). Inside a transaction (`tx.documents.putMany`)
   * the writes commit or roll back with the transaction; a failed `putMany` there writes nothing
   * and leaves the transaction usable, as a failed `put` does.
   *
   * Optional: adapters that predate it keep working, and callers that cannot tell should use
   * core's `putMany(store, …)` helper, which falls back to `put` (see there).
   */
  putMany?<T extends StoredDocument = StoredDocument>(
    collection: string,
    documents: readonly DocumentInput[],
    options?: PutManyOptions,
  ): Promise<T[]>;
  /** Deletes a document; resolves `true` if it existed. */
  delete(collection: string, id: string, options?: DeleteOptions): Promise<boolean>;
  /** Finds documents by indexed fields (and one range), ordered by id or the range field, with cursor pagination. */
  find<T extends StoredDocument = StoredDocument>(
    collection: string,
    query?: FindQuery,
  ): Promise<FindPage<T>>;
  /**
   * Runs `fn` atomically (only when `capabilities.transactions`): its document writes, outbox
   * entries and event appends (`tx.events`) commit together, or none do if it throws (the error
   * is rethrown). Unique indexes are checked against the committed state at commit too. With
   * `options.fence`, the whole transaction is fenced (see {@link TransactionOptions}).
   */
  transaction?<R>(fn: (tx: TransactionContext) => Promise<R>, options?: TransactionOptions): Promise<R>;
  /** Releases resources. */
  close?(): Promise<void>;
}
