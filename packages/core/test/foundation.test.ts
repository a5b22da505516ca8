import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentSchema,
  CustomerSchema,
  createEvent,
  createIdGenerator,
  createSequentialIds,
  type EventUnion,
  InProcessEventBus,
  isThreadlineError,
  ManualClock,
  parseEvent,
  parseInput,
  Scheduler,
  ThreadlineError,
  toDurationMs,
  toMillis,
  validateAdapter,
} from '../src/index.js';

describe('ThreadlineError', () => {
  it('carries code, issues with paths and cause', () => {
    const cause = new Error('boom');
    const e = new ThreadlineError('CONFLICT', 'nope', { cause, details: { id: 'x' } });
    expect(e.code).toBe('CONFLICT');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ id: 'x' });
    expect(isThreadlineError(e)).toBe(true);
    expect(isThreadlineError(e, 'CONFLICT')).toBe(true);
    expect(isThreadlineError(e, 'NOT_FOUND')).toBe(false);
    expect(isThreadlineError(new Error('x'))).toBe(false);
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ code: 'CONFLICT', message: 'nope' });
  });

  it('parseInput reports the path of every bad field', () => {
    try {
      parseInput(
        AgentSchema,
        {
          id: 'a1',
          tenantId: 't',
          createdAt: 0,
          updatedAt: 0,
          version: 0,
          name: 'Ana',
          skills: { billing: 11 },
          presence: { status: 'available', since: 0 },
          capacity: { chat: { units: -1 } },
        },
        'agent',
      );
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      const paths = (e as ThreadlineError).issues.map((i) => i.path.join('.'));
      expect(paths).toContain('skills.billing');
      expect(paths).toContain('capacity.chat.units');
      expect((e as ThreadlineError).message).toContain('skills.billing');
    }
  });

  it('strict schemas reject unknown keys', () => {
    const base = { id: 'c1', tenantId: 'default', createdAt: 1, updatedAt: 1, version: 1 };
    expect(parseInput(CustomerSchema, base, 'customer').attributes).toEqual({});
    expect(() => parseInput(CustomerSchema, { ...base, nmae: 'typo' }, 'customer')).toThrow(
      /nmae|Unrecognized/,
    );
  });
});

describe('clocks and durations', () => {
  it('ManualClock sets and advances, never backwards', () => {
    const clock = new ManualClock(1000);
    clock.advance(500);
    expect(clock.now()).toBe(1500);
    clock.set(new Date(2000));
    expect(clock.now()).toBe(2000);
    expect(() => clock.set(10)).toThrow(ThreadlineError);
    expect(() => clock.advance(-1)).toThrow(/non-negative/);
  });

  it('toMillis rejects invalid dates with a path', () => {
    expect(toMillis(new Date(5))).toBe(5);
    try {
      toMillis(new Date('nope'), 'dueAt');
      expect.unreachable();
    } catch (e) {
      expect((e as ThreadlineError).path).toEqual(['dueAt']);
    }
  });

  it('normalises duration objects', () => {
    expect(toDurationMs({ days: 1, hours: 2, minutes: 3, seconds: 4 })).toBe(93_784_000);
    expect(toDurationMs(250)).toBe(250);
    expect(() => toDurationMs({ hours: -1 })).toThrow(ThreadlineError);
    expect(() => toDurationMs({ hour: 1 } as never)).toThrow(ThreadlineError);
  });
});

describe('ids', () => {
  it('are time-ordered UUIDv7 strings, deterministic with a seed', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const a = createIdGenerator({ clock, seed: 7 });
    const b = createIdGenerator({ clock: new ManualClock(1_700_000_000_000), seed: 7 });
    const xs: string[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 100 === 0) clock.advance(1);
      xs.push(a.next());
    }
    expect(xs[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...xs].sort()).toEqual(xs);
    expect(new Set(xs).size).toBe(xs.length);
    expect(b.next()).toBe(createIdGenerator({ clock: new ManualClock(1_700_000_000_000), seed: 7 }).next());
    expect(a.next('task')).toMatch(/^task_/);
  });

  it('stay ordered across random clock steps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }),
        fc.integer(),
        (steps, seed) => {
          const clock = new ManualClock(0);
          const ids = createIdGenerator({ clock, seed });
          const out = steps.map((s) => {
            clock.advance(s);
            return ids.next();
          });
          expect([...out].sort()).toEqual(out);
        },
      ),
    );
  });

  it('sequential ids count per prefix', () => {
    const ids = createSequentialIds();
    expect([ids.next('a'), ids.next('a'), ids.next('b')]).toEqual(['a-1', 'a-2', 'b-1']);
  });
});

type Events = EventUnion<{
  'case.opened': { subject: string };
  'case.solved': { by: string };
  'sla.breached': { metric: string };
}>;

describe('InProcessEventBus', () => {
  const clock = new ManualClock(0);
  const ids = createSequentialIds();
  const opened = () =>
    createEvent(
      { clock, ids },
      {
        type: 'case.opened' as const,
        aggregateType: 'case',
        aggregateId: 'c1',
        version: 1,
        payload: { subject: 'x' },
      },
    );
  const breached = () =>
    createEvent(
      { clock, ids },
      {
        type: 'sla.breached' as const,
        aggregateType: 'case',
        aggregateId: 'c1',
        version: 2,
        payload: { metric: 'first_reply' },
      },
    );

  it('delivers by exact type, prefix and wildcard, in order', async () => {
    const bus = new InProcessEventBus<Events>();
    const seen: string[] = [];
    bus.subscribe('case.opened', (e) => {
      seen.push(`exact:${e.payload.subject}`);
    });
    bus.subscribe('case.*', (e) => {
      seen.push(`prefix:${e.type}`);
    });
    const off = bus.subscribe('*', (e) => {
      seen.push(`all:${e.type}`);
    });
    await bus.publish([opened(), breached()]);
    expect(seen).toEqual(['exact:x', 'prefix:case.opened', 'all:case.opened', 'all:sla.breached']);
    off();
    seen.length = 0;
    await bus.publish(breached());
    expect(seen).toEqual([]);
  });

  it('reports handler failures as events and keeps delivering', async () => {
    const bus = new InProcessEventBus<Events>();
    const failures: string[] = [];
    const delivered: string[] = [];
    bus.subscribe('case.opened', () => {
      throw new Error('handler broke');
    });
    bus.subscribe('case.opened', async () => {
      delivered.push('second');
    });
    (bus as unknown as InProcessEventBus).subscribe('bus.handler_failed', (e) => {
      failures.push((e.payload as { error: { message: string } }).error.message);
    });
    await bus.publish(opened());
    expect(delivered).toEqual(['second']);
    expect(failures).toEqual(['handler broke']);
    expect(bus.deadLetters()).toHaveLength(0);
  });

  it('keeps unheard failures as dead letters (async rejections too)', async () => {
    const unhandled: unknown[] = [];
    const bus = new InProcessEventBus<Events>({ onUnhandledError: (d) => unhandled.push(d.error) });
    bus.subscribe('case.*', async () => {
      throw new Error('async broke');
    });
    await bus.publish(opened());
    expect(bus.deadLetters()).toHaveLength(1);
    expect((unhandled[0] as Error).message).toBe('async broke');
  });

  it('rejects bad patterns and events', () => {
    const bus = new InProcessEventBus();
    expect(() => bus.subscribe('case.*', 'nope' as never)).toThrow(/must be a function/);
    expect(() => bus.subscribe('' as never, () => {})).toThrow(ThreadlineError);
    expect(() => parseEvent({ id: 'e', type: 'Bad Type' })).toThrow(ThreadlineError);
    try {
      createEvent(
        { clock, ids },
        { type: 'case', aggregateType: 'case', aggregateId: 'c1', version: 1, payload: {} },
      );
      expect.unreachable();
    } catch (e) {
      expect((e as ThreadlineError).path).toEqual(['type']);
    }
  });
});

describe('Scheduler', () => {
  function fakeEngine(deadlines: number[]) {
    const fired: number[] = [];
    return {
      fired,
      deadlines,
      nextDeadline: () => deadlines[0],
      advanceTo(now: number) {
        while (deadlines.length > 0 && deadlines[0]! <= now) fired.push(deadlines.shift()!);
      },
    };
  }

  it('steps a ManualClock through deadlines in order', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock });
    const a = fakeEngine([10, 30, 500]);
    const b = fakeEngine([20]);
    const times: number[] = [];
    scheduler.add({
      nextDeadline: () => a.nextDeadline(),
      advanceTo: (n) => {
        times.push(n);
        a.advanceTo(n);
      },
    });
    scheduler.add(b);
    await scheduler.runUntil(100);
    expect(a.fired).toEqual([10, 30]);
    expect(b.fired).toEqual([20]);
    expect(times).toEqual([10, 30]);
    expect(clock.now()).toBe(100);
    expect(scheduler.nextDeadline()).toBe(500);
  });

  it('runs work one target hands another at the same instant, in either order, in one tick', async () => {
    for (const order of ['giver first', 'receiver first'] as const) {
      const clock = new ManualClock(0);
      const scheduler = new Scheduler({ clock });
      const receiver = fakeEngine([]);
      const giver = {
        ...fakeEngine([50]),
        advanceTo(now: number) {
          // At 50 the giver hands the receiver work due at once (and some for later).
          if (now >= 50 && this.fired.length === 0) {
            this.fired.push(50);
            receiver.deadlines.push(50, 80);
          }
        },
        nextDeadline() {
          return this.fired.length === 0 ? 50 : undefined;
        },
      };
      if (order === 'giver first') {
        scheduler.add(giver);
        scheduler.add(receiver);
      } else {
        scheduler.add(receiver);
        scheduler.add(giver);
      }
      await scheduler.runUntil(100);
      expect(receiver.fired).toEqual([50, 80]);
    }
  });

  it('reports a target whose deadline stays due after its own advanceTo', async () => {
    const scheduler = new Scheduler({ clock: new ManualClock(0) });
    scheduler.add({ nextDeadline: () => 10, advanceTo: () => {} });
    await expect(scheduler.runUntil(20)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('refuses runUntil without a ManualClock and start without timers', async () => {
    const { SystemClock } = await import('../src/index.js');
    await expect(new Scheduler({ clock: new SystemClock() }).runUntil(1)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    expect(() => new Scheduler({ clock: new ManualClock(0) }).start()).toThrow(/setTimer/);
    await expect(new Scheduler({ clock: new ManualClock(0) }).runUntil(Number.NaN)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  it('collects target errors and rethrows from tick', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock });
    scheduler.add({
      nextDeadline: () => 0,
      advanceTo: () => {
        throw new Error('x');
      },
    });
    await expect(scheduler.tick()).rejects.toThrow(/failed/);
  });

  it('reports every failing target once and keeps running the others', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock });
    const failing = (message: string) => ({
      nextDeadline: () => 0,
      advanceTo: () => {
        throw new Error(message);
      },
    });
    let due: number | null = 0;
    const ran: number[] = [];
    scheduler.add(failing('a'));
    scheduler.add({
      nextDeadline: () => due,
      advanceTo: (now: number) => {
        ran.push(now);
        due = null;
      },
    });
    scheduler.add(failing('b'));
    const error = await scheduler.tick().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'Scheduler: 2 target(s) failed in advanceTo' });
    expect((error as { details: { errors: Error[] } }).details.errors.map((e) => e.message)).toEqual([
      'a',
      'b',
    ]);
    expect(ran).toEqual([0]);
  });

  it('runs a target added during a tick in its next pass, and not one removed before its turn', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock });
    const order: string[] = [];
    let removeLate: () => void = () => {};
    let lateDue: number | null = 0;
    let addedDue: number | null = 0;
    const added = {
      nextDeadline: () => addedDue,
      advanceTo: () => {
        order.push('added');
        addedDue = null;
      },
    };
    let firstDue: number | null = 0;
    scheduler.add({
      nextDeadline: () => firstDue,
      advanceTo: () => {
        order.push('first');
        firstDue = null;
        scheduler.add(added);
        removeLate();
      },
    });
    removeLate = scheduler.add({
      nextDeadline: () => lateDue,
      advanceTo: () => {
        order.push('late');
        lateDue = null;
      },
    });
    await scheduler.tick();
    // The pass that was running keeps its list (as a copy of the set would): `late` still runs in it.
    expect(order).toEqual(['first', 'late', 'added']);
    lateDue = 0;
    await scheduler.tick();
    expect(order).toEqual(['first', 'late', 'added']);
    expect(scheduler.nextDeadline()).toBeNull();
  });

  it('drives a real clock with timers', async () => {
    const { SystemClock } = await import('../src/index.js');
    const clock = new SystemClock();
    const scheduler = new Scheduler({ clock, maxSleepMs: 50 });
    const engine = fakeEngine([clock.now() + 20]);
    scheduler.add(engine);
    scheduler.start();
    await new Promise((r) => setTimeout(r, 120));
    scheduler.stop();
    expect(engine.fired).toHaveLength(1);
  });
});

describe('validateAdapter', () => {
  it('names every missing method in one error', () => {
    try {
      validateAdapter('DocumentStore', {
        name: 'half',
        get() {},
        capabilities: { transactions: true, ordering: true },
      });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'ADAPTER')).toBe(true);
      const msg = (e as Error).message;
      for (const m of [
        'defineCollection',
        'getMany',
        'put',
        'delete',
        'find',
        'capabilities.durable',
        'transaction',
      ])
        expect(msg).toContain(m);
      expect(msg).not.toMatch(/missing: get,/);
    }
    expect(() => validateAdapter('EventBus', null)).toThrow(/must be an object/);
  });
});
