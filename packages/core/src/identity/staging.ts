import type { AuditEntry } from '../ports/audit.js';
import type { DocumentInput, DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { findAllDocuments } from '../ports/findAll.js';
import { commitWithEvents, type IdentityDelivery, type IdentityEvent } from './events.js';
import type { StagedWrite } from './writes.js';

type Where = Record<string, string | number | boolean | null>;

const NUL = '\u0000';

/** True when `doc` satisfies every equality of `where` (array fields match on any element, as stores index them). */
function matchesWhere(doc: StoredDocument, where: Where): boolean {
  for (const [path, want] of Object.entries(where)) {
    let v: unknown = doc;
    for (const p of path.split('.'))
      v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
    if (Array.isArray(v) ? !v.includes(want) : v !== want) return false;
  }
  return true;
}

/**
 * One command's changes, staged before anything is written: reads see the store with the staged
 * documents laid over it (so a later step of the same command plans from what earlier steps
 * changed), each staged put carries the version it was planned against, and the version the
 * store will assign is known up front (`prior.version + 1`, the port's contract), so events and
 * audit entries are built before the single commit.
 */
export class Staging {
  readonly writes: StagedWrite[] = [];
  readonly events: IdentityEvent[] = [];
  /** Audit entries to record once the commit succeeded. */
  readonly audits: Omit<AuditEntry, 'id' | 'at' | 'outcome'>[] = [];
  readonly #latest = new Map<string, StoredDocument>();

  constructor(
    readonly store: DocumentStore,
    readonly tenantId: string,
  ) {}

  /** Stages a put of `document` over `prior` (the document as this command last saw it; absent for creations). */
  put<T extends StoredDocument>(collection: string, document: DocumentInput, prior?: StoredDocument): T {
    this.writes.push(prior === undefined ? { collection, document } : { collection, document, prior });
    const stored = { ...document, tenantId: this.tenantId, version: (prior?.version ?? 0) + 1 } as T;
    this.#latest.set(`${collection}${NUL}${document.id}`, stored);
    return stored;
  }

  /** One document as this command sees it. */
  async get<T extends StoredDocument>(collection: string, id: string): Promise<T | undefined> {
    const staged = this.#latest.get(`${collection}${NUL}${id}`);
    if (staged) return staged as T;
    return this.store.get<T>(collection, id, { tenantId: this.tenantId });
  }

  /** Several documents as this command sees them, in order. */
  async getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<(T | undefined)[]> {
    if (this.#latest.size === 0) return this.store.getMany<T>(collection, ids, { tenantId: this.tenantId });
    const missing = ids.filter((id) => !this.#latest.has(`${collection}${NUL}${id}`));
    const read =
      missing.length === 0
        ? []
        : await this.store.getMany<T>(collection, missing, { tenantId: this.tenantId });
    const fromStore = new Map(missing.map((id, i) => [id, read[i]]));
    return ids.map(
      (id) => (this.#latest.get(`${collection}${NUL}${id}`) as T | undefined) ?? fromStore.get(id),
    );
  }

  /** Every document matching `where` (declared indexes) as this command sees them, ordered by id. */
  async findAll<T extends StoredDocument>(collection: string, where: Where): Promise<T[]> {
    const stored = await findAllDocuments<T>(this.store, collection, this.tenantId, where);
    if (this.#latest.size === 0) return stored;
    const prefix = `${collection}${NUL}`;
    const out = stored.filter((d) => !this.#latest.has(prefix + d.id));
    for (const [key, doc] of this.#latest) {
      if (key.startsWith(prefix) && matchesWhere(doc, where)) out.push(doc as T);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The first matching document (by id), or `undefined`. */
  async findFirst<T extends StoredDocument>(collection: string, where: Where): Promise<T | undefined> {
    if (this.#latest.size === 0) {
      const page = await this.store.find<T>(collection, { tenantId: this.tenantId, where, limit: 1 });
      return page.items[0];
    }
    return (await this.findAll<T>(collection, where))[0];
  }
}

/**
 * Commits everything staged in one go: documents and (with an outbox) their events in one
 * transaction when the store has transactions, all-or-nothing by compensation otherwise. Returns
 * the events still to publish (none when they went to the outbox).
 */
export async function commitStaging(
  ctx: { store: DocumentStore; delivery: IdentityDelivery },
  staging: Staging,
): Promise<IdentityEvent[]> {
  const { pending } = await commitWithEvents(ctx, staging.writes, () => staging.events);
  return pending;
}
