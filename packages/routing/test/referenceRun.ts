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
