import { createMemoryStorage } from '@threadline/adapter-memory';
import { createCaseEngine } from '@threadline/cases';
import {
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createManualClock,
  createOutboxRelay,
} from '@threadline/core';
import { analyzeSentiment } from '@threadline/insights';
import { createRoutingEngine } from '@threadline/routing';

/** Every engine on one storage: an email is resolved to a customer, scored, routed and opens a case. */
export async function wiring(text = 'My refund still has not arrived. This is awful.') {
  const storage = createMemoryStorage();
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const ids = createIdGenerator({ clock, seed: 7 });
  const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };
  const identity = createIdentityService({ storage, clock, ids });
  const routing = createRoutingEngine({ storage, clock, ids, workflow });
  const cases = createCaseEngine({ storage, clock, ids, calendars: {}, policies: [] });
  const bus = createInProcessEventBus();
  const events: string[] = [];
  bus.subscribe('*', (e) => events.push(e.type));

  const { customerId } = await identity.resolve([
    { kind: 'email', value: 'ana@example.com', channel: 'email' },
  ]);
  const { label } = analyzeSentiment(text);
  routing.upsertWorker({ id: 'kai', status: 'available', capacity: { email: 1 } });
  const task = routing.submitTask({ channel: 'email', attributes: { customerId, sentiment: label } });
  const priority = label === 'negative' ? 'high' : 'normal';
  const kase = cases.openCase({ customerId, subject: text, channel: 'email', priority });
  await Promise.all([routing.flush(), cases.flush()]); // state and events commit together…
  await createOutboxRelay({ storage, bus, clock }).drain(); // …and reach the bus from the outbox
  return { customerId, label, task: routing.getTask(task.id)?.status, case: cases.getCase(kase.id), events };
}
