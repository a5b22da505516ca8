// The wiring of a simulated day: one clock, one id generator, one store and one bus shared by
// every package's engine, configured like the demo's contact center unless the host says otherwise.
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createCaseEngine,
  type EscalationLadderInput,
  type RoutingRuleInput,
  type SlaPolicyInput,
} from '@threadline/cases';
import {
  type BusinessCalendar,
  createContextAssembler,
  createIdentityService,
  createSequentialIds,
  InProcessEventBus,
  ManualClock,
} from '@threadline/core';
import { createInsightsStream } from '@threadline/insights';
import { createRoutingEngine, type HandoffRules, type WorkflowConfig } from '@threadline/routing';
import {
  buildEscalations,
  buildHealthModel,
  buildPolicies,
  buildRoutingRules,
  buildWorkflow,
  centerCalendar,
} from '../center/config.js';

/**
 * The configuration a what-if changes: the routing workflow, SLA policies, escalation ladders,
 * team-routing rules and business calendars. Every field left out takes the demo center's value.
 */
export interface CenterConfiguration {
  /** The routing workflow (default {@link buildWorkflow}). */
  workflow?: WorkflowConfig;
  /** SLA policies (default {@link buildPolicies}). */
  policies?: SlaPolicyInput[];
  /** Escalation ladders (default {@link buildEscalations}). */
  escalations?: EscalationLadderInput[];
  /** Rule-triggered escalation to teams (default {@link buildRoutingRules}). */
  routingRules?: RoutingRuleInput[];
  /** Business calendars by name for the SLA policies (default `{ center: centerCalendar(timeZone) }`). */
  calendars?: Record<string, BusinessCalendar>;
  /** How long an offer rings before it times out (default 20 s). */
  reservationTimeoutMs?: number;
  /** When a bot hands off by itself (default: on request, sentiment below −0.6, confidence below 0.35). */
  handoffRules?: HandoffRules;
}

/** Builds every engine of the simulated center; the clock starts a minute before opening. */
export function wireEngines(options: { openAt: number; timeZone: string; config?: CenterConfiguration }) {
  const config = options.config ?? {};
  const clock = new ManualClock(options.openAt - 60_000);
  const ids = createSequentialIds();
  const storage = createMemoryStorage();
  // The simulation reads and writes documents directly; identity publishes to the bus after each
  // commit (the document store alone, no outbox relay to drive).
  const store = storage.documents;
  const bus = new InProcessEventBus();
  const identity = createIdentityService({ store, clock, ids, bus });
  const contexts = createContextAssembler({ store, clock });
  const routing = createRoutingEngine({
    clock,
    ids,
    bus,
    workflow: config.workflow ?? buildWorkflow(),
    reservationTimeoutMs: config.reservationTimeoutMs ?? 20_000,
    handoffRules: config.handoffRules ?? {
      onCustomerRequest: true,
      sentimentBelow: -0.6,
      confidenceBelow: 0.35,
    },
  });
  const cases = createCaseEngine({
    clock,
    ids,
    bus,
    calendars: config.calendars ?? { center: centerCalendar(options.timeZone) },
    policies: config.policies ?? buildPolicies(),
    escalations: config.escalations ?? buildEscalations(),
    routingRules: config.routingRules ?? buildRoutingRules(),
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
