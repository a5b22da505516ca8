// Durable journeys on the storage bundle: every change commits the instance documents with their
// events (outbox) in one transaction; a fresh engine `recover()`s every journey at its step, and a
// send that was committed as in flight is re-issued with the same idempotency key, so a sender with
// a delivery ledger sends it once. Also: the real send guard (consent + quiet hours) decides the
// channel.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createJourneyEngine, JOURNEY_COLLECTION, type JourneyDefinition } from '@threadline/automation';
import {
  type ChannelSender,
  createBusinessCalendar,
  createConsentService,
  createDeliveryLedger,
  createManualClock,
  createSendGuard,
  createSequentialIds,
  type EventEnvelope,
  type ParsedSendRequest,
  SendRequestSchema,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const HOUR = 3_600_000;
let n = 0;
function ev(type: string, payload: Record<string, unknown>, at = 0): EventEnvelope {
  n++;
  return {
    id: `e-${n}`,
    type,
    tenantId: 'default',
    aggregateId: String(payload.customerId),
    aggregateType: 'test',
    version: 1,
    occurredAt: at,
    payload,
  };
}

/** A sender over core's delivery ledger (idempotent by key across engines on one store). */
function ledgerSender(storage: ReturnType<typeof createMemoryStorage>, clock = createManualClock(0)) {
  const ledger = createDeliveryLedger({
    store: storage.documents,
    clock,
    ids: createSequentialIds(),
    provider: 'fake',
  });
  const provider: ParsedSendRequest[] = [];
  let hold: Promise<void> | undefined;
  const sender: ChannelSender & { provider: ParsedSendRequest[]; holdNext(p: Promise<void>): void } = {
    name: 'fake',
    channels: ['sms', 'email', 'whatsapp'],
    provider,
    holdNext(p) {
      hold = p;
    },
    async send(input) {
      const request = SendRequestSchema.parse(input);
      const begun = await ledger.begin(request);
      if (begun.status === 'duplicate') return begun.record;
      if (hold) await hold;
      provider.push(request);
      return ledger.settle(begun.record.id, {
        state: 'sent',
        providerMessageId: `p-${provider.length}`,
        attempts: 1,
      });
    },
    applyStatus: (s) => ledger.applyStatus(s),
    getDelivery: (ref) => ledger.get(ref),
  };
  return sender;
}

const journey: JourneyDefinition = {
  id: 'renewal',
  version: 1,
  trigger: { on: 'contract.expiring', capture: { sms: 'payload.phone', email: 'payload.email' } },
  goal: { on: 'contract.renewed' },
  steps: [
    { type: 'send', id: 'first', channels: ['sms', 'email'], content: { text: 'Renew?' } },
    { type: 'wait', id: 'wait', duration: { hours: 24 } },
    { type: 'wait_for', id: 'answer', event: 'survey.answered', timeout: { hours: 24 }, onEvent: 'end' },
    { type: 'send', id: 'second', channels: ['email'], content: { text: 'Last call' } },
    { type: 'exit', id: 'end' },
  ],
};

describe('durable journeys (memory storage)', () => {
  it('commits state and events together; a fresh engine resumes every journey at its step', async () => {
    const storage = createMemoryStorage();
    const clock = createManualClock(0);
    const sender = ledgerSender(storage);
    const a = createJourneyEngine({ journeys: [journey], sender, clock, storage });
    for (let i = 0; i < 5; i++)
      await a.handle(ev('contract.expiring', { customerId: `c${i}`, phone: '+447700900123' }));
    await a.handle(ev('contract.renewed', { customerId: 'c0' }));
    const docs = await storage.documents.find(JOURNEY_COLLECTION, { where: { status: 'waiting' } });
    expect(docs.items.map((d) => d.customerId)).toEqual(['c1', 'c2', 'c3', 'c4']);
    const outbox = await storage.outbox.pending(1000);
    expect(outbox.map((e) => e.event.type).filter((t) => t === 'journey.message_sent')).toHaveLength(5);
    expect(a.stats().commits).toBeGreaterThan(0);

    // A new process: nothing in memory until recover().
    clock.set(24 * HOUR);
    const b = createJourneyEngine({ journeys: [journey], sender, clock, storage });
    expect(await b.recover()).toEqual({ loaded: 4, resent: 0, unknown: [] });
    expect(b.instance('renewal', 'c1')).toMatchObject({
      stepId: 'wait',
      status: 'waiting',
      dueAt: 24 * HOUR,
    });
    await b.advanceTo(24 * HOUR);
    expect(b.instance('renewal', 'c1')).toMatchObject({ stepId: 'answer', status: 'waiting_event' });
    await b.handle(ev('survey.answered', { customerId: 'c2' }));
    await b.advanceTo(48 * HOUR);
    expect(sender.provider.map((r) => `${r.customerId}:${r.content.text}`).sort()).toEqual([
      'c0:Renew?',
      'c1:Renew?',
      'c2:Renew?',
      'c3:Renew?',
      'c4:Renew?',
    ]);
    // No email address: the last call could not go out, and the journeys completed. Finished
    // instances leave memory: the stored documents are their record.
    const stored = await storage.documents.getMany(JOURNEY_COLLECTION, ['renewal:c1', 'renewal:c2']);
    expect(stored.map((d) => d?.status)).toEqual(['done', 'done']);
    expect(b.instance('renewal', 'c1')).toBeUndefined();
    expect(b.stats()).toMatchObject({ waiting: 0, waitingEvent: 0, sending: 0, done: 0, inMemory: 0 });
    // A customer who finished is not re-entered by a new process either (the store is asked).
    const c = createJourneyEngine({ journeys: [journey], sender, clock, storage });
    const r = await c.handle(ev('contract.expiring', { customerId: 'c0' }));
    expect(r.refused).toEqual([{ journeyId: 'renewal', customerId: 'c0', reason: 'reentry' }]);
  });

  it('a send committed as in flight when the process died is re-issued once, never sent twice', async () => {
    const storage = createMemoryStorage();
    const clock = createManualClock(0);
    const sender = ledgerSender(storage);
    let release!: () => void;
    sender.holdNext(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    const a = createJourneyEngine({ journeys: [journey], sender, clock, storage });
    const pending = a.handle(ev('contract.expiring', { customerId: 'c1', phone: '+447700900123' }));
    // The 'sending' state is committed before the provider is called.
    await new Promise((r) => setTimeout(r, 20));
    const doc = await storage.documents.get(JOURNEY_COLLECTION, 'renewal:c1');
    expect(doc).toMatchObject({ status: 'sending', stepId: 'first' });
    // "Crash": a new engine recovers while the first one's provider call is still in flight.
    const b = createJourneyEngine({ journeys: [journey], sender, clock, storage });
    const recovered = b.recover();
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await recovered).resent).toBe(1);
    // The old engine's next commit finds the document moved on (version check) and stops it.
    await expect(pending).rejects.toMatchObject({ code: 'ADAPTER' });
    expect(sender.provider).toHaveLength(1);
    expect(b.instance('renewal', 'c1')).toMatchObject({ stepId: 'wait', status: 'waiting' });
  });

  it('a recovered in-flight send the provider already has is not re-judged by the guard: no second channel', async () => {
    const storage = createMemoryStorage();
    const clock = createManualClock(Date.UTC(2026, 11, 7, 12));
    const ids = createSequentialIds();
    const consent = createConsentService({ store: storage.documents, clock, ids });
    const guard = createSendGuard({ consent, clock });
    const actor = { actor: { id: 'agent', roles: ['agent'] } };
    for (const channel of ['whatsapp', 'sms'] as const)
      await consent.record({ customerId: 'c1', channel, purpose: 'marketing', granted: true }, actor);
    const sender = ledgerSender(storage, clock);
    let release!: () => void;
    sender.holdNext(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    const j: JourneyDefinition = {
      id: 'promo',
      version: 1,
      trigger: { on: 'promo.started', capture: { whatsapp: 'payload.phone', sms: 'payload.phone' } },
      steps: [{ type: 'send', id: 's', channels: ['whatsapp', 'sms'], content: { text: 'Sale' } }],
    };
    const options = { journeys: [j], sender, guard, clock, storage };
    const a = createJourneyEngine(options);
    // The old engine fails at its next commit (the document moved on); keep its outcome.
    const pending = a.handle(ev('promo.started', { customerId: 'c1', phone: '+447700900123' })).then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 20));
    // The WhatsApp message is with the provider; then the customer withdraws WhatsApp consent and
    // the process dies before the outcome is committed.
    await consent.record(
      { customerId: 'c1', channel: 'whatsapp', purpose: 'marketing', granted: false },
      actor,
    );
    const b = createJourneyEngine(options);
    const recovered = b.recover();
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await recovered).resent).toBe(1);
    expect(await pending).toMatchObject({ code: 'ADAPTER' });
    // The message went out once, on WhatsApp; recovery records it instead of trying SMS.
    expect(sender.provider.map((r) => r.channel)).toEqual(['whatsapp']);
    const types = (await storage.outbox.pending(100)).map((e) => e.event.type);
    expect(types.filter((t) => t === 'journey.message_sent')).toHaveLength(1);
    expect(types).not.toContain('journey.channel_skipped');
    expect(b.instance('promo', 'c1')).toBeUndefined(); // done, left memory
    const [doc] = await storage.documents.getMany(JOURNEY_COLLECTION, ['promo:c1']);
    expect(doc).toMatchObject({ status: 'done' });
  });

  it('uses the real send guard: no consent skips to the next channel, quiet hours too', async () => {
    const storage = createMemoryStorage();
    const night = Date.UTC(2026, 11, 7, 23);
    const clock = createManualClock(night);
    const ids = createSequentialIds();
    const consent = createConsentService({ store: storage.documents, clock, ids });
    const day: [string, string][] = [['08:00', '21:00']];
    const daytime = createBusinessCalendar({
      timeZone: 'UTC',
      hours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
    });
    const guard = createSendGuard({
      consent,
      clock,
      quietHours: { calendar: daytime, purposes: ['marketing'] },
    });
    const actor = { actor: { id: 'agent', roles: ['agent'] } };
    await consent.record(
      { customerId: 'c1', channel: 'whatsapp', purpose: 'marketing', granted: true },
      actor,
    );
    await consent.record({ customerId: 'c1', channel: 'email', purpose: 'marketing', granted: true }, actor);
    const sender = ledgerSender(storage);
    const j: JourneyDefinition = {
      id: 'promo',
      version: 1,
      trigger: {
        on: 'promo.started',
        capture: { whatsapp: 'payload.phone', sms: 'payload.phone', email: 'payload.email' },
      },
      steps: [{ type: 'send', id: 's', channels: ['sms', 'whatsapp', 'email'], content: { text: 'Sale' } }],
    };
    const engine = createJourneyEngine({ journeys: [j], sender, guard, clock, storage });
    await engine.handle(
      ev('promo.started', { customerId: 'c1', phone: '+447700900123', email: 'a@b.example' }),
    );
    // sms: no consent; whatsapp: quiet hours at 23:00 (consent given); email: quiet hours too →
    // nothing sent at night.
    expect(sender.provider).toHaveLength(0);
    const skipped = (await storage.outbox.pending(100))
      .filter((e) => e.event.type === 'journey.channel_skipped')
      .map((e) => (e.event.payload as { channel: string; reason: string }).reason);
    expect(skipped).toEqual(['no_consent', 'quiet_hours', 'quiet_hours']);
    clock.set(Date.UTC(2026, 11, 8, 10));
    await engine.handle(ev('promo.started', { customerId: 'c2', phone: '+447700900124' }));
    expect(sender.provider).toHaveLength(0); // c2 never consented to anything
    await consent.record(
      { customerId: 'c3', channel: 'whatsapp', purpose: 'marketing', granted: true },
      actor,
    );
    await engine.handle(ev('promo.started', { customerId: 'c3', phone: '+447700900125' }));
    expect(sender.provider.map((r) => r.channel)).toEqual(['whatsapp']);
  });

  it('refuses a store without transactions', () => {
    const storage = createMemoryStorage();
    const noTx = {
      ...storage,
      documents: Object.assign(Object.create(storage.documents), {
        capabilities: { ...storage.documents.capabilities, transactions: false },
      }),
    };
    expect(() =>
      createJourneyEngine({
        journeys: [journey],
        sender: ledgerSender(storage),
        clock: createManualClock(0),
        storage: noTx,
      }),
    ).toThrow(/transactions/);
  });
  it('a send deferred by quiet hours is stored as a wait and sent once after a restart', async () => {
    const storage = createMemoryStorage();
    const night = Date.UTC(2026, 11, 7, 23); // Monday 23:00 in London
    const clock = createManualClock(night);
    const sender = ledgerSender(storage, clock);
    const daytime = createBusinessCalendar({
      timeZone: 'Europe/London',
      hours: { mon: [['08:00', '20:00']], tue: [['08:00', '20:00']] },
    });
    const quiet: JourneyDefinition = {
      id: 'notice',
      version: 1,
      trigger: { on: 'outage.customer_affected', capture: { sms: 'payload.phone' } },
      quietHours: { calendar: 'daytime' },
      steps: [{ type: 'send', id: 'notice', channels: ['sms'], content: { text: 'On it.' } }],
    };
    const options = { journeys: [quiet], sender, clock, storage, calendars: { daytime } };
    const a = createJourneyEngine(options);
    await a.handle(ev('outage.customer_affected', { customerId: 'c1', phone: '+447700900123' }, night));
    const [doc] = await storage.documents.getMany(JOURNEY_COLLECTION, ['notice:c1']);
    expect(doc).toMatchObject({ status: 'waiting', stepId: 'notice', dueAt: Date.UTC(2026, 11, 8, 8) });
    expect(sender.provider).toHaveLength(0);

    const b = createJourneyEngine(options);
    expect(await b.recover()).toMatchObject({ loaded: 1, resent: 0 });
    clock.set(Date.UTC(2026, 11, 8, 8));
    await b.advanceTo(clock.now());
    await b.advanceTo(clock.now());
    expect(sender.provider.map((r) => r.content.text)).toEqual(['On it.']);
    const [done] = await storage.documents.getMany(JOURNEY_COLLECTION, ['notice:c1']);
    expect(done?.status).toBe('done');
  });
});
