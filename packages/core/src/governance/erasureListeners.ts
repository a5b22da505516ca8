import type { Unsubscribe } from '../bus.js';
import type { DocumentStore } from '../ports/documentStore.js';

/**
 * What a running engine learns when a customer is erased from the store it uses: who, and how
 * erasure rewrites what refers to them, so that the engine's memory (and what it has not
 * committed yet) ends up as the store does.
 */
export interface CustomerErasureNotice {
  tenantId: string;
  /** The erased customer and every declared alias of it (customers merged into it, …). */
  customerIds: ReadonlySet<string>;
  /** Whether erasure redacts personal data in every string of a matching payload. */
  redactStrings: boolean;
  /**
   * Redacts one string as erasure does (the customer's identifying values, then e-mail
   * addresses, phone numbers and the other detectors by shape).
   */
  redactText(text: string): string;
  /** True when an event (a log entry: with its `streamId`) refers to an erased customer. */
  matches(event: { type: string; aggregateId: string; payload: unknown; streamId?: string }): boolean;
  /** The payload of a matching event as erasure rewrites it (a copy; the event is not changed). */
  rewrite(event: { type: string; payload: unknown }): unknown;
  /**
   * Tells the erasure that the writer of `streamId` heard it here and rewrote what it holds:
   * the stream is then not fenced (see `fence` in `declarePersonalData`'s streams), and its
   * writer keeps committing without a `CONFLICT`.
   */
  claimStream(streamId: string): void;
}

/**
 * Called by the erasure service before it rewrites the store. It may return a promise (the
 * erasure waits, e.g. for a commit in flight to land so the store scan finds it); a rejection
 * fails the erasure, which can be called again (every step is idempotent).
 */
export type CustomerErasureListener = (notice: CustomerErasureNotice) => void | Promise<void>;

/**
 * Listeners per document store object. Scoped to the store the engine and the erasure service
 * share (not a process-wide default): a store nobody references any more takes its listeners
 * with it.
 */
const listeners = new WeakMap<DocumentStore, Set<CustomerErasureListener>>();

/**
 * Registers a running engine's erasure hook on a document store: every
 * `createErasureService({ storage })` erasing on that same store object calls it, before it
 * rewrites the store, so the engine can drop the customer's data from memory and from what it
 * has not committed yet. In-process only: an engine in another process learns nothing and
 * `recover()`s from the erased store. Returns the unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onCustomerErasure(storage.documents, async (notice) => {
 *   for (const id of notice.customerIds) cache.delete(id);
 * });
 * stop();
 * ```
 */
export function onCustomerErasure(store: DocumentStore, listener: CustomerErasureListener): Unsubscribe {
  let set = listeners.get(store);
  if (set === undefined) {
    set = new Set();
    listeners.set(store, set);
  }
  const mine = set;
  // A wrapper per registration: the same function registered twice is two hooks, each removable.
  const entry: CustomerErasureListener = (notice) => listener(notice);
  mine.add(entry);
  return () => {
    mine.delete(entry);
  };
}

/**
 * Calls every hook registered on `store`, one after the other, and waits for each; the first
 * rejection is rethrown after every hook ran (internal to the erasure service).
 */
export async function notifyCustomerErasure(
  store: DocumentStore,
  notice: CustomerErasureNotice,
): Promise<void> {
  const set = listeners.get(store);
  if (set === undefined || set.size === 0) return;
  let failure: { error: unknown } | undefined;
  for (const listener of [...set]) {
    try {
      await listener(notice);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}
