import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  type Clock,
  ConversationSchema,
  CustomerSchema,
  createEvent,
  createIdGenerator,
  type EventEnvelope,
  type EventUnion,
  InProcessEventBus,
  ManualClock,
  MessageSchema,
  OutboxRelay,
  parseInput,
} from '@threadline/core';

/** Events this demo emits. */
export type DemoEvents = EventUnion<{
  'customer.created': { name: string };
  'conversation.started': { customerId: string; channel: string };
  'message.received': { conversationId: string; body: string };
}>;

/** Options for {@link runDemo}. */
export interface DemoOptions {
  clock?: Clock;
  seed?: number;
  log?: (line: string) => void;
}

/** What the demo did, for tests and for printing. */
export interface DemoResult {
  published: EventEnvelope[];
  customers: number;
  conversations: number;
  eventsInLog: number;
}

/**
 * A small, deterministic tour: customers write in on two channels; each change is stored with
 * its event in one transaction, appended to the event log, and relayed to the bus.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 10, 24, 9));
  const ids = createIdGenerator({ clock, seed: options.seed ?? 42 });
  const log = options.log ?? (() => {});
  const storage = createMemoryStorage({
    collections: {
      customers: { indexes: ['profile.name'] },
      conversations: { indexes: ['customerId', 'status'] },
    },
  });
  const bus = new InProcessEventBus<DemoEvents>();
  const relay = new OutboxRelay({ outbox: storage.outbox, bus });
  const published: EventEnvelope[] = [];
  bus.subscribe('*', (e) => {
    published.push(e);
    log(
      `  bus  ${new Date(e.occurredAt).toISOString().slice(11, 19)}  ${e.type.padEnd(22)} ${JSON.stringify(e.payload)}`,
    );
  });

  const inbound = [
    { name: 'Ana Souza', channel: 'whatsapp' as const, body: 'My order #4411 never arrived' },
    { name: 'Ben Okafor', channel: 'email' as const, body: 'How do I change my plan?' },
    { name: 'Ana Souza', channel: 'chat' as const, body: 'Still waiting on that order...' },
  ];

  for (const contact of inbound) {
    clock instanceof ManualClock && clock.advance(90_000);
    const now = clock.now();
    // Find-or-create the customer by an indexed field (identity resolution proper lives in core's identity module).
    const existing = (await storage.documents.find('customers', { where: { 'profile.name': contact.name } }))
      .items[0];
    await storage.documents.transaction(async (tx) => {
      let customerId = existing?.id;
      if (!customerId) {
        customerId = ids.next('cu');
        const customer = parseInput(
          CustomerSchema,
          {
            id: customerId,
            tenantId: 'default',
            createdAt: now,
            updatedAt: now,
            version: 0,
            profile: { name: contact.name },
          },
          'customer',
        );
        await tx.documents.put('customers', customer, { expectedVersion: 0 });
        await tx.outbox.add([
          createEvent(
            { clock, ids },
            {
              type: 'customer.created',
              aggregateType: 'customer',
              aggregateId: customerId,
              version: 1,
              payload: { name: contact.name },
            },
          ),
        ]);
      }
      const conversationId = ids.next('conv');
      const conversation = parseInput(
        ConversationSchema,
        {
          id: conversationId,
          tenantId: 'default',
          createdAt: now,
          updatedAt: now,
          version: 0,
          customerId,
          channel: contact.channel,
          status: 'open',
          lastMessageAt: now,
        },
        'conversation',
      );
      const message = parseInput(
        MessageSchema,
        {
          id: ids.next('msg'),
          tenantId: 'default',
          createdAt: now,
          updatedAt: now,
          version: 0,
          conversationId,
          channel: contact.channel,
          direction: 'inbound',
          author: { kind: 'customer', id: customerId },
          body: contact.body,
          sentAt: now,
        },
        'message',
      );
      await tx.documents.put('conversations', conversation, { expectedVersion: 0 });
      await tx.documents.put('messages', message, { expectedVersion: 0 });
      const events = [
        createEvent(
          { clock, ids },
          {
            type: 'conversation.started',
            aggregateType: 'conversation',
            aggregateId: conversationId,
            version: 1,
            payload: { customerId, channel: contact.channel },
          },
        ),
        createEvent(
          { clock, ids },
          {
            type: 'message.received',
            aggregateType: 'conversation',
            aggregateId: conversationId,
            version: 2,
            payload: { conversationId, body: contact.body },
          },
        ),
      ];
      await tx.outbox.add(events);
    });
    const batch = await storage.outbox.pending();
    for (const entry of batch)
      await storage.events.append(entry.event.aggregateId, [entry.event], { idempotencyKey: entry.event.id });
    await relay.drain();
  }

  const customers = (await storage.documents.find('customers')).items.length;
  const conversations = (await storage.documents.find('conversations')).items.length;
  const eventsInLog = (await storage.events.readAll()).length;
  const ana = (await storage.documents.find('customers', { where: { 'profile.name': 'Ana Souza' } }))
    .items[0];
  const anas = ana
    ? (await storage.documents.find('conversations', { where: { customerId: ana.id } })).items
    : [];
  log('');
  log(
    `  ${customers} customers, ${conversations} conversations, ${eventsInLog} events in the log, ${published.length} published once each.`,
  );
  log(`  Ana's context follows her across channels: ${anas.map((c) => c.channel).join(' → ')}`);
  return { published, customers, conversations, eventsInLog };
}
