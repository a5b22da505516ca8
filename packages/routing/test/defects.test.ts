// Regression tests for the defects found by review (issue 11). Each failed before its fix.
import { isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRoutingEngine,
  leastOccupied,
  ROUTING_LIMITS,
  type RoutingEngineOptions,
  type RoutingEvent,
  type TaskInput,
} from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'billing', workers: { skills: { billing: 1 } } }, { id: 'general' }],
  filters: [
    { name: 'billing', match: { attributes: { topic: 'billing' } }, targets: [{ queue: 'billing' }] },
  ],
  defaultFilter: { targets: [{ queue: 'general' }] },
};

function setup(extra: Partial<RoutingEngineOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const engine = createRoutingEngine({ clock, workflow, ...extra });
  const events: RoutingEvent[] = [];
  engine.subscribe('*', (e) => events.push(e));
  const offeredTo = () =>
    events.flatMap((e) => (e.type === 'reservation.created' ? [e.payload.workerId] : []));
  return { clock, engine, events, offeredTo };
}

function issueOf(fn: () => unknown): { code: string; paths: string[] } {
  try {
    fn();
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    return { code: error.code, paths: (error.issues ?? []).map((i) => i.path.join('.')) };
  }
  throw new Error('expected a ThreadlineError');
}

const PROTOTYPE_NAMES = ['valueOf', 'constructor', 'toString', 'hasOwnProperty', 'isPrototypeOf'];

describe('skills named like Object.prototype members', () => {
  it.each(PROTOTYPE_NAMES)('a task requiring "%s" is not offered to a worker without it', (name) => {
    const { engine, offeredTo } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'available',
      attributes: { skills: { billing: 5 } },
      capacity: { chat: 1 },
    });
    engine.submitTask({ id: 't', channel: 'chat', requiredSkills: { [name]: 1 } });
    expect(offeredTo()).toEqual([]);
    expect(engine.explainWaiting('t').excluded.skill).toEqual(['a']);
    // A worker who has the skill gets it.
    engine.upsertWorker({
      id: 'b',
      status: 'available',
      attributes: { skills: { [name]: 3 } },
      capacity: { chat: 1 },
    });
    expect(offeredTo()).toEqual(['b']);
  });

  it('a queue requiring a prototype-named skill has no members without it', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'q', workers: { skills: { constructor: 1 } } }],
        defaultFilter: { targets: [{ queue: 'q' }] },
      },
    });
    expect(engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } }).queues).toEqual([]);
  });

  it('property: the arrival path and explainWaiting agree on who may take a task', () => {
    const skill = fc.constantFrom('billing', 'sales', ...PROTOTYPE_NAMES);
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(skill, fc.integer({ min: 0, max: 10 }), { maxKeys: 3 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.dictionary(skill, fc.integer({ min: 0, max: 10 }), { minKeys: 1, maxKeys: 2 }),
        (workers, required) => {
          const { engine, offeredTo } = setup();
          workers.forEach((skills, i) => {
            engine.upsertWorker({
              id: `w${i}`,
              status: 'available',
              attributes: { skills },
              capacity: { chat: 1 },
            });
          });
          engine.submitTask({ id: 't', channel: 'chat', requiredSkills: required });
          const qualifies = (skills: Record<string, number>) =>
            Object.entries(required).every(
              ([name, min]) => Object.hasOwn(skills, name) && (skills[name] as number) >= min,
            );
          const expected = workers.flatMap((skills, i) => (qualifies(skills) ? [`w${i}`] : []));
          // Reject every offer: the task re-routes until no qualified worker is left, so each
          // qualified worker is offered exactly once and the rest never are.
          for (let i = 0; i <= workers.length; i++) {
            const open = engine.getTask('t')?.reservations[0];
            if (open === undefined) break;
            engine.rejectReservation(open, { reason: 'test' });
          }
          expect([...offeredTo()].sort()).toEqual(expected);
          // explainWaiting agrees: the offered ones are excluded as rejected, the others by skill.
          const why = engine.explainWaiting('t');
          expect(why.eligible).toEqual([]);
          expect(why.excluded.rejected ?? []).toEqual(expected);
          expect([...(why.excluded.skill ?? []), ...(why.excluded.level ?? [])].sort()).toEqual(
            workers.flatMap((_, i) => (expected.includes(`w${i}`) ? [] : [`w${i}`])).sort(),
          );
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});

describe('__proto__ keys', () => {
  it('is rejected as a skill name, naming the path', () => {
    const { engine } = setup();
    const input = JSON.parse(
      '{"id":"a","status":"available","capacity":{"chat":1},"attributes":{"skills":{"__proto__":5}}}',
    );
    expect(issueOf(() => engine.upsertWorker(input))).toEqual({
      code: 'VALIDATION',
      paths: ['attributes.skills.__proto__'],
    });
    expect(engine.getWorker('a')).toBeUndefined();
  });

  it('is rejected in task attributes on the fast and the schema input paths alike', () => {
    const { engine, offeredTo } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'available',
      attributes: { skills: { billing: 5 } },
      capacity: { chat: 1 },
    });
    const fast = JSON.parse('{"id":"t1","channel":"chat","attributes":{"__proto__":{"topic":"billing"}}}');
    const schema = { ...fast, id: 't2', requiredSkills: {} };
    expect(issueOf(() => engine.submitTask(fast))).toEqual({
      code: 'VALIDATION',
      paths: ['attributes.__proto__'],
    });
    expect(issueOf(() => engine.submitTask(schema))).toEqual({
      code: 'VALIDATION',
      paths: ['attributes.__proto__'],
    });
    expect(offeredTo()).toEqual([]);
    expect(engine.getTask('t1')).toBeUndefined();
  });

  it('property: the fast input path and the schema path give the same outcome', () => {
    const key = fc.constantFrom('topic', 'tier', '__proto__', 'constructor', 'valueOf', 'x'.repeat(129));
    const value = fc.oneof(
      fc.constantFrom('billing', 'vip', 1, true),
      fc.dictionary(key, fc.constantFrom('billing', 'vip'), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (attrs) => {
        // Through JSON so `__proto__` is an own key, as it is in parsed request bodies.
        const json = JSON.stringify({ channel: 'chat', attributes: attrs });
        const outcome = (extra: Partial<TaskInput>) => {
          const { engine, offeredTo } = setup();
          engine.upsertWorker({
            id: 'a',
            status: 'available',
            attributes: { skills: { billing: 5 } },
            capacity: { chat: 1 },
          });
          try {
            const info = engine.submitTask({ ...(JSON.parse(json) as TaskInput), id: 't', ...extra });
            return {
              filter: info.filter,
              queue: info.queue,
              attributes: info.attributes,
              offers: offeredTo(),
            };
          } catch (error) {
            if (!isThreadlineError(error)) throw error;
            return { code: error.code, paths: (error.issues ?? []).map((i) => i.path.join('.')) };
          }
        };
        expect(outcome({})).toEqual(outcome({ requiredSkills: {} }));
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('restore is all-or-nothing', () => {
  it('an invalid snapshot throws a typed error and leaves the engine as it was', () => {
    const source = setup();
    source.engine.upsertWorker({ id: 'a', status: 'busy', capacity: { chat: 1 } });
    source.engine.upsertWorker({ id: 'b', status: 'busy', capacity: { chat: 1 } });
    source.engine.submitTask({ id: 't', channel: 'chat' });
    const snap = source.engine.snapshot();
    // The second worker is broken: the first would have been restored before the error.
    const broken = structuredClone(snap);
    (broken.workers[1] as { capacity: unknown }).capacity = { chat: -1 };
    const target = setup();
    const error = issueOf(() => target.engine.restore(broken));
    expect(error.code).toBe('VALIDATION');
    expect(error.paths).toContain('workers.1.capacity.chat');
    expect(target.engine.getWorker('a')).toBeUndefined();
    expect(target.engine.stats()).toMatchObject({ workers: 0, tasks: 0, waiting: 0 });
    // A reservation naming a worker that is not in the snapshot is refused the same way.
    const orphan = structuredClone(snap);
    orphan.reservations.push({
      id: 'res-x',
      taskId: 't',
      workerId: 'ghost',
      status: 'pending',
      createdAt: 0,
      expiresAt: 1,
      channel: 'chat',
      weight: 1,
    });
    expect(issueOf(() => target.engine.restore(orphan)).code).toBe('VALIDATION');
    expect(target.engine.getTask('t')).toBeUndefined();
    // The engine still restores a good snapshot and routes afterwards.
    target.engine.restore(snap);
    expect(target.engine.getTask('t')?.status).toBe('pending');
    target.engine.setWorkerStatus('a', 'available');
    expect(target.offeredTo()).toEqual(['a']);
  });
});

describe('returned views cannot change engine state', () => {
  it('mutating getWorker/getTask results throws and routing is unaffected', () => {
    const { engine, offeredTo } = setup();
    engine.upsertWorker({
      id: 'a',
      status: 'busy',
      attributes: { skills: { billing: 8 }, team: 'x' },
      capacity: { chat: 1 },
    });
    const info = engine.getWorker('a');
    if (!info) throw new Error('worker a is missing');
    const skills = info.attributes.skills as Record<string, number>;
    expect(() => {
      skills.billing = 0;
    }).toThrow(TypeError);
    expect(() => {
      delete (info.attributes as Record<string, unknown>).skills;
    }).toThrow(TypeError);
    const task = engine.submitTask({
      id: 't',
      channel: 'chat',
      attributes: { topic: 'billing', meta: { n: 1 } },
    });
    expect(() => {
      (task.attributes as Record<string, unknown>).topic = 'other';
    }).toThrow(TypeError);
    expect(() => {
      ((task.attributes.meta ?? {}) as Record<string, unknown>).n = 2;
    }).toThrow(TypeError);
    engine.setWorkerStatus('a', 'available');
    expect(offeredTo()).toEqual(['a']);
    expect(engine.getWorker('a')?.attributes).toEqual({ skills: { billing: 8 }, team: 'x' });
    expect(engine.getTask('t')?.attributes).toEqual({ topic: 'billing', meta: { n: 1 } });
  });

  it('does not freeze the caller’s own objects', () => {
    const { engine } = setup();
    const meta = { n: 1 };
    const skills = { billing: 3 };
    engine.upsertWorker({ id: 'a', status: 'busy', attributes: { skills, meta }, capacity: { chat: 1 } });
    engine.submitTask({ id: 't', channel: 'chat', attributes: { meta } });
    expect(Object.isFrozen(meta)).toBe(false);
    expect(Object.isFrozen(skills)).toBe(false);
  });
});

describe('least-occupied strategy', () => {
  it('breaks ties between equally occupied workers by longest idle, as documented', () => {
    const { clock, engine, events, offeredTo } = setup({ strategy: leastOccupied });
    const accept = () => {
      const last = events.filter((e) => e.type === 'reservation.created').at(-1);
      if (last?.type === 'reservation.created') engine.acceptReservation(last.payload.reservationId);
    };
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 2 } });
    clock.advance(10);
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 2 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    accept();
    engine.submitTask({ id: 't2', channel: 'chat' });
    accept();
    expect(offeredTo()).toEqual(['a', 'b']);
    clock.advance(100);
    engine.completeTask('t2'); // b is free first: idle the longest
    clock.advance(100);
    engine.completeTask('t1');
    clock.advance(100);
    engine.submitTask({ id: 't3', channel: 'chat' });
    expect(offeredTo().at(-1)).toBe('b');
  });
});

describe('documented limits', () => {
  const long = (n: number) => 'k'.repeat(n);

  it('accepts names at the limits', () => {
    const { engine } = setup();
    engine.upsertWorker({
      id: long(ROUTING_LIMITS.idLength),
      status: 'busy',
      attributes: { skills: { [long(ROUTING_LIMITS.keyLength)]: 1 }, [long(ROUTING_LIMITS.keyLength)]: 1 },
      capacity: { [long(ROUTING_LIMITS.keyLength)]: 1 },
    });
    engine.submitTask({
      id: long(ROUTING_LIMITS.idLength),
      channel: long(ROUTING_LIMITS.keyLength),
      attributes: { [long(ROUTING_LIMITS.keyLength)]: 1 },
    });
    expect(engine.stats()).toMatchObject({ workers: 1, tasks: 1 });
  });

  it('rejects longer ids, keys and names with VALIDATION and the path, on both task input paths', () => {
    const { engine } = setup();
    const over = ROUTING_LIMITS.keyLength + 1;
    const cases: Array<[() => unknown, string]> = [
      [() => engine.submitTask({ id: long(ROUTING_LIMITS.idLength + 1), channel: 'chat' }), 'id'],
      [() => engine.submitTask({ channel: long(over) }), 'channel'],
      [
        () => engine.submitTask({ channel: 'chat', attributes: { [long(over)]: 1 } }),
        `attributes.${long(over)}`,
      ],
      [
        () => engine.submitTask({ channel: 'chat', requiredSkills: {}, attributes: { [long(over)]: 1 } }),
        `attributes.${long(over)}`,
      ],
      [
        () => engine.submitTask({ channel: 'chat', requiredSkills: { [long(over)]: 1 } }),
        `requiredSkills.${long(over)}`,
      ],
      [
        () => engine.submitTask({ channel: 'chat', preferredWorkerId: long(ROUTING_LIMITS.idLength + 1) }),
        'preferredWorkerId',
      ],
      [
        () =>
          engine.upsertWorker({
            id: 'w',
            status: 'busy',
            attributes: { [long(over)]: 1 },
            capacity: { chat: 1 },
          }),
        `attributes.${long(over)}`,
      ],
      [
        () =>
          engine.upsertWorker({
            id: 'w',
            status: 'busy',
            attributes: { skills: { [long(over)]: 1 } },
            capacity: { chat: 1 },
          }),
        `attributes.skills.${long(over)}`,
      ],
      [
        () => engine.upsertWorker({ id: 'w', status: 'busy', capacity: { [long(over)]: 1 } }),
        `capacity.${long(over)}`,
      ],
      [() => engine.setWorkerStatus('w', 'away', long(ROUTING_LIMITS.reasonLength + 1)), 'reason'],
    ];
    for (const [call, path] of cases) expect(issueOf(call)).toEqual({ code: 'VALIDATION', paths: [path] });
    expect(engine.stats()).toMatchObject({ workers: 0, tasks: 0 });
  });

  it('rejects over-long queue ids in the workflow with CONFIG', () => {
    expect(
      issueOf(() =>
        createRoutingEngine({
          clock: new ManualClock(0),
          workflow: { queues: [{ id: long(ROUTING_LIMITS.keyLength + 1) }] },
        }),
      ).code,
    ).toBe('CONFIG');
  });
});

describe('person-request detection in reportBotTurn', () => {
  function botTask(extra: Partial<RoutingEngineOptions> = {}) {
    const { engine, events } = setup(extra);
    engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 10 } });
    engine.submitTask({ id: 't', channel: 'chat' });
    const offer = events.find((e) => e.type === 'reservation.created');
    if (offer?.type !== 'reservation.created') throw new Error('no offer');
    engine.acceptReservation(offer.payload.reservationId);
    return engine;
  }

  it('does not hand off when the customer only mentions an agent', () => {
    const engine = botTask();
    expect(engine.reportBotTurn('t', { customerText: 'my travel agent booked this' })).toBeNull();
    expect(engine.getTask('t')?.workerId).toBe('bot');
  });

  it('hands off on a request in another language', () => {
    const engine = botTask();
    expect(
      engine.reportBotTurn('t', { customerText: 'je veux parler à un conseiller', language: 'fr' }),
    ).toMatchObject({
      reason: 'customer_request',
    });
    expect(engine.getTask('t')?.status).toBe('pending');
    // The packet rides in the (frozen) attributes like any other attribute.
    expect(Object.isFrozen(engine.getTask('t')?.attributes.handoff)).toBe(true);
  });

  it('uses an injected detector, with the turn’s language', () => {
    const seen: unknown[] = [];
    const engine = botTask({
      personRequestDetector: (text, context) => {
        seen.push([text, context]);
        return { requested: text === 'operatore!' };
      },
    });
    expect(engine.reportBotTurn('t', { customerText: 'ciao', language: 'it' })).toBeNull();
    expect(engine.reportBotTurn('t', { customerText: 'operatore!', language: 'it' })?.reason).toBe(
      'customer_request',
    );
    expect(seen).toEqual([
      ['ciao', { language: 'it' }],
      ['operatore!', { language: 'it' }],
    ]);
  });
});
