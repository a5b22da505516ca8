import {
  createOutboxRelay,
  createSequentialIds,
  type EventEnvelope,
  listPersonalDataDeclarations,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CaseEngineEvent,
  type CaseEngineOptions,
  caseStreamId,
  createCaseEngine,
  findDueCases,
  type SlaPolicyInput,
} from '../src/index.js';
import { backends, requireServerInCi } from './backends.js';

const T0 = Date.UTC(2026, 0, 5, 9); // Monday 09:00 UTC
const MIN = 60_000;
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: { first_reply: { normal: { minutes: 30 } }, resolution: { normal: { hours: 8 } } },
  },
];
const escalations: CaseEngineOptions['escalations'] = [
  {
    id: 'ladder',
    metric: 'first_reply',
    levels: [{ actions: [{ type: 'notify', recipients: [{ id: 'lead' }] }] }],
  },
];

function engineOn(storage: ThreadlineStorage, clock: ManualClock, extra: Partial<CaseEngineOptions> = {}) {
  return createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations,
    storage,
    ...extra,
  });
}

requireServerInCi();

for (const backend of backends()) {
  describe(`durable case engine on ${backend.label}`, () => {
    afterAll(() => backend.dispose());

    it('recovers only the cases `include` accepts (a partition of the cases)', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      const a = engineOn(storage, clock);
      for (const id of ['p1', 'p2', 'p3'])
        a.openCase({ id, customerId: 'u1', subject: 'Hi', priority: 'normal', channel: 'chat' });
      await a.flush();
      const b = engineOn(storage, clock);
      expect(await b.recover({ include: (id) => id !== 'p2' })).toMatchObject({ cases: 2 });
      expect(b.getCase('p2')).toBeUndefined();
      expect(b.getCase('p3')?.id).toBe('p3');
      expect(await b.recover()).toMatchObject({ cases: 1 }); // the rest, later
      await expect(b.recover({ include: 'p1' as never })).rejects.toMatchObject({
        code: 'VALIDATION',
        issues: [{ path: ['include'] }],
      });
    });

    it('keeps the audit trail in a stream per case: the document does not grow with history', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      const engine = engineOn(storage, clock);
      engine.openCase({ id: 'c1', customerId: 'u1', subject: 'Refund', priority: 'normal', channel: 'chat' });
      await engine.flush();
      const sizes: number[] = [];
      for (let i = 0; i < 12; i++) {
        clock.advance(MIN);
        engine.recordMessage('c1', { author: i % 2 === 0 ? 'agent' : 'customer', public: false });
        await engine.flush();
        const doc = await storage.documents.get('cases', 'c1');
        sizes.push(JSON.stringify(doc).length);
      }
      // Internal notes change nothing but the version and timestamps: a constant-size document.
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(8);
      const doc = await storage.documents.get('cases', 'c1');
      expect(doc?.engineState).toMatchObject({ format: 2 });
      expect(doc?.engineState).not.toHaveProperty('audit');
      const stream = await storage.events.readStream(caseStreamId('c1'));
      const state = (doc?.engineState ?? {}) as { streamVersion?: number };
      expect(stream.length).toBe(state.streamVersion);
      expect(stream.every((e) => (e.payload as { customerId: string }).customerId === 'u1')).toBe(true);
      // The stream reads back as the same audit trail.
      const fresh = engineOn(storage, clock);
      expect(await fresh.readAudit('c1')).toEqual(JSON.parse(JSON.stringify(engine.getAudit('c1'))));
    });

    it('delivers events only after the transaction committed, also to a throwing listener and a rejecting bus', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      const seen: string[] = [];
      const errors: unknown[] = [];
      const engine = engineOn(storage, clock, { onError: (e) => errors.push(e) });
      engine.subscribe('*', () => {
        throw new Error('listener down');
      });
      engine.subscribe('case.*', (e) => {
        seen.push(e.type);
      });
      engine.openCase({ id: 'c1', customerId: 'u1', subject: 'Refund', priority: 'normal', channel: 'chat' });
      expect(seen).toEqual([]); // not committed yet
      await engine.flush();
      expect(seen).toEqual(['case.opened']);
      expect(engine.stats().handlerFailures).toBeGreaterThan(0);
      const outbox = await storage.outbox.pending(100);
      expect(outbox.map((o) => o.event.type)).toContain('case.opened');

      // A bus given with storage is fed by the outbox relay, never by the engine: a bus that is down
      // delays delivery (retried with backoff) and loses nothing.
      let down = true;
      const published: string[] = [];
      const bus = {
        publish: async (events: EventEnvelope | readonly EventEnvelope[]) => {
          if (down) throw new Error('bus down');
          for (const e of [events].flat()) published.push(e.type);
        },
        subscribe: () => () => undefined,
      };
      const storage2 = await backend.open();
      const withBus = engineOn(storage2, clock, { bus, onError: (e) => errors.push(e) });
      withBus.openCase({
        id: 'c2',
        customerId: 'u2',
        subject: 'Help',
        priority: 'normal',
        channel: 'chat',
      });
      await withBus.flush();
      expect(withBus.stats().publishFailures).toBe(0);
      expect(published).toEqual([]);
      expect((await storage2.documents.get('cases', 'c2'))?.status).toBe('new');
      const relay = createOutboxRelay({ storage: storage2, bus, backoff: { initialMs: 0, maxMs: 0 } });
      await relay.tick();
      expect(relay.stats().delivered).toBe(0);
      expect(relay.stats().retries).toBeGreaterThan(0);
      down = false;
      await relay.tick();
      await relay.tick();
      expect(published.sort()).toEqual(['case.opened', 'sla.started', 'sla.started']); // once each
    });

    it('a failed commit publishes nothing and makes the engine refuse until a fresh one recovers', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      let fail = false;
      const d = storage.documents;
      const documents: typeof d = {
        name: d.name,
        capabilities: d.capabilities,
        defineCollection: (c, def) => d.defineCollection(c, def),
        get: (c, id, o) => d.get(c, id, o),
        getMany: (c, ids, o) => d.getMany(c, ids, o),
        put: (c, doc, o) => d.put(c, doc, o),
        delete: (c, id, o) => d.delete(c, id, o),
        find: (c, q) => d.find(c, q),
        transaction: (fn) => {
          if (fail) return Promise.reject(new Error('disk full'));
          return d.transaction?.(fn) as never;
        },
      };
      const flaky = { ...storage, documents } as ThreadlineStorage;
      const seen: string[] = [];
      const engine = engineOn(flaky, clock);
      engine.subscribe('*', (e) => {
        seen.push(e.type);
      });
      engine.openCase({ id: 'c1', customerId: 'u1', subject: 'Refund', priority: 'normal', channel: 'chat' });
      await engine.flush();
      fail = true;
      seen.length = 0;
      engine.transition('c1', 'pending', { actor: 'a' });
      await expect(engine.flush()).rejects.toMatchObject({ code: 'ADAPTER' });
      expect(seen).toEqual([]);
      expect(() => engine.transition('c1', 'open', { actor: 'a' })).toThrow(/recover/);
      fail = false;
      const next = engineOn(flaky, clock);
      await next.recover();
      expect(next.getCase('c1')?.status).toBe('new');
    });

    it('closed cases leave memory and load on demand', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      const engine = engineOn(storage, clock);
      for (let i = 0; i < 60; i++) {
        const id = `c${i}`;
        engine.openCase({ id, customerId: `u${i}`, subject: 'Refund', priority: 'normal', channel: 'chat' });
        engine.transition(id, 'solved', { actor: 'a' });
        if (i % 3 !== 0) engine.transition(id, 'closed', { actor: 'a' });
      }
      await engine.flush();
      expect(engine.stats().cases).toBe(20); // the solved ones
      expect(engine.stats().evicted).toBe(40);
      expect(engine.getCase('c1')).toBeUndefined(); // sync reads see memory only
      expect((await engine.readCase('c1'))?.status).toBe('closed');
      expect(engine.stats().cases).toBe(20); // readCase keeps nothing
      expect((await engine.readAudit('c1')).map((a) => a.action)).toEqual([
        'case.opened',
        'case.status_changed',
        'case.status_changed',
      ]);
      expect(await engine.readCase('nope')).toBeUndefined();
      await expect(engine.readAudit('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // A command on an evicted case: load it, then command it; it leaves memory again.
      await engine.loadCase('c1');
      const follow = engine.linkFollowUp('c1', { id: 'f1' });
      expect(engine.getCase('c1')?.followUps).toEqual([follow.id]);
      await engine.flush();
      expect(engine.getCase('c1')).toBeUndefined();
      expect((await engine.readCase('c1'))?.followUps).toEqual(['f1']);
      expect(engine.getCase('f1')?.followUpOf).toBe('c1');
    });

    it('reopening the id of a case that left memory is refused at commit; the rest of the batch commits', async () => {
      const storage = await backend.open();
      const engine = engineOn(storage, new ManualClock(T0));
      engine.openCase({ id: 'c1', customerId: 'u1', subject: 'First', priority: 'normal', channel: 'chat' });
      engine.transition('c1', 'solved', { actor: 'a' });
      engine.transition('c1', 'closed', { actor: 'a' });
      await engine.flush();
      expect(engine.getCase('c1')).toBeUndefined();
      const seen: string[] = [];
      engine.subscribe('case.opened', (e) => {
        seen.push(e.aggregateId);
      });
      engine.openCase({ id: 'c1', customerId: 'u9', subject: 'Again', priority: 'normal', channel: 'chat' });
      engine.openCase({ id: 'c2', customerId: 'u2', subject: 'Other', priority: 'normal', channel: 'chat' });
      await expect(engine.flush()).rejects.toMatchObject({ code: 'ADAPTER', cause: { code: 'CONFLICT' } });
      expect(seen).toEqual(['c2']);
      expect(engine.getCase('c1')).toBeUndefined();
      expect(await engine.readCase('c1')).toMatchObject({ status: 'closed', subject: 'First' });
      expect((await storage.documents.get('cases', 'c2'))?.subject).toBe('Other');
      // The engine is not broken: later commands commit.
      engine.transition('c2', 'open', { actor: 'a' });
      await engine.flush();
      expect((await storage.documents.get('cases', 'c2'))?.status).toBe('open');
    });

    it('persists deadlines in a range index; recover is idempotent and fires each breach once', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      const a = engineOn(storage, clock);
      const fired: string[] = [];
      a.subscribe('*', (e: CaseEngineEvent) => {
        if (e.type === 'sla.breached' || e.type === 'escalation.triggered')
          fired.push(`${e.aggregateId}:${e.type}`);
      });
      a.openCase({ id: 'c1', customerId: 'u1', subject: 'A', priority: 'normal', channel: 'chat' });
      clock.advance(10 * MIN);
      a.openCase({ id: 'c2', customerId: 'u2', subject: 'B', priority: 'normal', channel: 'chat' });
      clock.advance(25 * MIN); // c1's first reply breaches at +30 min; c2's is due at +40
      a.advanceTo(clock.now());
      await a.flush();
      expect(fired).toEqual(['c1:sla.breached', 'c1:escalation.triggered']);
      const rows = await findDueCases(storage, { until: T0 + 40 * MIN });
      expect(rows.map((r) => r.caseId)).toEqual(['c2']);
      expect(rows[0]?.dueAt).toBe(T0 + 40 * MIN); // c2's at-risk warning (+25) already fired

      // "Crash": a fresh engine on the same storage, later.
      clock.advance(60 * MIN);
      const b = engineOn(storage, clock);
      const after: string[] = [];
      b.subscribe('*', (e: CaseEngineEvent) => {
        if (e.type.startsWith('sla.') || e.type.startsWith('escalation.'))
          after.push(`${e.aggregateId}:${e.type}`);
      });
      const first = await b.recover();
      expect(first).toMatchObject({ cases: 2, due: 1 });
      expect(await b.recover()).toMatchObject({ cases: 0, scheduled: 0 }); // idempotent
      b.advanceTo(clock.now());
      await b.flush();
      expect(after).toEqual(['c2:sla.breached', 'c2:escalation.triggered']);
      expect(await findDueCases(storage, { until: clock.now() })).toEqual([]);
      // Rows exist only while something is due: closing both cases removes them.
      for (const id of ['c1', 'c2']) {
        b.transition(id, 'solved', { actor: 'a' });
        b.transition(id, 'closed', { actor: 'a' });
      }
      await b.flush();
      expect((await storage.documents.find('case_deadlines', { limit: 10 })).items).toEqual([]);
    });

    it('declares its personal data: case documents and audit streams', async () => {
      const storage = await backend.open();
      const engine = engineOn(storage, new ManualClock(T0));
      engine.openCase({ id: 'c1', customerId: 'u1', subject: 'Refund', priority: 'normal', channel: 'chat' });
      await engine.flush();
      const declared = await listPersonalDataDeclarations(storage.documents);
      const cases = declared.find((d) => d.owner === '@threadline/cases');
      expect(cases?.collections.map((c) => c.collection)).toEqual(['cases']);
      expect(cases?.streams).toEqual([{ streamPrefix: 'case:', customerPaths: ['customerId'] }]);
    });

    it('reads documents that still embed their history and moves it to the stream on the next change', async () => {
      const storage = await backend.open();
      const clock = new ManualClock(T0);
      // A store alone writes format-1 documents (history embedded), as earlier versions did.
      const legacy = createCaseEngine({
        clock,
        ids: createSequentialIds(),
        calendars: {},
        policies,
        store: storage.documents,
      });
      legacy.openCase({ id: 'c1', customerId: 'u1', subject: 'Old', priority: 'normal', channel: 'chat' });
      clock.advance(MIN);
      legacy.recordMessage('c1', { author: 'agent', public: true });
      await legacy.flush();
      expect((await storage.documents.get('cases', 'c1'))?.engineState).toMatchObject({ format: 1 });
      const engine = engineOn(storage, clock);
      await engine.recover();
      const audit = engine.getAudit('c1');
      clock.advance(MIN);
      engine.transition('c1', 'pending', { actor: 'a' });
      await engine.flush();
      const doc = await storage.documents.get('cases', 'c1');
      expect(doc?.engineState).toMatchObject({ format: 2 });
      const fresh = engineOn(storage, clock);
      await fresh.recover();
      expect(JSON.parse(JSON.stringify(fresh.getAudit('c1').slice(0, audit.length)))).toEqual(
        JSON.parse(JSON.stringify(audit)),
      );
      expect(fresh.getSla('c1')).toEqual(engine.getSla('c1'));
    });
  });
}
