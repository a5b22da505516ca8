import { createMemoryStorage } from '@threadline/adapter-memory';
import { isThreadlineError, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createRoutingEngine, type RoutingEngineOptions, type RoutingEvent } from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'billing', workers: { skills: { billing: 1 } } }, { id: 'general' }],
  filters: [
    {
      name: 'billing',
      match: { attributes: { topic: 'billing' } },
      targets: [
        { queue: 'billing', requires: { skills: { billing: 7 } }, timeout: 60_000 },
        { queue: 'billing' },
      ],
    },
  ],
  defaultFilter: { targets: [{ queue: 'general' }] },
  exclusionWindow: 120_000,
};

function nth(list: RoutingEvent[], i: number): RoutingEvent {
  const e = list[i];
  if (!e) throw new Error(`no event #${i}`);
  return e;
}

function setup(extra: Partial<RoutingEngineOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const engine = createRoutingEngine({ clock, workflow, ...extra });
  const events: RoutingEvent[] = [];
  engine.on('*', (e) => {
    events.push(e as RoutingEvent);
  });
  const offers = () => events.filter((e) => e.type === 'reservation.created');
  return { clock, engine, events, offers };
}

describe('routing engine', () => {
  it('offers a task to the longest idle eligible worker and assigns on accept', () => {
    const { clock, engine, offers, events } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'available',
      attributes: { skills: { billing: 8 } },
      capacity: { chat: 1 },
    });
    clock.advance(1000);
    engine.upsertWorker({
      id: 'b',
      status: 'available',
      attributes: { skills: { billing: 9 } },
      capacity: { chat: 1 },
    });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { topic: 'billing' } });
    expect(offers().map((e) => (e.payload as { workerId: string }).workerId)).toEqual(['a']);
    const resId = (nth(offers(), 0).payload as { reservationId: string }).reservationId;
    engine.acceptReservation(resId);
    expect(engine.getTask('t1')?.status).toBe('assigned');
    expect(events.map((e) => e.type)).toContain('task.assigned');
    expect(() => engine.acceptReservation(resId)).toThrow(/cannot go from accepted/);
  });

  it('never offers to a worker lacking the step skill level, and relaxes after the step timeout', () => {
    const { clock, engine, offers } = setup();
    engine.upsertWorker({
      id: 'junior',
      status: 'available',
      attributes: { skills: { billing: 3 } },
      capacity: { chat: 1 },
    });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { topic: 'billing' } });
    expect(offers()).toHaveLength(0);
    const why = engine.explainWaiting('t1');
    expect(why.excluded.level).toEqual(['junior']);
    expect(why.filter).toBe('billing');
    expect(engine.nextDeadline()).toBe(1_060_000);
    clock.set(1_060_000);
    engine.advanceTo(clock.now());
    expect(offers()).toHaveLength(1);
    expect(engine.getTask('t1')?.step).toBe(1);
  });

  it('respects per-channel capacity with weights and a shared total', () => {
    const { engine, offers } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'available',
      capacity: { voice: { units: 3, weight: 3 }, chat: { units: 3, weight: 1 } },
      totalCapacity: 3,
    });
    engine.submitTask({ id: 'c1', channel: 'chat' });
    engine.submitTask({ id: 'v1', channel: 'voice' });
    engine.submitTask({ id: 'c2', channel: 'chat' });
    engine.submitTask({ id: 'c3', channel: 'chat' });
    engine.submitTask({ id: 'c4', channel: 'chat' });
    expect(offers().map((e) => (e.payload as { taskId: string }).taskId)).toEqual(['c1', 'c2', 'c3']);
    expect(engine.getWorker('a')?.used).toEqual({ voice: 0, chat: 3 });
  });

  it('excludes a rejecting worker for the exclusion window and re-offers afterwards', () => {
    const { clock, engine, offers } = setup();
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    const res = (nth(offers(), 0).payload as { reservationId: string }).reservationId;
    engine.rejectReservation(res, { reason: 'busy' });
    expect(offers()).toHaveLength(1);
    expect(engine.explainWaiting('t1').excluded.rejected).toEqual(['a']);
    clock.advance(120_000);
    engine.advanceTo(clock.now());
    expect(offers()).toHaveLength(2);
  });

  it('times out offers from advanceTo and re-routes the task', () => {
    const { clock, engine, events } = setup({ reservationTimeoutMs: 10_000 });
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    clock.advance(10_000);
    engine.advanceTo(clock.now());
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'reservation.timed_out')).toHaveLength(1);
    const created = events
      .filter((e) => e.type === 'reservation.created')
      .map((e) => (e.payload as { workerId: string }).workerId);
    expect(created).toEqual(['a', 'b']);
  });

  it('rescinds an offer when the worker goes offline and re-routes', () => {
    const { engine, events } = setup();
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 1 } });
    engine.setWorkerStatus('a', 'offline', 'logout');
    expect(events.filter((e) => e.type === 'reservation.rescinded')).toHaveLength(1);
    const created = events.filter((e) => e.type === 'reservation.created');
    expect((nth(created, created.length - 1).payload as { workerId: string }).workerId).toBe('b');
  });

  it('serves higher priority first, then oldest, and frees capacity after wrap-up', () => {
    const { clock, engine, offers } = setup();
    engine.submitTask({ id: 'low-old', channel: 'chat', priority: 1 });
    clock.advance(1);
    engine.submitTask({ id: 'high', channel: 'chat', priority: 5 });
    clock.advance(1);
    engine.submitTask({ id: 'low-new', channel: 'chat', priority: 1 });
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    const first = nth(offers(), 0).payload as { reservationId: string; taskId: string };
    expect(first.taskId).toBe('high');
    engine.acceptReservation(first.reservationId);
    engine.completeTask('high', { wrapUpMs: 5000 });
    expect(offers()).toHaveLength(1);
    clock.advance(5000);
    engine.advanceTo(clock.now());
    expect((nth(offers(), 1).payload as { taskId: string }).taskId).toBe('low-old');
  });

  it('multi-offer: first accept wins and the rest are rescinded', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q', offers: 3 }] } },
    });
    const types: string[] = [];
    engine.on('*', (e) => types.push(e.type));
    for (const id of ['a', 'b', 'c', 'd'])
      engine.upsertWorker({ id, status: 'available', capacity: { chat: 1 } });
    const task = engine.submitTask({ id: 't', channel: 'chat' });
    expect(task.reservations).toHaveLength(3);
    engine.acceptReservation(task.reservations[1] as string);
    expect(types.filter((t) => t === 'reservation.rescinded')).toHaveLength(2);
    expect(engine.getTask('t')?.workerId).toBe('b');
  });

  it('drains removed workers and cancels tasks in any state', () => {
    const { engine, offers } = setup();
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 2 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    engine.acceptReservation((nth(offers(), 0).payload as { reservationId: string }).reservationId);
    engine.removeWorker('a');
    engine.submitTask({ id: 't2', channel: 'chat' });
    expect(offers()).toHaveLength(1);
    expect(engine.getWorker('a')?.draining).toBe(true);
    engine.completeTask('t1');
    expect(engine.getWorker('a')).toBeUndefined();
    engine.cancelTask('t2', 'abandoned');
    expect(engine.getTask('t2')).toBeUndefined();
  });

  it('routes known workers first and falls back', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'q' }],
        defaultFilter: { targets: [{ queue: 'q', knownWorker: 'last', timeout: 30_000 }, { queue: 'q' }] },
      },
    });
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 1 } });
    const t1 = engine.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'c9' } });
    expect(t1.step).toBe(1); // no last agent yet: skipped
    engine.rejectReservation(t1.reservations[0] as string, { reason: 'x' });
    const again = engine.getTask('t1');
    engine.acceptReservation(again?.reservations[0] as string);
    engine.completeTask('t1');
    const t2 = engine.submitTask({ id: 't2', channel: 'chat', attributes: { customerId: 'c9' } });
    expect(t2.step).toBe(0);
    expect(engine.getReservation(t2.reservations[0] as string)?.workerId).toBe('b');
  });

  it('bot first: hands off to humans with the packet and target skills', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } },
    });
    const events: RoutingEvent[] = [];
    engine.on('*', (e) => events.push(e as RoutingEvent));
    engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 100 } });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    engine.acceptReservation(t.reservations[0] as string);
    engine.upsertWorker({
      id: 'human',
      status: 'available',
      attributes: { skills: { refunds: 5 } },
      capacity: { chat: 1 },
    });
    expect(engine.reportBotTurn('t', { customerText: 'thanks', confidence: 0.9 })).toBeNull();
    const packet = engine.reportBotTurn('t', { customerText: 'I want a real person please' });
    expect(packet?.reason).toBe('customer_request');
    const info = engine.getTask('t');
    expect(info?.status).toBe('reserved');
    expect(engine.getReservation(info?.reservations[0] as string)?.workerId).toBe('human');
    expect(events.some((e) => e.type === 'task.handed_off')).toBe(true);
    expect(engine.getWorker('bot')?.activeTasks).toBe(0);
  });

  it('validates input with paths and stable codes', () => {
    const { engine } = setup();
    try {
      engine.upsertWorker({
        id: 'x',
        status: 'available',
        attributes: { skills: { billing: 11 } },
        capacity: { chat: 1 },
      });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['attributes', 'skills', 'billing']);
    }
    expect(() => engine.submitTask({ channel: '' })).toThrow(/channel/);
    expect(() => engine.acceptReservation('nope')).toThrow(/Unknown reservation/);
    expect(() => createRoutingEngine({ clock: new ManualClock(0), workflow: { queues: [] } })).toThrow(
      /queues/,
    );
    try {
      createRoutingEngine({
        clock: new ManualClock(0),
        workflow: { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'nope' }] } },
      });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['defaultFilter', 'targets', 0, 'queue']);
    }
  });

  it('snapshot/restore continues identically', () => {
    const { clock, engine } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'available',
      attributes: { skills: { billing: 8 } },
      capacity: { chat: 1 },
    });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { topic: 'billing' } });
    engine.submitTask({ id: 't2', channel: 'chat', attributes: { topic: 'billing' } });
    const snap = JSON.parse(JSON.stringify(engine.snapshot()));
    const copy = createRoutingEngine({ clock, workflow });
    copy.on('*', () => {});
    copy.restore(snap);
    expect(copy.snapshot()).toEqual(engine.snapshot());
    const res = copy.getTask('t1')?.reservations[0] as string;
    copy.acceptReservation(res);
    engine.acceptReservation(res);
    copy.completeTask('t1');
    engine.completeTask('t1');
    expect(copy.snapshot()).toEqual(engine.snapshot());
  });

  it('a restored engine finishes wrap-ups that were running when the snapshot was taken', () => {
    const { clock, engine } = setup();
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    const t1 = engine.submitTask({ id: 't1', channel: 'chat' });
    engine.acceptReservation(t1.reservations[0] as string);
    engine.completeTask('t1', { wrapUpMs: 10_000 });
    engine.submitTask({ id: 't2', channel: 'chat' });
    const copy = createRoutingEngine({ clock, workflow });
    copy.restore(JSON.parse(JSON.stringify(engine.snapshot())));
    expect(copy.nextDeadline()).toBe(clock.now() + 10_000);
    clock.advance(10_000);
    copy.advanceTo(clock.now());
    // The wrap-up ended: the worker is free again and takes the waiting task.
    expect(copy.getTask('t1')).toBeUndefined();
    expect(copy.getTask('t2')?.status).toBe('reserved');
  });

  it('aging and SLA boost let old or at-risk tasks overtake higher priorities', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'q', agingPerMinute: 1, slaBoost: { within: { minutes: 5 }, boost: 100 } }],
        defaultFilter: { targets: [{ queue: 'q' }] },
      },
    });
    engine.submitTask({ id: 'old-low', channel: 'chat', priority: 0 });
    clock.advance(10 * 60_000);
    engine.submitTask({ id: 'new-high', channel: 'chat', priority: 5 });
    engine.submitTask({ id: 'sla', channel: 'chat', priority: 0, deadline: clock.now() + 6 * 60_000 });
    expect(engine.explainWaiting('old-low').effectivePriority).toBe(10);
    clock.advance(60_000);
    engine.advanceTo(clock.now());
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 3 } });
    const order = ['old-low', 'new-high', 'sla'].map((id) => engine.getTask(id)?.reservations[0]);
    const seq = order.map((r) => Number(String(r).split('-')[1]));
    // The SLA task (boosted by 100) goes first, then the aged old task, then the new one.
    expect(seq[2]).toBeLessThan(seq[0] as number);
    expect(seq[0]).toBeLessThan(seq[1] as number);
  });

  it('requestHandoff moves the same task to a target queue with target skills, bots excluded', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'bots' }, { id: 'refunds', workers: { skills: { refunds: 1 } } }],
        defaultFilter: { targets: [{ queue: 'bots' }] },
      },
    });
    engine.upsertWorker({
      id: 'bot',
      kind: 'bot',
      status: 'available',
      attributes: { skills: { refunds: 9 } },
      capacity: { chat: 50 },
    });
    engine.upsertWorker({
      id: 'junior',
      status: 'available',
      attributes: { skills: { refunds: 2 } },
      capacity: { chat: 1 },
    });
    engine.upsertWorker({
      id: 'senior',
      status: 'available',
      attributes: { skills: { refunds: 6 } },
      capacity: { chat: 1 },
    });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    expect(engine.getReservation(t.reservations[0] as string)?.workerId).toBe('bot');
    engine.acceptReservation(t.reservations[0] as string);
    expect(() => engine.requestHandoff('t', { reason: 'transfer', targetQueue: 'nope' })).toThrow(
      /unknown queue/,
    );
    expect(() => engine.requestHandoff('t', { reason: 'bored' } as never)).toThrow(/reason/);
    const after = engine.requestHandoff('t', {
      reason: 'low_confidence',
      intent: 'refund',
      confidence: 0.2,
      transcript: [{ author: 'customer', text: 'my refund never arrived' }],
      targetSkills: { refunds: 5 },
      targetQueue: 'refunds',
    });
    expect(after.id).toBe('t');
    expect(after.queue).toBe('refunds');
    expect(engine.getReservation(after.reservations[0] as string)?.workerId).toBe('senior');
    expect((after.attributes.handoff as { intent: string }).intent).toBe('refund');
    expect(engine.getWorker('bot')?.activeTasks).toBe(0);
  });

  it('save() and load() go through the document store', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({ clock, workflow, storage });
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    await engine.save();
    const copy = createRoutingEngine({ clock, workflow, storage });
    expect(await copy.load()).toBe(true);
    expect(copy.getTask('t1')?.status).toBe('reserved');
    expect(await createRoutingEngine({ clock, workflow, storage }).load('missing')).toBe(false);
    await expect(createRoutingEngine({ clock, workflow }).save()).rejects.toThrow(/without storage/);
  });

  it('attaches a decision trace to offers when asked', () => {
    const { engine, offers } = setup({ trace: true });
    engine.upsertWorker({
      id: 'away',
      status: 'away',
      attributes: { skills: { billing: 9 } },
      capacity: { chat: 1 },
    });
    engine.upsertWorker({
      id: 'low',
      status: 'available',
      attributes: { skills: { billing: 2 } },
      capacity: { chat: 1 },
    });
    engine.upsertWorker({
      id: 'ok',
      status: 'available',
      attributes: { skills: { billing: 8 } },
      capacity: { chat: 1 },
    });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { topic: 'billing' } });
    const trace = (nth(offers(), 0).payload as { trace?: import('../src/index.js').DecisionTrace }).trace;
    expect(trace?.filter).toBe('billing');
    expect(trace?.step).toBe(0);
    expect(trace?.excluded).toEqual({ presence: ['away'], level: ['low'] });
    expect(trace?.eligible.map((w) => w.workerId)).toEqual(['ok']);
    expect(trace?.strategy).toBe('longest-idle');
  });

  it("accepts core's full handoff packet (buildHandoffPacket) and routes on its target", async () => {
    const { buildHandoffPacket, createSequentialIds } = await import('@threadline/core');
    const clock = new ManualClock(1000);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'bots' }, { id: 'billing', workers: { skills: { billing: 1 } } }],
        defaultFilter: { targets: [{ queue: 'bots' }] },
      },
    });
    engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 10 } });
    engine.upsertWorker({
      id: 'bea',
      status: 'available',
      attributes: { skills: { billing: 4 } },
      capacity: { chat: 1 },
    });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    engine.acceptReservation(t.reservations[0] as string);
    const packet = buildHandoffPacket(
      {
        conversationId: 'conv-1',
        customerId: 'cust-1',
        from: { kind: 'bot', id: 'bot' },
        to: { kind: 'queue', id: 'billing' },
        reason: { code: 'customer_request' },
        transcript: [{ author: { kind: 'customer' }, body: 'a person please', at: 900 }],
        target: { skills: [{ name: 'billing', minLevel: 3 }], queueId: 'billing' },
        identity: { confidence: 0.9, verified: true },
      } as never,
      { clock, ids: createSequentialIds() },
    );
    const after = engine.requestHandoff('t', packet);
    expect(after.queue).toBe('billing');
    expect(after.requiredSkills).toEqual({ billing: 3 });
    expect(engine.getReservation(after.reservations[0] as string)?.workerId).toBe('bea');
    const stored = after.attributes.handoff as { reason: string; context: { conversationId: string } };
    expect(stored.reason).toBe('customer_request');
    expect(stored.context.conversationId).toBe('conv-1');
  });
  it('reports the next step and queue when a step times out while its offer is open', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      reservationTimeoutMs: 120_000,
      workflow: {
        queues: [{ id: 'experts' }, { id: 'everyone' }],
        defaultFilter: { targets: [{ queue: 'experts', timeout: 10_000 }, { queue: 'everyone' }] },
      },
    });
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 1 } });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    expect(t).toMatchObject({ status: 'reserved', filter: 'default', step: 0, queue: 'experts' });
    clock.set(10_000);
    engine.advanceTo(10_000);
    expect(engine.getTask('t')).toMatchObject({
      status: 'reserved',
      filter: 'default',
      step: 1,
      queue: 'everyone',
    });
  });
  it('keeps the usage of a channel dropped from capacity while its task is held', () => {
    const { engine, offers } = setup();
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 'a', channel: 'chat' });
    engine.acceptReservation((nth(offers(), 0).payload as { reservationId: string }).reservationId);
    // Chat is removed while the chat task is still held, then restored: the held unit counts.
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { voice: 1 } });
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 1 } });
    expect(engine.getWorker('w')?.used).toEqual({ chat: 1 });
    engine.submitTask({ id: 'b', channel: 'chat' });
    expect(engine.getTask('b')?.status).toBe('pending');
    engine.completeTask('a');
    expect(engine.getTask('b')?.status).toBe('reserved');
    expect(engine.getWorker('w')?.used).toEqual({ chat: 1 });
  });
  it('keeps routing right while workers are re-registered many times (lane rows compacted)', () => {
    const clock = new ManualClock(0);
    // Queue i needs skill s(i mod 10): worker w (skill s_w) serves queues w, w+10, w+20, w+30.
    const queues = Array.from({ length: 40 }, (_, i) => ({
      id: `q${i}`,
      workers: { skills: { [`s${i % 10}`]: 1 } },
    }));
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues,
        filters: queues.map((q) => ({
          name: q.id,
          match: { attributes: { q: q.id } },
          targets: [{ queue: q.id }],
        })),
      },
    });
    const register = (w: number, status: 'available' | 'away' | 'busy') =>
      engine.upsertWorker({
        id: `w${w}`,
        status,
        capacity: { chat: 1 },
        attributes: { skills: { [`s${w}`]: 5 } },
      });
    const churn = (times: number) => {
      for (let round = 0; round < times; round++)
        engine.upsertWorker({
          id: 'churn',
          status: 'away',
          capacity: { chat: 1 },
          attributes: { skills: { [`s${round % 10}`]: 5 } },
        });
    };
    churn(100);
    for (let w = 0; w < 10; w++) register(w, 'away');
    // Another worker re-registered 600 times (4 lane rows each) overflows the pool of 1,024 rows
    // again and again: every compaction must move the ten idle registrations' rows along.
    churn(600);
    for (let w = 0; w < 10; w++)
      engine.submitTask({ id: `t${w}`, channel: 'chat', attributes: { q: `q${w + 30}` } });
    expect(engine.stats().waiting).toBe(10);
    // Freed workers find their own queues' tasks through their pooled lane rows.
    for (let w = 0; w < 10; w++) engine.setWorkerStatus(`w${w}`, 'available');
    expect(engine.stats().waiting).toBe(0);
    for (let w = 0; w < 10; w++) {
      const res = engine.getTask(`t${w}`)?.reservations[0] as string;
      expect(engine.getReservation(res)?.workerId).toBe(`w${w}`);
    }
  });
  it('finds held reservations by id before and after the held index exists', () => {
    const { engine, offers } = setup();
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 3 } });
    engine.submitTask({ id: 'a', channel: 'chat' });
    const ra = (nth(offers(), 0).payload as { reservationId: string }).reservationId;
    engine.acceptReservation(ra);
    // Accepting again is an illegal transition, not an unknown id.
    expect(() => engine.acceptReservation(ra)).toThrow(/cannot go from accepted/);
    expect(engine.getReservation(ra)?.status).toBe('accepted');
    engine.submitTask({ id: 'b', channel: 'chat' });
    const rb = (nth(offers(), 1).payload as { reservationId: string }).reservationId;
    engine.acceptReservation(rb);
    expect(engine.getReservation(rb)?.status).toBe('accepted');
    engine.completeTask('a');
    expect(engine.getReservation(ra)).toBeUndefined();
    expect(engine.snapshot().reservations.map((r) => r.id)).toEqual([rb]);
    expect(() => engine.rejectReservation('nope', { reason: 'x' })).toThrow(/Unknown reservation/);
  });
  it("takes a core handoff packet with any of core's handoff reasons", async () => {
    const { buildHandoffPacket, createSequentialIds, HANDOFF_REASONS } = await import('@threadline/core');
    for (const code of HANDOFF_REASONS) {
      const clock = new ManualClock(1000);
      const engine = createRoutingEngine({
        clock,
        workflow: {
          queues: [{ id: 'bots' }, { id: 'people' }],
          defaultFilter: { targets: [{ queue: 'bots' }] },
        },
      });
      engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 10 } });
      const t = engine.submitTask({ id: 't', channel: 'chat' });
      engine.acceptReservation(t.reservations[0] as string);
      const packet = buildHandoffPacket(
        {
          conversationId: 'conv-1',
          customerId: 'cust-1',
          from: { kind: 'bot', id: 'bot' },
          to: { kind: 'queue', id: 'people' },
          reason: { code },
          transcript: [],
          target: { skills: [], queueId: 'people' },
          identity: { confidence: 1, verified: true },
        } as never,
        { clock, ids: createSequentialIds() },
      );
      const after = engine.requestHandoff('t', packet);
      expect(after.queue).toBe('people');
      expect((after.attributes.handoff as { reason: string }).reason).toBe(code);
    }
  });
  it('re-routes a reserved task whose update makes its open offer unfit, and keeps offers that still fit', () => {
    const { engine, events, offers } = setup();
    engine.upsertWorker({
      id: 'low',
      status: 'available',
      capacity: { chat: 1 },
      attributes: { skills: { billing: 8 } },
    });
    const t = engine.submitTask({ id: 't1', channel: 'chat', attributes: { topic: 'billing' } });
    expect(t.status).toBe('reserved');
    const first = nth(offers(), 0).payload as { reservationId: string; workerId: string };
    expect(first.workerId).toBe('low');

    // A change that does not affect who may take the task keeps the offer open.
    expect(engine.updateTask('t1', { priority: 5 }).status).toBe('reserved');
    expect(engine.getReservation(first.reservationId)?.status).toBe('pending');

    // Now the task needs a level-9 billing agent: the offer is rescinded and the task waits.
    const updated = engine.updateTask('t1', { requiredSkills: { billing: 9 } });
    expect(updated.status).toBe('pending');
    const rescinded = events.find((e) => e.type === 'reservation.rescinded');
    expect(rescinded?.payload).toMatchObject({ reservationId: first.reservationId, reason: 'task_updated' });
    expect(engine.getWorker('low')?.activeTasks).toBe(0);

    // A qualified agent arrives and gets it.
    engine.upsertWorker({
      id: 'high',
      status: 'available',
      capacity: { chat: 1 },
      attributes: { skills: { billing: 9 } },
    });
    expect((nth(offers(), 1).payload as { workerId: string }).workerId).toBe('high');

    // Moving a reserved task to another filter rescinds too.
    const second = engine.submitTask({ id: 't2', channel: 'chat', attributes: { topic: 'billing' } });
    expect(second.status).toBe('reserved');
    expect(engine.updateTask('t2', { attributes: { topic: 'other' } }).queue).toBe('general');
  });
});
