import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createIdGenerator,
  createOutboxRelay,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CompactJournalBatch,
  createRoutingEngine,
  decodeJournalBatch,
  JOURNAL_BATCH_EVENT_TYPE,
  JOURNAL_BATCH_FORMAT,
  JOURNAL_EVENT_TYPE,
  JOURNAL_OPS,
  type JournalBatch,
  journalStream,
  type RoutingEngineOptions,
  type RoutingEvent,
} from '../src/index.js';
import { forEachJournalBackend, type JournalBackend } from './journalStorage.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'q' }],
  defaultFilter: { targets: [{ queue: 'q' }] },
};

function refusal(run: () => unknown): ReturnType<typeof toError> {
  try {
    run();
  } catch (error) {
    return toError(error);
  }
  throw new Error('expected a ThreadlineError');
}
function toError(error: unknown) {
  if (isThreadlineError(error)) return error;
  throw error;
}

/** A storage whose transactions can be made to fail. */
function flaky(storage: ThreadlineStorage): { storage: ThreadlineStorage; fail: (on: boolean) => void } {
  let failing = false;
  const d = storage.documents;
  const documents: ThreadlineStorage['documents'] = {
    name: d.name,
    capabilities: d.capabilities,
    defineCollection: (...a) => d.defineCollection(...a),
    get: (...a) => d.get(...a),
    getMany: (...a) => d.getMany(...a),
    put: (...a) => d.put(...a),
    delete: (...a) => d.delete(...a),
    find: (...a) => d.find(...a),
    transaction: async (fn) => {
      if (failing) throw new Error('disk full');
      return (d.transaction as NonNullable<typeof d.transaction>)(fn);
    },
  };
  return { storage: { ...storage, documents }, fail: (on) => (failing = on) };
}

/**
 * A storage whose next transactions can be held at their start: `hold()` makes the next
 * transaction wait until the returned `release(ok)`; with `ok = false` it then fails.
 */
function gated(storage: ThreadlineStorage): {
  storage: ThreadlineStorage;
  hold: () => (ok: boolean) => void;
} {
  const gates: Array<Promise<boolean>> = [];
  const d = storage.documents;
  const documents: ThreadlineStorage['documents'] = {
    name: d.name,
    capabilities: d.capabilities,
    defineCollection: (...a) => d.defineCollection(...a),
    get: (...a) => d.get(...a),
    getMany: (...a) => d.getMany(...a),
    put: (...a) => d.put(...a),
    delete: (...a) => d.delete(...a),
    find: (...a) => d.find(...a),
    transaction: async (fn) => {
      const gate = gates.shift();
      if (gate !== undefined && !(await gate)) throw new Error('disk full');
      return (d.transaction as NonNullable<typeof d.transaction>)(fn);
    },
  };
  const hold = () => {
    let release: (ok: boolean) => void = () => undefined;
    gates.push(new Promise<boolean>((r) => (release = r)));
    return release;
  };
  return { storage: { ...storage, documents }, hold };
}

forEachJournalBackend((make) => {
  // One backend per storage kind (PGlite takes seconds to start); each test is its own tenant.
  let backend: JournalBackend;
  let tenant = 0;
  let tenantId = '';
  // Starting PGlite and migrating takes seconds (more on a loaded machine): once, up front.
  beforeAll(async () => {
    backend = make();
    await backend.open();
  }, 180_000);
  afterAll(async () => backend.dispose());
  beforeEach(() => {
    tenantId = `tenant-${++tenant}`;
  });
  /** The tenant's outbox rows. */
  const outboxOf = async (storage: ThreadlineStorage) =>
    (await storage.outbox.pending(10_000)).filter((e) => e.event.tenantId === tenantId);

  async function setup(extra: Partial<RoutingEngineOptions> = {}) {
    const storage = await backend.open();
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const options = { clock, workflow, storage, tenantId, ...extra } as RoutingEngineOptions;
    const engine = createRoutingEngine(options);
    const reopen = async () => {
      const copy = createRoutingEngine({ ...options, storage: await backend.open() });
      await copy.recover();
      return copy;
    };
    return { storage, clock, engine, reopen, options };
  }

  it('events stay invisible until their batch commits, then arrive once, and are in the outbox', async () => {
    const { storage, engine } = await setup();
    const seen: RoutingEvent[] = [];
    engine.subscribe('*', (e) => seen.push(e));
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 2 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    expect(engine.getTask('t1')?.status).toBe('reserved');
    expect(seen).toEqual([]);
    expect(engine.stats().journal).toMatchObject({ committed: 0, pending: 2 });
    expect(await outboxOf(storage)).toEqual([]);
    await engine.flush();
    expect(seen.map((e) => e.type)).toEqual(['worker.status_changed', 'task.queued', 'reservation.created']);
    expect(engine.stats().journal).toMatchObject({ committed: 2, pending: 0, commits: 1, failed: false });
    const outbox = (await outboxOf(storage)).map((e) => e.event.id);
    expect(outbox).toEqual(seen.map((e) => e.id));
    await engine.flush();
    expect(seen).toHaveLength(3);
  });

  it('recover() on a fresh engine yields the committed state; uncommitted commands are lost', async () => {
    const { engine, reopen, clock } = await setup();
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 2 } });
    engine.upsertWorker({ id: 'bo', status: 'available', capacity: { voice: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'cus-1' } });
    const offer = engine.getTask('t1')?.reservations[0] as string;
    engine.acceptReservation(offer);
    engine.submitTask({ channel: 'voice', priority: 3 });
    clock.advance(31_000);
    engine.advanceTo(clock.now()); // the voice offer times out
    await engine.flush();
    const committed = engine.snapshot();
    engine.submitTask({ id: 'lost', channel: 'chat' }); // never flushed: the "crash" loses it
    const copy = await reopen();
    expect(copy.snapshot()).toEqual(committed);
    expect(copy.getTask('lost')).toBeUndefined();
    await copy.recover(); // idempotent
    expect(copy.snapshot()).toEqual(committed);
    // The recovered engine continues: the next generated ids follow the committed ones.
    copy.submitTask({ channel: 'chat' });
    await copy.flush();
    expect(copy.stats().journal?.committed).toBe(7);
  });

  it('a commit is one compact batch event (format 2): positional entries, the batch lists its customers', async () => {
    const { engine, storage } = await setup();
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'cus-9' } });
    engine.cancelTask('t1', 'hung_up');
    engine.advanceTo(Date.UTC(2026, 0, 5, 10));
    engine.advanceTo(Date.UTC(2026, 0, 5, 9, 30)); // earlier: a no-op, not journaled
    await engine.flush();
    engine.submitTask({ id: 't2', channel: 'chat', attributes: { customerId: 'cus-1' } });
    await engine.flush();
    const stored = await storage.events.readStream(journalStream(tenantId, 'engine'), { tenantId });
    expect(stored.map((e) => [e.type, e.streamVersion])).toEqual([
      [JOURNAL_BATCH_EVENT_TYPE, 1],
      [JOURNAL_BATCH_EVENT_TYPE, 2],
    ]);
    const [first, second] = stored.map((e) => e.payload as CompactJournalBatch);
    expect(first?.v).toBe(JOURNAL_BATCH_FORMAT);
    expect(first?.first).toBe(1);
    expect(first?.customerIds).toEqual(['cus-9']);
    // [op index, time since the batch's `at`, args]: ids, reasons and instants as they were passed.
    expect(first?.ops[2]).toEqual([JOURNAL_OPS.indexOf('cancelTask'), 0, ['t1', 'hung_up']]);
    const payloads = decodeJournalBatch(first as CompactJournalBatch);
    expect(payloads.map((p) => p.op)).toEqual(['upsertWorker', 'submitTask', 'cancelTask', 'advanceTo']);
    expect(payloads[3]?.args).toEqual([Date.UTC(2026, 0, 5, 10)]);
    expect(second).toMatchObject({ first: 5, customerIds: ['cus-1'] });
    expect(engine.stats().journal).toMatchObject({ committed: 5, commits: 2 });
  });

  it('recover() replays a stream written one event per command (the earlier format), then appends batches after it', async () => {
    const { engine, storage, clock } = await setup();
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 2 } });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'cus-9' } });
    engine.submitTask({ id: 't2', channel: 'chat' });
    await engine.flush();
    const expected = engine.snapshot();
    // The same commands as the older format stored them: one event per command, version = number.
    const legacy = createMemoryStorage();
    const batch = (await storage.events.readStream(journalStream(tenantId, 'engine'), { tenantId }))[0];
    const entries = decodeJournalBatch(batch?.payload as CompactJournalBatch);
    const stream = journalStream(tenantId, 'engine');
    await legacy.events.append(
      stream,
      entries.map((entry, i) => ({
        id: `${stream}:${i + 1}`,
        type: JOURNAL_EVENT_TYPE,
        tenantId,
        aggregateId: 'engine',
        aggregateType: 'routing_journal',
        version: i + 1,
        occurredAt: entry.at,
        payload: entry as never,
      })),
      { tenantId },
    );
    const copy = createRoutingEngine({ clock, workflow, storage: legacy, tenantId });
    await copy.recover();
    expect(copy.snapshot()).toEqual(expected);
    expect(copy.stats().journal?.committed).toBe(3);
    copy.submitTask({ id: 't3', channel: 'chat' });
    await copy.flush();
    const after = await legacy.events.readStream(stream, { tenantId });
    expect(after.map((e) => e.type)).toEqual([
      ...entries.map(() => JOURNAL_EVENT_TYPE),
      JOURNAL_BATCH_EVENT_TYPE,
    ]);
    expect((after[3]?.payload as CompactJournalBatch | undefined)?.first).toBe(4);
    const again = createRoutingEngine({ clock, workflow, storage: legacy, tenantId });
    await again.recover();
    expect(again.snapshot()).toEqual(copy.snapshot());
  });

  it('recover() replays batches of format 1 ({ first, entries }) followed by compact ones', async () => {
    const { engine, storage, clock } = await setup();
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 2 } });
    engine.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'cus-9' } });
    await engine.flush();
    engine.submitTask({ id: 't2', channel: 'chat' });
    await engine.flush();
    const expected = engine.snapshot();
    const stream = journalStream(tenantId, 'engine');
    const stored = await storage.events.readStream(stream, { tenantId });
    // The first batch as format 1 wrote it; the second stays compact.
    const older = createMemoryStorage();
    const [b1, b2] = stored;
    const v1: JournalBatch = {
      first: 1,
      entries: decodeJournalBatch(b1?.payload as CompactJournalBatch),
      customerIds: ['cus-9'],
    };
    const envelope = (e: typeof b1, payload: unknown) => {
      const { streamId: _s, streamVersion: _v, position: _p, ...rest } = e as NonNullable<typeof b1>;
      return { ...rest, payload } as EventEnvelope;
    };
    await older.events.append(stream, [envelope(b1, v1), envelope(b2, b2?.payload)], { tenantId });
    const copy = createRoutingEngine({ clock, workflow, storage: older, tenantId });
    await copy.recover();
    expect(copy.snapshot()).toEqual(expected);
    expect(copy.stats().journal?.committed).toBe(3);
  });

  it('a malformed compact batch is a VALIDATION error naming the bad field', () => {
    const batch = (ops: unknown[]) =>
      ({ v: JOURNAL_BATCH_FORMAT, first: 1, at: 0, ops, customerIds: [] }) as unknown as CompactJournalBatch;
    const issuePath = (payload: unknown) => {
      try {
        decodeJournalBatch(payload as CompactJournalBatch);
      } catch (error) {
        expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
        return (error as { issues?: Array<{ path: unknown }> }).issues?.[0]?.path;
      }
      throw new Error('expected an error');
    };
    expect(issuePath(batch([[99, 0, []]]))).toEqual(['payload', 'ops', 0, 0]);
    expect(issuePath(batch([[0, 'x', []]]))).toEqual(['payload', 'ops', 0, 1]);
    expect(issuePath(batch([[0, 0, {}]]))).toEqual(['payload', 'ops', 0, 2]);
    expect(issuePath(batch([[0, 0, [], 'ids']]))).toEqual(['payload', 'ops', 0, 3]);
    expect(issuePath(batch([[0, 0]]))).toEqual(['payload', 'ops', 0]);
    expect(issuePath({ ...batch([]), v: 3 })).toEqual(['payload', 'v']);
    expect(issuePath({ ...batch([]), at: null })).toEqual(['payload', 'at']);
    expect(issuePath({ first: 1, customerIds: [] })).toEqual(['payload', 'entries']);
  });

  it('snapshots every N commands; recovery starts from the latest and replays the rest', async () => {
    const { engine, storage, reopen } = await setup({ journal: { snapshotEvery: 3 } });
    for (let i = 0; i < 4; i++)
      engine.upsertWorker({ id: `w${i}`, status: 'available', capacity: { chat: 1 } });
    await engine.flush(); // 4 commands: a snapshot at position 4
    for (let i = 0; i < 2; i++) engine.submitTask({ id: `t${i}`, channel: 'chat' });
    await engine.flush(); // 2 more: below the threshold, no snapshot
    const doc = await storage.documents.get('routing_snapshots', 'journal:engine', { tenantId });
    expect(doc).toMatchObject({ position: 4, streamVersion: 1 });
    expect(engine.stats().journal).toMatchObject({ snapshots: 1, committed: 6 });
    const copy = await reopen();
    expect(copy.snapshot()).toEqual(engine.snapshot());
  });

  it('a failing commit rejects flush(), delivers nothing, refuses commands until recover()', async () => {
    const base = await backend.open();
    const { storage, fail } = flaky(base);
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({ clock, workflow, storage, tenantId });
    const seen: RoutingEvent[] = [];
    engine.subscribe('*', (e) => seen.push(e));
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    await engine.flush();
    const committed = engine.snapshot();
    seen.length = 0;
    fail(true);
    engine.submitTask({ id: 't1', channel: 'chat' });
    const error = await engine.flush().then(
      () => undefined,
      (e: unknown) => toError(e),
    );
    expect(error?.code).toBe('ADAPTER');
    expect(engine.stats().journal?.failed).toBe(true);
    expect(refusal(() => engine.submitTask({ id: 't2', channel: 'chat' })).code).toBe('ADAPTER');
    expect(seen).toEqual([]);
    expect(await outboxOf(base)).toHaveLength(1); // the worker's event only
    fail(false);
    await engine.recover();
    expect(engine.snapshot()).toEqual(committed);
    expect(engine.getTask('t1')).toBeUndefined();
    engine.submitTask({ id: 't2', channel: 'chat' });
    await engine.flush();
    expect(seen.map((e) => e.type)).toEqual(['task.queued', 'reservation.created']);
  });

  it('pipelined commits: a batch cut while the one before commits lands after it, in order', async () => {
    const base = await backend.open();
    const { storage, hold } = gated(base);
    const clock = new ManualClock(0);
    const options = { clock, workflow, storage, tenantId, journal: { maxBatch: 1, flushIntervalMs: 0 } };
    const engine = createRoutingEngine(options);
    const seen: string[] = [];
    engine.subscribe('*', (e) => seen.push(e.type));
    // The first commit defines the snapshot collection; the pipeline runs after it.
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    await engine.flush();
    seen.length = 0;
    const release = hold();
    engine.upsertWorker({ id: 'bob', status: 'available', capacity: { chat: 1 } }); // batch 2, held
    engine.submitTask({ id: 't1', channel: 'chat' }); // batch 3, cut behind it
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.stats().journal).toMatchObject({ committed: 1, pending: 2, commits: 1 });
    const stream = journalStream(tenantId, 'engine');
    expect(await base.events.readStream(stream, { tenantId })).toHaveLength(1);
    expect(await outboxOf(base)).toHaveLength(1);
    expect(seen).toEqual([]);
    release(true);
    await engine.flush();
    expect(engine.stats().journal).toMatchObject({ committed: 3, pending: 0, commits: 3, failed: false });
    expect(seen).toEqual(['worker.status_changed', 'task.queued', 'reservation.created']);
    const stored = await base.events.readStream(stream, { tenantId });
    expect(stored.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    const copy = createRoutingEngine({ ...options, storage: base });
    await copy.recover();
    expect(copy.snapshot()).toEqual(engine.snapshot());
  });

  it('pipelined commits: when a batch fails, the one cut behind it never commits and nothing of either is seen', async () => {
    const base = await backend.open();
    const { storage, hold } = gated(base);
    const clock = new ManualClock(0);
    const options = { clock, workflow, storage, tenantId, journal: { maxBatch: 1, flushIntervalMs: 0 } };
    const engine = createRoutingEngine(options);
    const seen: string[] = [];
    engine.subscribe('*', (e) => seen.push(e.type));
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    await engine.flush();
    const committed = engine.snapshot();
    seen.length = 0;
    const release = hold();
    engine.upsertWorker({ id: 'bob', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' }); // offered to a worker, not committed
    release(false);
    const error = await engine.flush().then(
      () => undefined,
      (e: unknown) => toError(e),
    );
    expect(error?.code).toBe('ADAPTER');
    expect(error?.details).toMatchObject({ committed: 1, lost: 2 });
    expect(engine.stats().journal).toMatchObject({ committed: 1, commits: 1, failed: true });
    expect(seen).toEqual([]);
    expect(await base.events.readStream(journalStream(tenantId, 'engine'), { tenantId })).toHaveLength(1);
    expect(await outboxOf(base)).toHaveLength(1); // ana's event only: the offer is nowhere
    await engine.recover();
    expect(engine.snapshot()).toEqual(committed);
    engine.submitTask({ id: 't2', channel: 'chat' });
    await engine.flush();
    expect(seen).toEqual(['task.queued', 'reservation.created']);
  });

  it('a throwing listener never stops delivery; a rejecting bus gets the events from the outbox once it recovers', async () => {
    const errors: string[] = [];
    let down = true;
    const published: string[] = [];
    const bus = {
      publish: async (events: EventEnvelope | readonly EventEnvelope[]) => {
        if (down) throw new Error('bus down');
        for (const e of [events].flat()) published.push(e.id);
      },
      subscribe: () => () => undefined,
    };
    const { engine, storage } = await setup({
      // With a journal the engine never publishes to a bus itself: the relay does, from the outbox.
      bus: bus as never,
      ids: createIdGenerator(), // unique event ids: the storage holds earlier tests' rows too
      onError: (_e, { source }) => errors.push(source),
    });
    const seen: string[] = [];
    const seenIds: string[] = [];
    engine.subscribe('task.*', () => {
      throw new Error('listener bug');
    });
    engine.subscribe('*', (e) => {
      seen.push(e.type);
      seenIds.push(e.id);
    });
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    const info = engine.submitTask({ id: 't1', channel: 'chat' });
    expect(info.status).toBe('reserved');
    await engine.flush();
    expect(seen).toEqual(['worker.status_changed', 'task.queued', 'reservation.created']);
    expect(engine.stats()).toMatchObject({ publishFailures: 0, handlerFailures: 1 });
    expect(errors).toEqual(['subscriber']);
    expect(published).toEqual([]);
    const relay = createOutboxRelay({ storage, bus, backoff: { initialMs: 0, maxMs: 0 } });
    await relay.tick(); // the bus is down: counted, retried later, nothing lost
    expect(relay.stats().delivered).toBe(0);
    expect(relay.stats().retries).toBeGreaterThan(0);
    down = false;
    while ((await relay.tick()) > 0);
    // Every committed event reached the bus, once (the storage may hold earlier tests' rows too).
    for (const id of seenIds) expect(published.filter((p) => p === id)).toHaveLength(1);
  });

  it('commands issued by listeners join the next batch; recovery replays them', async () => {
    const { engine, reopen } = await setup();
    engine.subscribe('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    await engine.flush(); // delivers reservation.created: the listener accepts (pending)
    expect(engine.getTask('t1')?.status).toBe('assigned');
    expect(engine.stats().journal?.pending).toBe(1);
    await engine.flush();
    const copy = await reopen();
    expect(copy.getTask('t1')?.status).toBe('assigned');
    expect(copy.snapshot()).toEqual(engine.snapshot());
  });

  it('injected ids are recorded and replayed (the generator is random)', async () => {
    const { engine, reopen, options } = await setup({ ids: createIdGenerator() });
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    const t = engine.submitTask({ channel: 'chat' });
    engine.rejectReservation(t.reservations[0] as string, { reason: 'busy' });
    engine.upsertWorker({ id: 'bo', status: 'available', capacity: { chat: 1 } });
    await engine.flush();
    const copy = await reopen();
    expect(options.ids).toBeDefined();
    expect(copy.snapshot()).toEqual(engine.snapshot());
    expect(copy.getTask(t.id)?.reservations).toEqual(engine.getTask(t.id)?.reservations);
  });

  it('bot handoffs replay without the detector; restore() and load() are journaled', async () => {
    const { engine, reopen, storage, options } = await setup();
    engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 10 } });
    const t = engine.submitTask({ id: 't1', channel: 'chat' });
    engine.acceptReservation(t.reservations[0] as string);
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    expect(engine.reportBotTurn('t1', { customerText: 'I want to talk to a human' })).not.toBeNull();
    await engine.flush();
    const copy = await reopen();
    expect(copy.snapshot()).toEqual(engine.snapshot());
    await engine.save('manual');
    // A second engine on its own journal loads the saved copy: the load is journaled too.
    const other = createRoutingEngine({ ...options, storage, journal: { engineId: 'other' } });
    expect(await other.load('manual')).toBe(true);
    await other.flush();
    const again = createRoutingEngine({ ...options, storage, journal: { engineId: 'other' } });
    await again.recover();
    expect(again.snapshot()).toEqual(engine.snapshot());
  });
});

describe('journal options', () => {
  const clock = new ManualClock(0);

  it('are validated strictly and need storage', () => {
    const storage = createMemoryStorage();
    const typo = refusal(() =>
      createRoutingEngine({ clock, workflow, storage, journal: { maxBatc: 5 } as never }),
    );
    expect(typo.code).toBe('CONFIG');
    expect(typo.issues[0]?.path).toEqual(['journal']);
    const zero = refusal(() => createRoutingEngine({ clock, workflow, storage, journal: { maxBatch: 0 } }));
    expect(zero.issues[0]?.path).toEqual(['journal', 'maxBatch']);
    const alone = refusal(() => createRoutingEngine({ clock, workflow, journal: { maxBatch: 5 } }));
    expect(alone.code).toBe('CONFIG');
    expect(alone.issues[0]?.path).toEqual(['journal']);
  });

  it('recover() without a journal is CONFIG; flush() resolves at once', async () => {
    const engine = createRoutingEngine({ clock, workflow });
    await engine.flush();
    const error = await engine.recover().then(
      () => undefined,
      (e: unknown) => toError(e),
    );
    expect(error?.code).toBe('CONFIG');
    const off = createRoutingEngine({ clock, workflow, storage: createMemoryStorage(), journal: false });
    const seen: EventEnvelope[] = [];
    off.subscribe('*', (e) => seen.push(e));
    off.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    expect(seen).toHaveLength(1); // journal off: delivered at once, as without storage
  });

  it('maxBatch commits on its own, and a timer clock commits after flushIntervalMs', async () => {
    const storage = createMemoryStorage();
    const engine = createRoutingEngine({ clock, workflow, storage, journal: { maxBatch: 2 } });
    const seen: EventEnvelope[] = [];
    engine.subscribe('*', (e) => seen.push(e));
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 1 } });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(2);
    let armed: (() => void) | undefined;
    const timerClock = {
      now: () => 0,
      setTimer: (fn: () => void) => {
        armed = fn;
        return () => undefined;
      },
    };
    const timed = createRoutingEngine({
      clock: timerClock,
      workflow,
      storage: createMemoryStorage(),
      journal: { flushIntervalMs: 5 },
    });
    const got: EventEnvelope[] = [];
    timed.subscribe('*', (e) => got.push(e));
    timed.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    expect(armed).toBeDefined();
    armed?.();
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
  });
});
