import { createCaseEngine } from '@threadline/cases';
import type { Clock, EventEnvelope, ThreadlineStorage } from '@threadline/core';
import {
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createOutboxRelay,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';

const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };
const policies = [{ id: 'standard', targets: { first_reply: { high: { hours: 1 } } } }];

/** Identity, routing and cases on one storage; their events reach a bus only through the outbox. */
export async function quickstart(storage: ThreadlineStorage, clock: Clock, print = console.log) {
  const ids = createIdGenerator({ clock, seed: 42 });
  const engines = () => ({
    identity: createIdentityService({ storage, clock, ids }),
    routing: createRoutingEngine({ storage, clock, ids, workflow }),
    cases: createCaseEngine({ storage, clock, ids, calendars: {}, policies }),
  });
  const { identity, routing, cases } = engines();
  await routing.recover(); // a durable store may hold an earlier run's journal: continue after it
  const bus = createInProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('*', (e) => {
    events.push(e);
    print(`  ${e.type.padEnd(22)} ${e.aggregateId}`);
  });
  const relay = createOutboxRelay({ storage, bus, clock });

  // Ana writes on WhatsApp, then on web chat signed in (her account's verified email and phone).
  const phone = { kind: 'phone' as const, value: '+34 600 111 222', verified: true };
  const a = await identity.resolve([{ ...phone, channel: 'whatsapp' }], { profile: { name: 'Ana' } });
  const email = { kind: 'email' as const, value: 'ana@example.com', verified: true };
  const b = await identity.resolve([email, phone].map((i) => ({ ...i, channel: 'chat' as const })));
  print(`WhatsApp → ${a.customerId} (${a.status}); chat → ${b.customerId} (${b.status})`);

  // Her chat becomes a task; agent Kai is offered it and accepts once the offer has committed.
  routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
  routing.upsertWorker({ id: 'kai', status: 'available', capacity: { chat: 2 } });
  const task = routing.submitTask({ channel: 'chat', attributes: { customerId: b.customerId } });
  const opened = { customerId: b.customerId, subject: 'Order #4411 never arrived', assignee: 'kai' };
  const kase = cases.openCase({ ...opened, channel: 'chat', priority: 'high' });
  await routing.flush(); // commits the offer; the accept it triggers joins the next batch…
  await Promise.all([routing.flush(), cases.flush()]); // …which commits here, with the case
  await relay.drain(); // prints every committed event, in commit order
  const due = cases.getSla(kase.id).map((m) => `${m.metric} due ${new Date(m.dueAt ?? 0).toISOString()}`);
  const t = routing.getTask(task.id);
  print(`task ${task.id}: ${t?.status} (worker ${t?.workerId}); case ${kase.id}: ${due}`);
  if (storage.documents.capabilities.durable) {
    // A fresh process would do this: new engines over the same store rebuild what committed.
    const fresh = engines();
    await Promise.all([fresh.routing.recover(), fresh.cases.recover()]);
    const [r, c] = [fresh.routing.getTask(task.id), fresh.cases.getCase(kase.id)];
    print(`recovered: task ${r?.status} (worker ${r?.workerId}); case ${c?.status}`);
  }
  return { events, customerId: b.customerId, taskId: task.id, caseId: kase.id };
}
