import type { Clock } from '../clock.js';
import type { DeliveryErrorHandler } from '../delivery.js';
import { createEvent, type EventUnion } from '../events.js';
import type { IdGenerator } from '../ids.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import type { IdentityConflictKind, MergeEvidence } from './records.js';
import { commitWrites, type StagedWrite } from './writes.js';

/** Payloads of the events the identity service publishes, by event type. */
export type IdentityEventMap = {
  /** A customer was created by `resolve` (aggregate: the customer). */
  'customer.created': { customerId: string; keys: string[]; source: 'resolve' };
  /** A customer was merged into another (aggregate: the survivor). */
  'customer.merged': {
    mergeId: string;
    survivorId: string;
    mergedId: string;
    reason: string;
    evidence: MergeEvidence[];
    actorId: string;
    identityIds: string[];
    conversationIds: string[];
  };
  /** A merge was reverted (aggregate: the survivor). */
  'customer.unmerged': {
    mergeId: string;
    survivorId: string;
    mergedId: string;
    actorId: string;
    reason?: string;
    identityIds: string[];
    conversationIds: string[];
  };
  /** A new identity was attached to a customer (aggregate: the identity). */
  'identity.attached': {
    customerId: string;
    identityId: string;
    key: string;
    verified: boolean;
    blocked: boolean;
  };
  /**
   * Blocking changed for every identity with this key (aggregate: `identity_key`, id the key's
   * digest `sha256:<hex>`); `customerIds` are the customers holding it.
   */
  'identity.blocked': {
    key: string;
    blocked: boolean;
    identityIds: string[];
    customerIds: string[];
    actorId: string;
  };
  /** A conflict was found, or found again (aggregate: the conflict record). */
  'identity.conflict_detected': {
    conflictId: string;
    kind: IdentityConflictKind;
    customerIds: string[];
    keys: string[];
    limit?: string;
    detail: string;
    occurrences: number;
  };
  /** A reviewer closed a conflict (aggregate: the conflict record). */
  'identity.conflict_resolved': {
    conflictId: string;
    /** The customers of the conflict. */
    customerIds: string[];
    status: 'resolved' | 'dismissed';
    resolution?: string;
    actorId: string;
  };
};

/** Discriminated union of identity events. */
export type IdentityEvent = EventUnion<IdentityEventMap>;

/** Something the identity service publishes events to (an `EventBus` fits). */
export interface IdentityEventPublisher {
  publish(events: readonly IdentityEvent[]): Promise<void>;
}

/** Builds one identity event envelope stamped by the context's clock and ids. */
export function identityEvent<T extends keyof IdentityEventMap & string>(
  ctx: { clock: Clock; ids: IdGenerator },
  type: T,
  tenantId: string,
  aggregate: { type: string; id: string; version: number },
  payload: IdentityEventMap[T],
  correlationId: string | undefined,
): IdentityEvent {
  return createEvent(
    { clock: ctx.clock, ids: ctx.ids },
    {
      type,
      tenantId,
      aggregateType: aggregate.type,
      aggregateId: aggregate.id,
      version: aggregate.version,
      payload,
      ...(correlationId ? { correlationId } : {}),
    },
  ) as IdentityEvent;
}

/** Where identity events go after a commit, and what happened to them (part of the context). */
export interface IdentityDelivery {
  readonly bus: IdentityEventPublisher | undefined;
  /** Set when the storage has transactions and an outbox: events are committed with the documents. */
  readonly outbox: boolean;
  readonly onError: DeliveryErrorHandler<IdentityEvent> | undefined;
  publishFailures: number;
}

/**
 * Commits staged writes with the events they produce. With an outbox, the events are added to
 * it in the same transaction (a relay publishes them) and nothing is left to publish; otherwise
 * they are built from the committed documents and returned, for {@link publishEvents} once the
 * operation is done.
 */
export async function commitWithEvents(
  ctx: { store: DocumentStore; delivery: IdentityDelivery },
  writes: readonly StagedWrite[],
  build: (stored: StoredDocument[]) => IdentityEvent[],
): Promise<{ stored: StoredDocument[]; pending: IdentityEvent[] }> {
  if (ctx.delivery.outbox) {
    const stored = await commitWrites(ctx.store, writes, build);
    return { stored, pending: [] };
  }
  const stored = await commitWrites(ctx.store, writes);
  return { stored, pending: build(stored) };
}

/**
 * Publishes events whose documents are already committed, when a bus is configured. A bus that
 * throws or rejects does not fail the operation (the data is committed: throwing would make
 * callers retry and duplicate work): the failure is counted and passed to `onError`.
 */
export async function publishEvents(
  delivery: IdentityDelivery,
  events: readonly IdentityEvent[],
): Promise<void> {
  if (!delivery.bus || events.length === 0) return;
  try {
    await delivery.bus.publish(events);
  } catch (error) {
    delivery.publishFailures++;
    try {
      delivery.onError?.(error, { source: 'bus', events });
    } catch {
      // Nowhere left to report to; the counter holds the failure.
    }
  }
}
