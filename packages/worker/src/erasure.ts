import { CASES_COLLECTION } from '@threadline/cases';
import { type CustomerErasedNotice, type DocumentStore, isThreadlineError } from '@threadline/core';
import { partitionOf } from './partition.js';

/**
 * The held partitions whose engines may hold an erased customer in memory: the partition running
 * the tenant's routing engine (its journal stream was fenced by the erasure, so it must recover
 * before it can commit again), and the partitions of the customer's cases (found by the cases'
 * `customerId` index: the case engine of a partition holds the cases whose id hashes to it).
 */
export async function partitionsHoldingCustomer(
  documents: DocumentStore,
  notice: CustomerErasedNotice,
  layout: { partitions: number; tenants: readonly string[]; held: readonly number[] },
): Promise<number[]> {
  const held = new Set(layout.held);
  const out = new Set<number>();
  if (!layout.tenants.includes(notice.tenantId)) return [];
  const routing = partitionOf(notice.tenantId, layout.partitions);
  if (held.has(routing)) out.add(routing);
  await documents.defineCollection(CASES_COLLECTION, { indexes: ['customerId'] });
  for (const customerId of notice.customerIds) {
    let cursor: string | undefined;
    do {
      const page = await documents.find(CASES_COLLECTION, {
        tenantId: notice.tenantId,
        where: { customerId },
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const c of page.items) {
        const p = partitionOf(c.id, layout.partitions);
        if (held.has(p)) out.add(p);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * A block refused because a journal stream moved under the engine without the lease moving: an
 * erasure fenced it (core's `STREAM_FENCED_EVENT_TYPE`). The partition recovers at once under the lease it
 * still holds (nothing it held in memory was written), and the block's commands are applied again
 * when redelivered. A `CONFLICT` naming a lease is fencing by another node, not this.
 */
export function isStreamConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (isThreadlineError(e, 'CONFLICT')) {
      if (typeof e.details?.lease === 'string') return false;
      if (/stream/i.test(e.message)) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
