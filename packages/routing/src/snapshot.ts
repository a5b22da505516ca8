import { z } from 'zod';
import type { Deadline } from './indexes/deadlines.js';
import type { WorkerInput } from './inputs.js';
import type { ReservationInfo } from './reservations.js';
import type { TaskState } from './state.js';

/** A serialisable copy of the whole engine state. */
export interface RoutingSnapshot {
  version: 1;
  takenAt: number;
  counters: { offerSeq: number; workerOrder: number; taskSeq: number };
  /** Counters of the engine's own sequential id generator (absent when `ids` was injected). */
  idCounters?: Array<[string, number]>;
  workers: Array<
    WorkerInput & {
      order: number;
      idleSince: number;
      lastOfferSeq: number;
      draining: boolean;
      statusSince: number;
    }
  >;
  tasks: Array<
    Pick<
      TaskState,
      | 'id'
      | 'seq'
      | 'channel'
      | 'priority'
      | 'attributes'
      | 'requiredSkills'
      | 'preferredWorkerId'
      | 'deadline'
      | 'createdAt'
      | 'routedAt'
      | 'humanOnly'
      | 'handoffQueue'
      | 'status'
      | 'filterIdx'
      | 'stepIdx'
      | 'boosted'
      | 'assignedAt'
    > & { excluded: Array<[string, number]> }
  >;
  reservations: ReservationInfo[];
  sticky: Array<[string, string]>;
  deadlines: Array<{ at: number; kind: Deadline['kind']; ref: string }>;
}

// ---------------------------------------------------------------------------------------------
// Internal state

export const SnapshotSchema = z.object({
  version: z.literal(1),
  takenAt: z.number(),
  counters: z.object({
    offerSeq: z.number().int(),
    workerOrder: z.number().int(),
    taskSeq: z.number().int(),
  }),
  idCounters: z.array(z.tuple([z.string(), z.number().int()])).optional(),
  workers: z.array(z.record(z.string(), z.unknown())),
  tasks: z.array(
    z
      .object({
        id: z.string().min(1),
        seq: z.number().int(),
        channel: z.string().min(1),
        status: z.enum(['unrouted', 'pending', 'reserved', 'assigned', 'wrapping']),
        filterIdx: z.number().int(),
        stepIdx: z.number().int().nonnegative(),
        excluded: z.array(z.tuple([z.string(), z.number()])),
      })
      .passthrough(),
  ),
  reservations: z.array(
    z.object({
      id: z.string().min(1),
      taskId: z.string().min(1),
      workerId: z.string().min(1),
      status: z.enum(['pending', 'accepted', 'wrapping']),
      channel: z.string().min(1),
      weight: z.number().int().positive(),
      createdAt: z.number(),
      expiresAt: z.number(),
    }),
  ),
  sticky: z.array(z.tuple([z.string(), z.string()])),
  deadlines: z.array(
    z.object({
      at: z.number(),
      kind: z.enum(['reservation', 'step', 'boost', 'wrapup', 'exclusion']),
      ref: z.string(),
    }),
  ),
});
