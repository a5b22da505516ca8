// The wiring: one clock, one id generator, one store and one bus shared by every package's engine.
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createCaseEngine } from '@threadline/cases';
import {
  createContextAssembler,
  createIdentityService,
  createSequentialIds,
  InProcessEventBus,
  ManualClock,
} from '@threadline/core';
import { createInsightsStream } from '@threadline/insights';
import { createRoutingEngine } from '@threadline/routing';
import {
  buildEscalations,
  buildHealthModel,
  buildPolicies,
  buildRoutingRules,
  buildWorkflow,
  centerCalendar,
} from './setup.js';

/** Builds every engine of the simulated center; the clock starts a minute before opening. */
export function wireEngines(options: { openAt: number; timeZone: string }) {
  const clock = new ManualClock(options.openAt - 60_000);
  const ids = createSequentialIds();
  const store = createMemoryDocumentStore();
  const bus = new InProcessEventBus();
  const identity = createIdentityService({ store, clock, ids, bus });
  const contexts = createContextAssembler({ store, clock });
  const routing = createRoutingEngine({
    clock,
    ids,
    bus,
    workflow: buildWorkflow(),
    reservationTimeoutMs: 20_000,
    handoffRules: { onCustomerRequest: true, sentimentBelow: -0.6, confidenceBelow: 0.35 },
  });
  const cases = createCaseEngine({
    clock,
    ids,
    bus,
    calendars: { center: centerCalendar(options.timeZone) },
    policies: buildPolicies(),
    escalations: buildEscalations(),
    routingRules: buildRoutingRules(),
  });
  const insights = createInsightsStream({
    clock,
    ids,
    topicOf: (e) =>
      e.type === 'conversation.classified' ? (e.payload as { topic: string }).topic : undefined,
    spike: { window: { minutes: 15 }, timeZone: options.timeZone, fdr: 0.01, minCount: 10 },
    health: {
      model: buildHealthModel(),
      read: (e) =>
        e.type === 'customer.measured'
          ? { customerId: e.aggregateId, values: e.payload as Record<string, number> }
          : undefined,
      emit: 'band',
    },
  });
  return { clock, ids, store, bus, identity, contexts, routing, cases, insights };
}
