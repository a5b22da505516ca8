// The host's listeners on the bus: counting what every package publishes, turning offers into
// accept steps, and executing escalation-ladder actions as later simulation steps.
import { isCaseEngineEvent } from '@threadline/cases';
import type { SignalDetectedEvent } from '@threadline/insights';
import type { DayState } from './state.js';

/** What the listeners read and update. */
export type BusCounterDeps = Pick<
  DayState,
  | 'bus'
  | 'clock'
  | 'store'
  | 'heap'
  | 'counters'
  | 'profiles'
  | 'arrivalById'
  | 'caseCustomer'
  | 'escalatedCases'
  | 'breachesByCustomer'
  | 'escalationsByCustomer'
>;

/**
 * Subscribes the simulation's listeners to the bus. Returns the function that writes the event
 * counts into `counters.busEvents` (by type prefix: `case`, `task`, …); call it before reading them.
 */
export function countBusEvents(deps: BusCounterDeps): () => void {
  const {
    bus,
    clock,
    store,
    heap,
    counters,
    profiles,
    arrivalById,
    caseCustomer,
    escalatedCases,
    breachesByCustomer,
    escalationsByCustomer,
  } = deps;
  // Every event passes here: one counter cell per type, shared by the types of one prefix (the
  // prefix is cut once per type); `counters.busEvents` is written from the cells on demand.
  const cells = new Map<string, { n: number }>();
  const byPrefix = new Map<string, { n: number }>();
  bus.subscribe('*', (e) => {
    const cell = cells.get(e.type);
    if (cell !== undefined) {
      cell.n++;
      return;
    }
    const prefix = e.type.slice(0, e.type.indexOf('.'));
    let shared = byPrefix.get(prefix);
    if (shared === undefined) byPrefix.set(prefix, (shared = { n: 0 }));
    cells.set(e.type, shared);
    shared.n++;
  });
  bus.subscribe('reservation.created', (e) => {
    const p = e.payload as { reservationId: string; taskId: string; workerId: string };
    counters.offers++;
    const bot = profiles.get(p.workerId)?.kind === 'bot';
    const a = arrivalById.get(p.taskId);
    heap.push(clock.now() + (bot ? 500 : (a?.ringMs ?? 3_000)), { kind: 'accept', ...p });
  });
  bus.subscribe('reservation.timed_out', () => {
    counters.offerTimeouts++;
  });
  bus.subscribe('reservation.rescinded', () => {
    counters.rescinded++;
  });
  bus.subscribe('sla.breached', (e) => {
    counters.slaBreachedEvents++;
    const customer = caseCustomer.get(e.aggregateId);
    if (customer) breachesByCustomer.set(customer, (breachesByCustomer.get(customer) ?? 0) + 1);
  });
  bus.subscribe('sla.at_risk', () => {
    counters.slaAtRiskEvents++;
  });
  bus.subscribe('case.escalated', (e) => {
    counters.teamEscalations++;
    escalatedCases.add(e.aggregateId);
  });
  bus.subscribe('escalation.triggered', (e) => {
    if (!isCaseEngineEvent(e, 'escalation.triggered')) return;
    counters.escalationsTriggered++;
    escalatedCases.add(e.aggregateId);
    const customer = caseCustomer.get(e.aggregateId);
    if (customer) escalationsByCustomer.set(customer, (escalationsByCustomer.get(customer) ?? 0) + 1);
    for (const action of e.payload.actions) {
      // The host executes ladder actions; do it as the next step of the simulation, not inside
      // the case engine's own event delivery.
      if (action.type === 'raise_priority')
        heap.push(clock.now(), { kind: 'escalate', caseId: e.aggregateId, to: action.to });
      if (action.type === 'notify') counters.notifications += action.recipients.length;
    }
  });
  bus.subscribe('signal.detected', async (e) => {
    const event = e as SignalDetectedEvent;
    const signal = event.payload;
    if (signal.kind === 'spike') counters.spikeSignals.push(event);
    if (signal.kind === 'health') counters.healthSignals++;
    if (signal.kind === 'churn_risk') counters.churnSignals++;
    // Churn-risk signals land in the store, where the context assembler finds them for the customer.
    if (signal.subject.type === 'customer' && signal.kind === 'churn_risk') {
      const { version: _v, ...doc } = signal;
      await store.put('signals', doc);
    }
  });
  bus.subscribe('customer.created', () => {
    counters.identity.created++;
  });
  bus.subscribe('customer.merged', () => {
    counters.identity.merges++;
  });
  bus.subscribe('identity.conflict_detected', () => {
    counters.identity.conflicts++;
  });
  return () => {
    for (const [prefix, cell] of byPrefix) counters.busEvents[prefix] = cell.n;
  };
}
