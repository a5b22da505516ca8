import type { EventEnvelope } from '../events.js';
import type { DocumentInput, DocumentStore, StoredDocument } from '../ports/documentStore.js';

/** One staged write: a put (create when `prior` is absent) with its optimistic version check. */
export interface StagedWrite {
  collection: string;
  document: DocumentInput;
  /** The document as read before the change (absent for creations). */
  prior?: StoredDocument;
}

function withoutVersion(doc: StoredDocument): DocumentInput {
  const { version: _v, ...rest } = doc;
  return rest as DocumentInput;
}

/**
 * Commits staged writes all-or-nothing: inside `store.transaction` when the adapter has
 * transactions; otherwise one by one, and on failure the writes already made are undone
 * (priors put back, creations deleted) before the error is rethrown. Every put checks the version
 * it was planned against (`0` for creations), so a concurrent change surfaces as `CONFLICT`.
 * With `outboxEvents` (only given when the store has transactions), the events built from the
 * stored documents are added to the outbox inside the same transaction: both or neither.
 */
export async function commitWrites(
  store: DocumentStore,
  writes: readonly StagedWrite[],
  outboxEvents?: (stored: StoredDocument[]) => readonly EventEnvelope[],
): Promise<StoredDocument[]> {
  if (writes.length === 0) return [];
  if (store.capabilities.transactions && store.transaction) {
    return store.transaction(async (tx) => {
      const out: StoredDocument[] = [];
      for (const w of writes) {
        out.push(
          await tx.documents.put(w.collection, w.document, { expectedVersion: w.prior?.version ?? 0 }),
        );
      }
      const events = outboxEvents?.(out) ?? [];
      if (events.length > 0) await tx.outbox.add(events);
      return out;
    });
  }
  const done: { write: StagedWrite; stored: StoredDocument }[] = [];
  try {
    for (const w of writes) {
      const stored = await store.put(w.collection, w.document, { expectedVersion: w.prior?.version ?? 0 });
      done.push({ write: w, stored });
    }
  } catch (error) {
    for (const { write, stored } of done.reverse()) {
      try {
        if (write.prior) {
          await store.put(write.collection, withoutVersion(write.prior), { expectedVersion: stored.version });
        } else {
          await store.delete(write.collection, write.document.id, {
            tenantId: write.document.tenantId ?? 'default',
            expectedVersion: stored.version,
          });
        }
      } catch {
        // A concurrent writer touched the document after us; its write wins and the original error
        // below still tells the caller the operation failed.
      }
    }
    throw error;
  }
  return done.map((d) => d.stored);
}
