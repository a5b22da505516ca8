import { instrumentMethods, METRICS, type Telemetry, type TelemetryAttributes } from '@threadline/core';
import type { RoutingEngine } from './engine.js';
import type { RoutingState } from './state.js';

/** The routing commands that run in a span and count in `threadline.commands`. */
export const ROUTING_COMMANDS = [
  'upsertWorker',
  'setWorkerStatus',
  'removeWorker',
  'submitTask',
  'updateTask',
  'cancelTask',
  'completeTask',
  'acceptReservation',
  'rejectReservation',
  'advanceTo',
  'requestHandoff',
  'reportBotTurn',
  'flush',
  'recover',
  'save',
  'load',
] as const satisfies readonly (keyof RoutingEngine)[];

/**
 * Instruments a routing engine (when telemetry is enabled): a span and a command count per
 * command, and the `threadline.routing.queue_depth` gauge (waiting tasks per queue, with the
 * engine's attributes, e.g. its partition). `state` reads the current state (`restore` swaps it).
 */
export function instrumentRouting(
  engine: RoutingEngine,
  state: () => RoutingState,
  telemetry: Telemetry,
  attributes: TelemetryAttributes,
): void {
  if (!telemetry.enabled) return;
  instrumentMethods(engine, telemetry, 'routing', ROUTING_COMMANDS, attributes);
  telemetry.gauge(
    METRICS.queueDepth,
    (report) => {
      const s = state();
      const depth = new Map<string, number>();
      for (const q of s.queues) depth.set(q.config.id, 0);
      for (const t of s.tasks.values()) {
        const queue = t.status === 'pending' ? t.group?.queue.config.id : undefined;
        if (queue !== undefined) depth.set(queue, (depth.get(queue) ?? 0) + 1);
      }
      for (const [queue, n] of depth) report(n, { ...attributes, 'threadline.tenant': s.tenantId, queue });
    },
    { description: 'Tasks waiting per queue', unit: '{task}' },
  );
}
