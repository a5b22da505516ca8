import type { AdapterCapabilities } from './capabilities.js';
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

/** Declares a collection and the fields `find` may filter on. */
export interface CollectionDefinition {
  /**
   * Dotted field paths that `find` can filter on by equality (e.g. `customerId`,
   * `profile.email`). When a field holds an array, every element is indexed.
   */
  indexes: readonly string[];
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
}

/** Options for `delete`. */
export interface DeleteOptions extends TenantOptions {
  /** Delete only if the document is at this version (else `CONFLICT`). */
  expectedVersion?: number;
}

/** A `find` query: equality on declared indexed fields, keyset pagination ordered by id. */
export interface FindQuery extends TenantOptions {
  /** Field path → value; every pair must match (AND). Every field must be declared as an index. */
  where?: Readonly<Record<string, string | number | boolean | null>>;
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

/** What a transaction callback receives: the same ports, bound to the transaction. */
export interface TransactionContext {
  documents: DocumentStore;
  outbox: OutboxWriter;
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
  /** Declares (or extends) a collection's indexes. Idempotent. */
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
  /** Deletes a document; resolves `true` if it existed. */
  delete(collection: string, id: string, options?: DeleteOptions): Promise<boolean>;
  /** Finds documents by indexed fields, ordered by id, with cursor pagination. */
  find<T extends StoredDocument = StoredDocument>(
    collection: string,
    query?: FindQuery,
  ): Promise<FindPage<T>>;
  /**
   * Runs `fn` atomically (only when `capabilities.transactions`): its document writes and outbox
   * entries commit together, or none do if it throws.
   */
  transaction?<R>(fn: (tx: TransactionContext) => Promise<R>): Promise<R>;
  /** Releases resources. */
  close?(): Promise<void>;
}
