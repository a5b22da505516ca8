import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  BusinessCalendar,
  createSequentialIds,
  type DocumentStore,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaseEngine,
  type CaseEngineEvent,
  createCaseEngine,
  type EscalationLadderInput,
  type SlaPolicyInput,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9); // Monday 09:00 UTC
const M = 60_000;
const H = 60 * M;

const weekday = [['09:00', '17:00']] as [string, string][];
const calendars = {
  office: BusinessCalendar.from({
    timeZone: 'Europe/Paris',
    hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  }),
};

const policies: SlaPolicyInput[] = [
  {
    id: 'business',
    when: 'case.channel == "email"',
    calendar: 'office',
    warn: { percent: 75 },
    targets: {
      first_reply: { normal: { hours: 2 }, high: { hours: 1 } },
      next_reply: { normal: { hours: 4 } },
      resolution: { normal: { hours: 16 }, high: { hours: 8 } },
      requester_wait: { normal: { hours: 12 } },
    },
  },
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { minutes: 30 }, high: { minutes: 15 } },
      resolution: { normal: { hours: 24 }, high: { hours: 8 } },
      agent_work: { normal: { hours: 6 } },
      team_ownership: { normal: { hours: 3 }, high: { hours: 2 } },
    },
  },
];

const escalations: EscalationLadderInput[] = [
  {
    id: 'reply-ladder',
    metric: 'first_reply',
    levels: [
      { before: { minutes: 10 }, actions: [{ type: 'notify', recipients: [{ id: 'agent-7' }] }] },
      { actions: [{ type: 'raise_priority' }] },
      { after: { minutes: 45 }, actions: [{ type: 'reassign', team: 'tier2' }] },
    ],
  },
];

function makeEngine(store: DocumentStore, now: number) {
  const clock = new ManualClock(now);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars,
    policies,
    escalations,
    store,
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  return { clock, engine, events };
}

/** Events without their ids (each engine has its own id generator). */
const comparable = (events: CaseEngineEvent[]) => events.map(({ id: _id, ...rest }) => rest);

const TENANTS = ['default', 'acme'] as const;

function snapshot(engine: CaseEngine, ids: readonly string[]) {
  return TENANTS.flatMap((tenantId) =>
    ids
      .filter((id) => engine.getCase(id, { tenantId }) !== undefined)
      .map((id) => ({
        case: engine.getCase(id, { tenantId }),
        sla: engine.getSla(id, { tenantId }),
        audit: engine.getAudit(id, { tenantId }),
        recompute: engine.recompute(id, { tenantId }).metrics,
      })),
  );
}

async function restart(store: DocumentStore, from: { engine: CaseEngine; clock: ManualClock }) {
  await from.engine.flush();
  const next = makeEngine(store, from.clock.now());
  const loaded = await Promise.all(TENANTS.map((tenantId) => next.engine.load({ tenantId, pageSize: 2 })));
  return { next, loaded };
}

describe('load: rebuilding the engine from the store', () => {
  it('restores cases, SLA instances and deadlines; breaches fire at the same instants', async () => {
    const store = createMemoryDocumentStore();
    const a = makeEngine(store, T0);
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'];
    a.engine.openCase({ id: 'c1', customerId: 'u1', subject: 's', priority: 'normal', channel: 'email' });
    a.engine.openCase({
      id: 'c2',
      customerId: 'u2',
      subject: 's',
      priority: 'high',
      channel: 'chat',
      team: 'billing',
    });
    a.engine.openCase({
      id: 'c1',
      tenantId: 'acme',
      customerId: 'u3',
      subject: 's',
      priority: 'normal',
      channel: 'chat',
    });
    a.clock.advance(20 * M);
    a.engine.advanceTo(a.clock.now());
    a.engine.recordMessage('c1', { author: 'agent', public: true });
    a.engine.transition('c1', 'pending', { actor: 'agent-7', reason: 'waiting' }); // paused clocks
    a.engine.openCase({ id: 'c3', customerId: 'u4', subject: 's', priority: 'normal', channel: 'email' });
    a.clock.advance(40 * M);
    a.engine.advanceTo(a.clock.now()); // warnings, breaches and ladder levels fire
    a.engine.acknowledgeEscalation('c1', 'first_reply', { actor: 'lead', tenantId: 'acme' });
    a.engine.openCase({ id: 'c4', customerId: 'u5', subject: 's', priority: 'normal', channel: 'chat' });
    a.engine.openCase({ id: 'c5', customerId: 'u5', subject: 's', priority: 'normal', channel: 'chat' });
    a.engine.merge('c5', 'c4', { actor: 'agent-7' });
    a.engine.assign('c2', { team: 'tier2' }, { actor: 'lead' });
    a.engine.update('c3', { attributes: { product: 'vault', gone: undefined } }, { actor: 'agent-7' });
    a.clock.advance(5 * M);

    const { next: b, loaded } = await restart(store, a);
    expect(loaded).toEqual([
      { tenantId: 'default', cases: 5, scheduled: expect.any(Number) },
      { tenantId: 'acme', cases: 1, scheduled: expect.any(Number) },
    ]);
    expect(b.engine.stats()).toEqual({ ...a.engine.stats(), fired: 0 });
    expect(b.engine.nextDeadline()).toBe(a.engine.nextDeadline());
    expect(snapshot(b.engine, ids)).toEqual(snapshot(a.engine, ids));
    expect(b.events).toEqual([]); // loading publishes nothing

    // Same time steps on both: the same warnings, breaches and ladder levels at the same instants.
    const before = a.events.length;
    for (const step of [10 * M, 50 * M, 3 * H, 20 * H, 3 * 24 * H]) {
      for (const e of [a, b]) {
        e.clock.advance(step);
        e.engine.advanceTo(e.clock.now());
      }
      expect(b.engine.nextDeadline()).toBe(a.engine.nextDeadline());
    }
    for (const e of [a, b]) {
      e.engine.transition('c1', 'open', { actor: 'agent-7' }); // resumes the paused clocks
      e.engine.recordMessage('c1', { author: 'customer', public: true }, { tenantId: 'acme' });
      e.clock.advance(2 * 24 * H);
      e.engine.advanceTo(e.clock.now());
    }
    const fired = comparable(b.events);
    expect(fired.filter((e) => e.type === 'sla.breached').length).toBeGreaterThan(0);
    expect(fired).toEqual(comparable(a.events.slice(before)));
    expect(snapshot(b.engine, ids)).toEqual(snapshot(a.engine, ids));
  });

  it('property: restarting at any point changes no later event or state', async () => {
    type Op =
      | { kind: 'open'; tenant: 0 | 1; priority: 'normal' | 'high'; channel: 'email' | 'chat' }
      | { kind: 'advance'; ms: number }
      | { kind: 'message'; n: number; author: 'agent' | 'customer' }
      | { kind: 'status'; n: number; to: 'open' | 'pending' | 'on_hold' | 'solved' }
      | { kind: 'ack'; n: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('open' as const),
        tenant: fc.constantFrom(0 as const, 1 as const),
        priority: fc.constantFrom('normal' as const, 'high' as const),
        channel: fc.constantFrom('email' as const, 'chat' as const),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 10 * H }) }),
      fc.record({
        kind: fc.constant('message' as const),
        n: fc.nat(20),
        author: fc.constantFrom('agent' as const, 'customer' as const),
      }),
      fc.record({
        kind: fc.constant('status' as const),
        n: fc.nat(20),
        to: fc.constantFrom('open' as const, 'pending' as const, 'on_hold' as const, 'solved' as const),
      }),
      fc.record({ kind: fc.constant('ack' as const), n: fc.nat(20) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 25 }),
        fc.array(op, { maxLength: 25 }),
        async (first, second) => {
          const store = createMemoryDocumentStore();
          const a = makeEngine(store, T0);
          const opened: { id: string; tenantId: string }[] = [];
          const apply = (e: ReturnType<typeof makeEngine>, o: Op, mayOpen: boolean) => {
            const pick = (n: number) => opened[n % Math.max(1, opened.length)];
            try {
              if (o.kind === 'open') {
                if (!mayOpen) return;
                const ref = { id: `k${opened.length}`, tenantId: TENANTS[o.tenant] };
                e.engine.openCase({
                  ...ref,
                  customerId: 'u',
                  subject: 's',
                  priority: o.priority,
                  channel: o.channel,
                });
                opened.push(ref);
              } else if (o.kind === 'advance') {
                e.clock.advance(o.ms);
                e.engine.advanceTo(e.clock.now());
              } else {
                const ref = pick(o.n);
                if (ref === undefined) return;
                const ctx = { actor: 'x', tenantId: ref.tenantId };
                if (o.kind === 'message')
                  e.engine.recordMessage(ref.id, { author: o.author, public: true }, ctx);
                else if (o.kind === 'status') e.engine.transition(ref.id, o.to, ctx);
                else e.engine.acknowledgeEscalation(ref.id, 'first_reply', ctx);
              }
            } catch (err) {
              if (!isThreadlineError(err)) throw err;
            }
          };
          for (const o of first) apply(a, o, true);
          const ids = opened.map((r) => r.id);
          const { next: b } = await restart(store, a);
          expect(b.engine.nextDeadline()).toBe(a.engine.nextDeadline());
          expect(snapshot(b.engine, ids)).toEqual(snapshot(a.engine, ids));
          const before = a.events.length;
          for (const o of second) {
            apply(a, o, false);
            apply(b, o, false);
          }
          expect(comparable(b.events)).toEqual(comparable(a.events.slice(before)));
          expect(b.engine.nextDeadline()).toBe(a.engine.nextDeadline());
          expect(snapshot(b.engine, ids)).toEqual(snapshot(a.engine, ids));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects a load without a store, a second load of the same cases and a corrupt document', async () => {
    const store = createMemoryDocumentStore();
    const a = makeEngine(store, T0);
    a.engine.openCase({ id: 'c1', customerId: 'u', subject: 's', priority: 'normal', channel: 'chat' });
    await a.engine.flush();

    const noStore = createCaseEngine({ clock: new ManualClock(T0), calendars, policies });
    await expect(noStore.load()).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(a.engine.load({ pageSize: 0 })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(a.engine.load()).rejects.toMatchObject({ code: 'CONFLICT' });

    const b = makeEngine(store, T0);
    expect(await b.engine.load({ tenantId: 'globex' })).toEqual({
      tenantId: 'globex',
      cases: 0,
      scheduled: 0,
    });
    const doc = await store.get('cases', 'c1');
    await store.put('cases', { ...doc, id: 'c2', engineState: { format: 1 } });
    const c = makeEngine(store, T0);
    const err = await c.engine.load().catch((e: unknown) => e);
    expect(isThreadlineError(err, 'VALIDATION')).toBe(true);
    // Nothing half-loaded: c1 was valid but the load failed as a whole.
    expect(c.engine.stats().cases).toBe(0);
    expect(c.engine.getCase('c1')).toBeUndefined();
  });
});

describe('load: documents written before the American spelling', () => {
  it('reads metric state `cancelled` and `cancelledAt` as `canceled` and `canceledAt`', async () => {
    const store = createMemoryDocumentStore();
    const a = makeEngine(store, T0);
    a.engine.openCase({ id: 'c1', customerId: 'u', subject: 's', priority: 'normal', channel: 'chat' });
    a.clock.set(T0 + 10 * M);
    a.engine.transition('c1', 'solved', { actor: 'agent-7' }); // first reply canceled: no reply
    await a.engine.flush();
    const before = a.engine.getSla('c1');
    expect(before.some((m) => m.state === 'canceled')).toBe(true);
    const doc = await store.get('cases', 'c1');
    const legacy = JSON.parse(
      JSON.stringify(doc).replaceAll('"canceled"', '"cancelled"').replaceAll('canceledAt', 'cancelledAt'),
    );
    const old = createMemoryDocumentStore();
    await old.put('cases', legacy);
    const b = makeEngine(old, T0 + 10 * M);
    await b.engine.load();
    expect(b.engine.getSla('c1')).toEqual(before);
  });
});
