// The harness the routing property tests share: an engine on a manual clock whose every event is
// recorded, run once with the engine's own indexes and once with a reference strategy that ranks
// every eligible worker from its current state, so that a property can compare the two runs.
import { ManualClock } from '@threadline/core';
import {
  createRoutingEngine,
  longestIdle,
  type RoutingEngine,
  type RoutingEvent,
  type RoutingStrategy,
  type WorkflowConfig,
} from '../src/index.js';

/** One engine of a property run, with the events it emitted and a count of submitted tasks. */
export interface Run {
  engine: RoutingEngine;
  clock: ManualClock;
  events: RoutingEvent[];
  submitted: number;
}

/** Longest-idle ranking through the generic scored path: no index shortcut is taken. */
export const reference: RoutingStrategy = {
  name: 'longest-idle-scored',
  rank: longestIdle.rank,
  score: () => 0,
};

/** A recorded engine at time 0 (`strategy` omitted: the engine's default, indexed path). */
export function startRun(
  workflow: WorkflowConfig,
  reservationTimeoutMs: number,
  strategy?: RoutingStrategy,
): Run {
  const clock = new ManualClock(0);
  const engine = createRoutingEngine({
    clock,
    workflow,
    reservationTimeoutMs,
    ...(strategy === undefined ? {} : { strategy }),
  });
  const events: RoutingEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e as RoutingEvent);
  });
  return { engine, clock, events, submitted: 0 };
}

/** The worker-status and reservation commands every property stream shares. */
export type LifecycleCommand =
  | { kind: 'status'; w: number; available: boolean }
  | { kind: 'accept'; pick: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'complete'; pick: number; wrapUp?: boolean }
  | { kind: 'advance'; ms: number };

/** Ids of the reservations an event type announced that are now in `status`, in event order. */
function reservations(run: Run, type: string, status: string): string[] {
  return run.events
    .filter((e) => e.type === type)
    .map((e) => (e.payload as { reservationId: string }).reservationId)
    .filter((id) => run.engine.getReservation(id)?.status === status);
}

/** Applies one shared command: the `pick`-th pending or accepted reservation, modulo their count. */
export function applyLifecycle(run: Run, cmd: LifecycleCommand): void {
  const { engine, clock } = run;
  switch (cmd.kind) {
    case 'status':
      if (engine.getWorker(`w${cmd.w}`))
        engine.setWorkerStatus(`w${cmd.w}`, cmd.available ? 'available' : 'away');
      break;
    case 'accept': {
      const open = reservations(run, 'reservation.created', 'pending');
      if (open.length > 0) engine.acceptReservation(open[cmd.pick % open.length] as string);
      break;
    }
    case 'reject': {
      const open = reservations(run, 'reservation.created', 'pending');
      if (open.length > 0)
        engine.rejectReservation(open[cmd.pick % open.length] as string, { reason: 'busy' });
      break;
    }
    case 'complete': {
      const held = reservations(run, 'reservation.accepted', 'accepted');
      if (held.length === 0) break;
      const r = engine.getReservation(held[cmd.pick % held.length] as string);
      if (r) engine.completeTask(r.taskId, cmd.wrapUp ? { wrapUpMs: 5_000 } : {});
      break;
    }
    case 'advance':
      clock.advance(cmd.ms);
      engine.advanceTo(clock.now());
      break;
  }
}
