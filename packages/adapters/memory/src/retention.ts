import { type Clock, type StoredDocument, SystemClock, ThreadlineError } from '@threadline/core';
import type { Collection } from './collection.js';

/**
 * How long closed conversations stay in a memory store. A conversation document whose `status` is
 * `'closed'` is removed, with every document of the messages collection whose `conversationId`
 * is its id, once `closedForMs` have passed on the store's clock since its `closedAt` (or, without
 * a numeric `closedAt`, since the write that closed it).
 */
export interface ClosedConversationRetention {
  /** Milliseconds a closed conversation and its messages are kept after it closed (≥ 0). */
  closedForMs: number;
  /** The conversations collection (default `conversations`, the identity service's and context assembler's). */
  collection?: string;
  /** The messages collection, matched by its `conversationId` field (default `messages`). */
  messagesCollection?: string;
}

/**
 * What a memory store forgets, and when. Without it (the default) the store keeps every document
 * until it is deleted.
 */
export interface MemoryRetentionOptions {
  /** Closed conversations and their messages leave the store a while after they closed. */
  closedConversations?: ClosedConversationRetention;
}

/** A closed conversation waiting for its time: the version that closed it and when it may go. */
interface Due {
  at: number;
  tenantId: string;
  id: string;
  version: number;
}

function invalid(path: string[], message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid retention options: ${message}`, {
    issues: [{ path, message, code: 'invalid_retention' }],
  });
}

/** Checks retention options; `VALIDATION` (issue code `invalid_retention`) with the field's path. */
export function checkRetention(options: unknown): MemoryRetentionOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalid(['retention'], 'expected an object');
  const closed = (options as MemoryRetentionOptions).closedConversations;
  if (closed === undefined) return {};
  const base = ['retention', 'closedConversations'];
  if (typeof closed !== 'object' || closed === null || Array.isArray(closed))
    throw invalid(base, 'expected an object');
  const ms = closed.closedForMs;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0)
    throw invalid([...base, 'closedForMs'], 'expected an integer number of milliseconds ≥ 0');
  for (const key of ['collection', 'messagesCollection'] as const) {
    const v = closed[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0))
      throw invalid([...base, key], 'expected a collection name');
  }
  return { closedConversations: closed };
}

/**
 * Evicts closed conversations and their messages after the retention window. Writes to the
 * conversations collection are noted as they happen; `sweep` removes what is due. A conversation
 * written again after it closed (reopened, moved by a merge, closed again) is judged by its latest
 * version only.
 */
export class ClosedConversationSweeper {
  readonly conversations: string;
  readonly messages: string;
  readonly #keepMs: number;
  readonly #clock: Clock;
  readonly #collection: (name: string) => Collection;
  /** A binary min-heap on `at`. */
  readonly #due: Due[] = [];

  constructor(
    options: ClosedConversationRetention,
    clock: Clock | undefined,
    collection: (name: string) => Collection,
  ) {
    this.conversations = options.collection ?? 'conversations';
    this.messages = options.messagesCollection ?? 'messages';
    this.#keepMs = options.closedForMs;
    this.#clock = clock ?? new SystemClock();
    this.#collection = collection;
  }

  /** How many closed conversations are waiting for their window to pass. */
  get pending(): number {
    return this.#due.length;
  }

  /** Forgets every noted conversation (the store is being replaced by a snapshot). */
  clear(): void {
    this.#due.length = 0;
  }

  /** Called for every document written to the conversations collection. */
  noteWrite(doc: StoredDocument): void {
    if (doc.status !== 'closed') return;
    const closedAt =
      typeof doc.closedAt === 'number' && Number.isFinite(doc.closedAt) ? doc.closedAt : this.#clock.now();
    this.#push({ at: closedAt + this.#keepMs, tenantId: doc.tenantId, id: doc.id, version: doc.version });
  }

  /** Removes every closed conversation whose window has passed, with its messages; returns how many. */
  sweep(): number {
    const heap = this.#due;
    if (heap.length === 0 || (heap[0] as Due).at > this.#clock.now()) return 0;
    const now = this.#clock.now();
    const conversations = this.#collection(this.conversations);
    let evicted = 0;
    while (heap.length > 0 && (heap[0] as Due).at <= now) {
      const due = this.#pop();
      const slice = conversations.slice(due.tenantId, false);
      const current = slice?.docs.get(due.id);
      // Rewritten since it closed: its latest write decides (and was noted if it closed again).
      if (!slice || !current || current.version !== due.version) continue;
      slice.remove(due.id);
      evicted++;
      const messages = this.#collection(this.messages).slice(due.tenantId, false);
      const ids = messages?.indexes.get('conversationId')?.get(due.id)?.ids;
      if (messages && ids) for (const id of [...ids]) messages.remove(id);
    }
    return evicted;
  }

  #push(entry: Due): void {
    const heap = this.#due;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Due).at <= entry.at) break;
      heap[i] = heap[parent] as Due;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): Due {
    const heap = this.#due;
    const top = heap[0] as Due;
    const last = heap.pop() as Due;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && (heap[r] as Due).at < (heap[l] as Due).at ? r : l;
      if ((heap[child] as Due).at >= last.at) break;
      heap[i] = heap[child] as Due;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
