import type { EventEnvelope, EventPattern, EventUnion } from '@threadline/core';
import type { DecisionTrace } from './explain.js';
import type { HandoffPacket } from './handoff/packet.js';

/** Why a task moved to another workflow step. */
export type StepChangeReason = 'timeout' | 'skipped' | 'no_known_worker' | 'updated' | 'handoff';

/** Payload of every routing event type. */
// A type alias (not an interface) so it satisfies `Record<string, unknown>` for `EventUnion`.
export type RoutingEventMap = {
  'task.queued': { taskId: string; filter: string | null; step: number; queue: string; priority: number };
  'task.step_changed': {
    taskId: string;
    filter: string | null;
    fromStep: number;
    toStep: number;
    queue: string;
    reason: StepChangeReason;
  };
  'reservation.created': {
    reservationId: string;
    taskId: string;
    workerId: string;
    queue: string;
    expiresAt: number;
    trace?: DecisionTrace;
  };
  'reservation.accepted': { reservationId: string; taskId: string; workerId: string };
  'reservation.rejected': { reservationId: string; taskId: string; workerId: string; reason: string };
  'reservation.timed_out': { reservationId: string; taskId: string; workerId: string };
  'reservation.rescinded': { reservationId: string; taskId: string; workerId: string; reason: string };
  'task.assigned': { taskId: string; workerId: string; reservationId: string };
  'task.canceled': { taskId: string; reason: string };
  'task.completed': { taskId: string; workerId: string; wrapUpUntil: number };
  'worker.status_changed': { workerId: string; from: string | null; to: string; reason?: string };
  'task.handed_off': { taskId: string; fromWorkerId: string | null; packet: HandoffPacket };
};

/** A routing event type name. */
export type RoutingEventType = keyof RoutingEventMap;

/** Every routing event as a discriminated union of envelopes. */
export type RoutingEvent = EventUnion<RoutingEventMap>;

/** The envelope of one routing event type. */
export type RoutingEventOf<T extends RoutingEventType> = EventEnvelope<T, RoutingEventMap[T]>;

/** What `subscribe` accepts: an event type, `task.*`, `reservation.*`, `worker.*`, or `*`. */
export type RoutingEventPattern = EventPattern<RoutingEvent>;

/** All routing event type names. */
export const ROUTING_EVENT_TYPES: readonly RoutingEventType[] = [
  'task.queued',
  'task.step_changed',
  'reservation.created',
  'reservation.accepted',
  'reservation.rejected',
  'reservation.timed_out',
  'reservation.rescinded',
  'task.assigned',
  'task.canceled',
  'task.completed',
  'worker.status_changed',
  'task.handed_off',
];
