import {
  type DocumentStore,
  type EventBus,
  isThreadlineError,
  onCustomerErased,
  type StoredDocument,
  ThreadlineError,
} from '@threadline/core';
import { freeze, type Patch } from 'immer';
import type { Case, CaseAuditEntry } from '../case.js';
import { auditEntry } from './audit.js';
import type { CaseEntry, EngineState } from './state.js';

/** The case fields that hold a customer's personal data, and that an erasure may rewrite. */
export const PERSONAL_FIELDS = ['subject', 'attributes', 'customer'] as const;

/** Attempts at a write whose stored version keeps moving before giving up (`CONFLICT`). */
const MAX_ATTEMPTS = 3;

/**
 * Writes a case document without overwriting a newer stored version. The engine remembers the
 * version it last wrote; when the stored version moved (someone else wrote the document, such
 * as core's `eraseCustomer`), the stored personal fields are adopted into every in-memory copy
 * of the case (current case, earlier versions, audit patches) and the document is rebuilt from
 * the scrubbed state, so an erased subject is never written back (nor by writes queued before).
 */
export async function writeCase(
  store: DocumentStore,
  entry: CaseEntry,
  build: () => StoredDocument,
  first: StoredDocument,
  scrubsAtBuild: number | undefined,
): Promise<void> {
  // A document built before an earlier write adopted an erasure still holds the erased data.
  let doc = entry.scrubs === scrubsAtBuild ? first : build();
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await store.put(
        'cases',
        doc,
        entry.storedVersion === undefined ? undefined : { expectedVersion: entry.storedVersion },
      );
      entry.storedVersion = written.version;
      return;
    } catch (error) {
      if (!isThreadlineError(error) || error.code !== 'CONFLICT' || attempt >= MAX_ATTEMPTS) throw error;
      const stored = await store.get('cases', doc.id, { tenantId: doc.tenantId as string });
      if (stored === undefined) {
        throw new ThreadlineError('CONFLICT', `Case ${doc.id} was deleted from the store`, {
          cause: error,
          details: { caseId: doc.id, tenantId: doc.tenantId },
        });
      }
      adoptPersonalFields(entry, stored as unknown as Partial<Case>);
      entry.storedVersion = stored.version;
      doc = build();
    }
  }
}

/**
 * Replaces the personal fields of every in-memory copy of the case with the stored values where
 * they differ. The stored value wins even over a change the engine made since its last write:
 * a document rewritten behind the engine's back is an erasure, and erased data must not return.
 */
export function adoptPersonalFields(entry: CaseEntry, stored: Partial<Case>): void {
  const current = entry.sla.case as unknown as Record<string, unknown>;
  const changed = PERSONAL_FIELDS.filter(
    (f) => f in stored && JSON.stringify(stored[f]) !== JSON.stringify(current[f]),
  );
  if (changed.length === 0) return;
  entry.scrubs = (entry.scrubs ?? 0) + 1;
  const values = Object.fromEntries(changed.map((f) => [f, structuredClone(stored[f])]));
  const copies = new Map<Case, Case>();
  const scrub = (c: Case): Case => {
    let out = copies.get(c);
    if (out === undefined) {
      out = freeze({ ...c, ...values } as Case, true);
      copies.set(c, out);
    }
    return out;
  };
  entry.opened = scrub(entry.opened);
  entry.sla.case = scrub(entry.sla.case);
  if (entry.audit !== undefined) {
    const scrubPatches = (patches: readonly Patch[]): Patch[] =>
      patches.map((p) =>
        typeof p.path[0] === 'string' && p.path[0] in values
          ? { op: 'replace', path: [p.path[0]], value: values[p.path[0]] }
          : p,
      );
    entry.audit = entry.audit.map(auditEntry).map(
      (a): CaseAuditEntry => ({
        ...a,
        patches: scrubPatches(a.patches),
        inversePatches: scrubPatches(a.inversePatches),
      }),
    );
  }
}

/**
 * A customer was erased by another process (a `customer.erased` event): every case of the
 * tenant in memory whose `customerId` is one of the erased ids adopts the stored (erased)
 * personal fields — current case, earlier versions, audit patches — so the engine's memory holds
 * what the store does, and its next write (built from memory) carries none of it. The stored
 * version is adopted too: the erasure's rewrite is the only change behind the engine's back.
 * Returns how many cases adopted.
 */
export async function adoptErasedCases(
  s: EngineState,
  notice: { tenantId: string; customerIds: ReadonlySet<string> },
): Promise<number> {
  const storage = s.durable;
  const byId = s.cases.get(notice.tenantId);
  if (storage === undefined || byId === undefined) return 0;
  const entries = [...byId.values()].filter((e) => notice.customerIds.has(e.sla.case.customerId));
  if (entries.length === 0) return 0;
  const stored = await storage.documents.getMany(
    'cases',
    entries.map((e) => e.sla.case.id),
    { tenantId: notice.tenantId },
  );
  let adopted = 0;
  entries.forEach((entry, i) => {
    const doc = stored[i];
    if (doc === undefined) return;
    adoptPersonalFields(entry, doc as unknown as Partial<Case>);
    if (entry.storedVersion !== undefined && doc.version > entry.storedVersion)
      entry.storedVersion = doc.version;
    adopted++;
  });
  return adopted;
}

/**
 * Hears erasures made by other processes on the engine's bus (`customer.erased`, delivered at
 * least once by the outbox relay; redeliveries dropped by event id) and adopts the erased case
 * documents. The hook holds the engine's state weakly.
 */
export function hookErasedCases(owner: object, s: EngineState, bus: EventBus | undefined): void {
  if (bus === undefined || s.durable === undefined || typeof bus.subscribe !== 'function') return;
  const ref = new WeakRef(s);
  const stop = onCustomerErased(bus, async (notice) => {
    const live = ref.deref();
    if (live !== undefined) await adoptErasedCases(live, notice);
  });
  unhook.register(owner, stop);
}

const unhook = new FinalizationRegistry<() => void>((stop) => stop());
