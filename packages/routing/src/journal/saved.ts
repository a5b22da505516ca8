import { type DocumentStore, ThreadlineError } from '@threadline/core';
import { declareRoutingPersonalData, snapshotCustomerIds } from '../personalData.js';
import type { RoutingSnapshot } from '../snapshot.js';
import type { RoutingState } from '../state.js';
import { SNAPSHOT_COLLECTION } from './journal.js';

/**
 * `save()`: writes a snapshot to `routing_snapshots` under `id`. A copy on demand, apart from the
 * journal's own snapshot (`journal:<engineId>`, which `recover()` reads).
 */
export async function saveSnapshot(s: RoutingState, id: string, snapshot: RoutingSnapshot): Promise<void> {
  // `customerIds`: what erasure finds the snapshot by (it deletes snapshots naming the customer).
  const customerIds = snapshotCustomerIds(snapshot.tasks);
  await declareRoutingPersonalData(requireStore(s));
  await requireStore(s).put(SNAPSHOT_COLLECTION, { id, tenantId: s.tenantId, customerIds, snapshot });
}

/** `load()`: the snapshot `save()` wrote under `id`, or `undefined`. */
export async function readSavedSnapshot(s: RoutingState, id: string): Promise<RoutingSnapshot | undefined> {
  const doc = await requireStore(s).get(SNAPSHOT_COLLECTION, id, { tenantId: s.tenantId });
  return doc === undefined ? undefined : (doc.snapshot as RoutingSnapshot);
}

function requireStore(s: RoutingState): DocumentStore {
  if (!s.store)
    throw new ThreadlineError(
      'CONFIG',
      'This routing engine was created without storage: pass `storage` to createRoutingEngine',
      { issues: [{ path: ['storage'], message: 'required for save and load', code: 'invalid_type' }] },
    );
  return s.store;
}

/** The `CONFIG` error of `recover()` on an engine without a journal. */
export function requireJournal(): ThreadlineError {
  return new ThreadlineError(
    'CONFIG',
    'This routing engine has no journal: pass `storage` (and not journal: false) to createRoutingEngine',
    { issues: [{ path: ['storage'], message: 'required for recover', code: 'invalid_type' }] },
  );
}
