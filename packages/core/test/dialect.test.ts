import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BusinessCalendar,
  createBusinessCalendar,
  createInProcessEventBus,
  createManualClock,
  createOutboxRelay,
  createScheduler,
  createSystemClock,
  type EventEnvelope,
  InProcessEventBus,
  isKnownTimeZone,
  ManualClock,
  type OutboxEntry,
  OutboxRelay,
  Scheduler,
  SystemClock,
  ZoneRules,
  zoneRules,
} from '../src/index.js';

function envelope(id: string, version: number): EventEnvelope {
  return {
    id,
    type: 'case.opened',
    tenantId: 'default',
    aggregateId: 'c1',
    aggregateType: 'case',
    version,
    occurredAt: 0,
    payload: {},
  };
}

describe('create… factories', () => {
  it('build the same classes as the constructors', () => {
    expect(createManualClock(5)).toBeInstanceOf(ManualClock);
    expect(createManualClock(5).now()).toBe(5);
    expect(createManualClock().now()).toBe(0);
    expect(createSystemClock()).toBeInstanceOf(SystemClock);
    expect(createInProcessEventBus()).toBeInstanceOf(InProcessEventBus);
    expect(createScheduler({ clock: createManualClock() })).toBeInstanceOf(Scheduler);
    const cal = createBusinessCalendar({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } });
    expect(cal).toBeInstanceOf(BusinessCalendar);
    expect(cal.toJSON()).toEqual(BusinessCalendar.from(cal.config).toJSON());
  });

  it('reject bad options with VALIDATION naming the field', () => {
    expect(() => createInProcessEventBus({ maxDeadLetters: -1 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['maxDeadLetters'] }),
    );
    expect(() => createInProcessEventBus({ onUnhandledErrors: () => {} } as never)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() => createScheduler({ clock: {} as never })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['clock'] }),
    );
    expect(() => createScheduler({ clock: createManualClock(), maxSleepMs: 0 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['maxSleepMs'] }),
    );
    // The outbox is an adapter: one ADAPTER error naming every missing method, with its path.
    expect(() => createOutboxRelay({ outbox: {} as never, bus: createInProcessEventBus() })).toThrow(
      expect.objectContaining({ code: 'ADAPTER', path: ['outbox'] }),
    );
    expect(
      () => new OutboxRelay({ outbox: fakeOutbox([]), bus: createInProcessEventBus(), batchSize: 0 }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION', path: ['batchSize'] }));
  });

  it('createOutboxRelay publishes pending entries in batches and marks them', async () => {
    const entries: OutboxEntry[] = [1, 2, 3].map((seq) => ({
      seq,
      event: envelope(`e${seq}`, seq),
      attempts: 0,
    }));
    const outbox = fakeOutbox(entries);
    const bus = createInProcessEventBus();
    const seen: string[] = [];
    bus.subscribe('*', (e) => seen.push(e.id));
    const relay = createOutboxRelay({ outbox, bus, batchSize: 2 });
    expect(await relay.drain()).toBe(3);
    expect(seen).toEqual(['e1', 'e2', 'e3']);
    expect(outbox.published).toEqual([1, 2, 3]);
  });
});

function fakeOutbox(entries: OutboxEntry[]) {
  const published: number[] = [];
  return {
    published,
    async add() {},
    async pending(limit = 100) {
      return entries.filter((e) => !published.includes(e.seq)).slice(0, limit);
    },
    async markPublished(seqs: readonly number[]) {
      published.push(...seqs);
    },
    async markFailed() {},
    async dead() {
      return [];
    },
    async retry() {
      return 0;
    },
  };
}

describe('Scheduler.advanceTo (synchronous, decision: same meaning in every engine)', () => {
  function target(due: number[], log: [string, number][], name: string) {
    return {
      nextDeadline: () => due[0] ?? null,
      advanceTo(now: number) {
        while (due[0] !== undefined && due[0] <= now) log.push([name, due.shift() as number]);
      },
    };
  }

  it('fires everything due at or before now in deadline order, setting the clock to each deadline', () => {
    const clock = createManualClock(0);
    const scheduler = createScheduler({ clock });
    const log: [string, number][] = [];
    const at: number[] = [];
    scheduler.add(target([10, 40, 500], log, 'a'));
    scheduler.add(target([20, 40], log, 'b'));
    scheduler.add({ nextDeadline: () => null, advanceTo: () => at.push(clock.now()) });
    const result: unknown = scheduler.advanceTo(100);
    expect(result).toBeUndefined();
    expect(log).toEqual([
      ['a', 10],
      ['b', 20],
      ['a', 40],
      ['b', 40],
    ]);
    expect(clock.now()).toBe(100);
    expect(scheduler.nextDeadline()).toBe(500);
  });

  it('treats a now earlier than the clock as a no-op and accepts a Date', () => {
    const clock = createManualClock(1_000);
    const scheduler = createScheduler({ clock });
    const log: [string, number][] = [];
    scheduler.add(target([500, 2_000], log, 'a'));
    scheduler.advanceTo(900);
    expect(clock.now()).toBe(1_000);
    expect(log).toEqual([]);
    scheduler.advanceTo(new Date(2_000));
    expect(log).toEqual([
      ['a', 500],
      ['a', 2_000],
    ]);
  });

  it('property: fires exactly the deadlines up to now, in order, however the steps are split', () => {
    const deadlines = fc.array(fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 8 }), {
      minLength: 1,
      maxLength: 4,
    });
    const steps = fc.array(fc.integer({ min: 0, max: 1_200 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(deadlines, steps, (perTarget, stops) => {
        const run = (nows: number[]) => {
          const clock = createManualClock(0);
          const scheduler = createScheduler({ clock });
          const log: [string, number][] = [];
          const at: number[] = [];
          perTarget.forEach((ds, i) => {
            const due = [...ds].sort((a, b) => a - b);
            scheduler.add({
              nextDeadline: () => due[0] ?? null,
              advanceTo(now: number) {
                while (due[0] !== undefined && due[0] <= now) {
                  log.push([`t${i}`, due.shift() as number]);
                  at.push(clock.now());
                }
              },
            });
          });
          for (const n of nows) scheduler.advanceTo(n);
          return { log, at, now: clock.now() };
        };
        const last = Math.max(...stops);
        const once = run([last]);
        const split = run(stops);
        const fired = once.log.map(([, d]) => d);
        expect(fired).toEqual([...fired].sort((a, b) => a - b));
        expect(fired).toEqual(
          perTarget
            .flat()
            .filter((d) => d <= last)
            .sort((a, b) => a - b),
        );
        // Every target ran at its due instant (the clock was set to each deadline).
        expect(once.at).toEqual(fired);
        expect(split.log.map(([, d]) => d)).toEqual(fired);
        expect(split.now).toBe(last);
      }),
      { seed: 23, numRuns: 200 },
    );
  });

  it('returns null from nextDeadline when no target has work', () => {
    const scheduler = createScheduler({ clock: createManualClock() });
    expect(scheduler.nextDeadline()).toBeNull();
    scheduler.add({ nextDeadline: () => undefined, advanceTo: () => {} });
    expect(scheduler.nextDeadline()).toBeNull();
  });

  it('refuses a target that returns a promise (runUntil still waits for it)', async () => {
    const make = () => {
      const due = [10];
      return {
        done: [] as number[],
        nextDeadline: () => due[0] ?? null,
        advanceTo(now: number) {
          const fired = due.shift();
          return new Promise<void>((resolve) => setTimeout(resolve, 1)).then(() => {
            if (fired !== undefined) this.done.push(now);
          });
        },
      };
    };
    const sync = createScheduler({ clock: createManualClock() });
    sync.add(make());
    expect(() => sync.advanceTo(20)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));

    const async = createScheduler({ clock: createManualClock() });
    const t = make();
    async.add(t);
    await async.runUntil(20);
    expect(t.done).toEqual([10]);
  });

  it('collects a throwing target and still runs the others', () => {
    const scheduler = createScheduler({ clock: createManualClock() });
    const log: [string, number][] = [];
    scheduler.add({
      nextDeadline: () => 5,
      advanceTo: () => {
        throw new Error('boom');
      },
    });
    scheduler.add(target([5], log, 'ok'));
    expect(() => scheduler.advanceTo(10)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(log).toEqual([['ok', 5]]);
  });
});

describe('zone rules as public API', () => {
  it('zoneRules gives the shared rules of a known zone', () => {
    const paris = zoneRules('Europe/Paris');
    expect(paris).toBe(ZoneRules.for('Europe/Paris'));
    expect(paris.offsetAt(Date.UTC(2026, 6, 1)) / 3_600_000).toBe(2);
    expect(paris.offsetAt(Date.UTC(2026, 0, 1)) / 3_600_000).toBe(1);
    expect(new Date(paris.toInstant(Date.UTC(2026, 0, 15, 9))).toISOString()).toBe(
      '2026-01-15T08:00:00.000Z',
    );
  });

  it('an unknown or missing zone is CONFIG at path timeZone, never a bare RangeError', () => {
    for (const bad of ['Mars/Olympus', '', undefined, 42]) {
      for (const make of [zoneRules, (n: string) => ZoneRules.for(n), (n: string) => new ZoneRules(n)]) {
        let caught: unknown;
        try {
          make(bad as string);
        } catch (e) {
          caught = e;
        }
        expect(caught, String(bad)).toMatchObject({
          name: 'ThreadlineError',
          code: 'CONFIG',
          path: ['timeZone'],
        });
      }
    }
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(isKnownTimeZone('America/New_York')).toBe(true);
  });
});
