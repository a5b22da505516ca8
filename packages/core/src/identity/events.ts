import type { Clock } from '../clock.js';
import { createEvent, type EventUnion } from '../events.js';
import type { IdGenerator } from '../ids.js';
import type { IdentityConflictKind, MergeEvidence } from './records.js';

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
  /** Blocking changed for every identity with this key (aggregate: the key). */
  'identity.blocked': { key: string; blocked: boolean; identityIds: string[]; actorId: string };
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

/** Publishes committed events, when a bus is configured. */
export async function publishEvents(
  bus: IdentityEventPublisher | undefined,
  events: readonly IdentityEvent[],
): Promise<void> {
  if (bus && events.length > 0) await bus.publish(events);
}
