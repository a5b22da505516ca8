import { ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRoutingEngine,
  type RoutingEngine,
  type RoutingEvent,
  type WorkflowConfig,
} from '../src/index.js';

const SKILLS = ['billing', 'tech', 'sales'] as const;
const CHANNELS = ['chat', 'voice'] as const;
const EXCLUSION = 60_000;

const workflow: WorkflowConfig = {
  queues: [
    { id: 'billing', workers: { skills: { billing: 3 } }, agingPerMinute: 1 },
    { id: 'tech', workers: { skills: { tech: 1 } } },
    { id: 'general' },
  ],
  filters: [
    {
      name: 'billing',
      match: { attributes: { topic: 'billing' } },
      targets: [
        { queue: 'billing', requires: { skills: { billing: 7 } }, timeout: 20_000 },
        { queue: 'billing', offers: 2 },
      ],
    },
    { name: 'tech', match: { attributes: { topic: 'tech' } }, targets: [{ queue: 'tech' }] },
  ],
  defaultFilter: { targets: [{ queue: 'general' }] },
  exclusionWindow: EXCLUSION,
};
const queueSkill: Record<string, Record<string, number>> = {
  billing: { billing: 3 },
  tech: { tech: 1 },
  general: {},
};

type Command =
  | { kind: 'worker'; w: number; skills: number[]; chat: number; voice: number; total: number | null }
  | { kind: 'status'; w: number; status: 'available' | 'busy' | 'away' | 'offline' }
  | { kind: 'remove'; w: number }
  | { kind: 'submit'; topic: 'billing' | 'tech' | 'other'; channel: number; priority: number; req: number[] }
  | { kind: 'accept'; i: number }
  | { kind: 'reject'; i: number }
  | { kind: 'complete'; i: number; wrap: number }
  | { kind: 'cancel'; i: number }
  | { kind: 'update'; i: number; priority: number; req: number[] | null }
  | { kind: 'advance'; ms: number };

const level = fc.integer({ min: -1, max: 10 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('worker' as const),
    w: fc.nat(7),
    skills: fc.tuple(level, level, level),
    chat: fc.integer({ min: 0, max: 3 }),
    voice: fc.integer({ min: 0, max: 1 }),
    total: fc.option(fc.integer({ min: 1, max: 3 })),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    w: fc.nat(7),
    status: fc.constantFrom('available', 'busy', 'away', 'offline'),
  }),
  fc.record({ kind: fc.constant('remove' as const), w: fc.nat(7) }),
  fc.record({
    kind: fc.constant('submit' as const),
    topic: fc.constantFrom('billing', 'tech', 'other'),
    channel: fc.nat(1),
    priority: fc.nat(5),
    req: fc.tuple(level, level, level),
  }),
  fc.record({ kind: fc.constant('accept' as const), i: fc.nat(50) }),
  fc.record({ kind: fc.constant('reject' as const), i: fc.nat(50) }),
  fc.record({ kind: fc.constant('complete' as const), i: fc.nat(50), wrap: fc.constantFrom(0, 0, 5000) }),
  fc.record({ kind: fc.constant('cancel' as const), i: fc.nat(50) }),
  fc.record({
    kind: fc.constant('update' as const),
    i: fc.nat(50),
    priority: fc.nat(9),
    req: fc.option(fc.tuple(level, level, level), { nil: null }),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
);

interface Run {
  engine: RoutingEngine;
  clock: ManualClock;
  events: RoutingEvent[];
}

function start(trace = false): Run {
  const clock = new ManualClock(0);
  const engine = createRoutingEngine({ clock, workflow, reservationTimeoutMs: 15_000, trace });
  const events: RoutingEvent[] = [];
  engine.on('*', (e) => {
    events.push(e as RoutingEvent);
  });
  return { engine, clock, events };
}

/** Applies one command; commands that do not apply to the current state are skipped. */
function apply(
  run: Run,
  cmd: Command,
  state: { submitted: number; requiredSkills: Map<string, Record<string, number>> },
): void {
  const { engine, clock } = run;
  const openReservations = () =>
    run.events
      .filter((e) => e.type === 'reservation.created')
      .map((e) => (e.payload as { reservationId: string }).reservationId)
      .filter((id) => engine.getReservation(id)?.status === 'pending');
  const tasks = (status?: string) =>
    [...state.requiredSkills.keys()].filter((id) => {
      const t = engine.getTask(id);
      return t !== undefined && (status === undefined || t.status === status);
    });
  switch (cmd.kind) {
    case 'worker': {
      const skills: Record<string, number> = {};
      cmd.skills.forEach((l, i) => {
        if (l >= 0) skills[SKILLS[i] as string] = l;
      });
      const existing = engine.getWorker(`w${cmd.w}`);
      // Capacity never shrinks below what a worker holds in this model (see the capacity invariant).
      const chat = Math.max(cmd.chat, existing?.used.chat ?? 0);
      const voice = Math.max(cmd.voice, existing?.used.voice ?? 0);
      const held = (existing?.used.chat ?? 0) + (existing?.used.voice ?? 0);
      const total = cmd.total === null ? undefined : Math.max(cmd.total, held);
      engine.upsertWorker({
        id: `w${cmd.w}`,
        status: existing?.status ?? 'available',
        attributes: { skills },
        capacity: { chat, voice },
        ...(total === undefined ? {} : { totalCapacity: total }),
      });
      return;
    }
    case 'status':
      if (engine.getWorker(`w${cmd.w}`)) engine.setWorkerStatus(`w${cmd.w}`, cmd.status);
      return;
    case 'remove':
      if (engine.getWorker(`w${cmd.w}`)) engine.removeWorker(`w${cmd.w}`);
      return;
    case 'submit': {
      const id = `t${state.submitted++}`;
      const requiredSkills: Record<string, number> = {};
      cmd.req.forEach((l, i) => {
        if (l >= 4) requiredSkills[SKILLS[i] as string] = l - 3;
      });
      state.requiredSkills.set(id, requiredSkills);
      engine.submitTask({
        id,
        channel: CHANNELS[cmd.channel] as string,
        priority: cmd.priority,
        attributes: { topic: cmd.topic },
        requiredSkills,
      });
      return;
    }
    case 'accept':
    case 'reject': {
      const open = openReservations();
      const id = open[cmd.i % Math.max(1, open.length)];
      if (id === undefined) return;
      if (cmd.kind === 'accept') engine.acceptReservation(id);
      else engine.rejectReservation(id, { reason: 'busy' });
      return;
    }
    case 'complete': {
      const list = tasks('assigned');
      const id = list[cmd.i % Math.max(1, list.length)];
      if (id !== undefined) engine.completeTask(id, { wrapUpMs: cmd.wrap });
      return;
    }
    case 'cancel': {
      const list = tasks();
      const id = list[cmd.i % Math.max(1, list.length)];
      if (id !== undefined) engine.cancelTask(id, 'abandoned');
      return;
    }
    case 'update': {
      // Half the updates aim at a task with open offers: the interesting case for re-routing.
      const reserved = tasks('reserved');
      const list = reserved.length > 0 && cmd.i % 2 === 0 ? reserved : tasks();
      const id = list[cmd.i % Math.max(1, list.length)];
      if (id === undefined) return;
      if (cmd.req === null) {
        engine.updateTask(id, { priority: cmd.priority });
        return;
      }
      const requiredSkills: Record<string, number> = {};
      cmd.req.forEach((l, i) => {
        if (l >= 4) requiredSkills[SKILLS[i] as string] = l - 3;
      });
      state.requiredSkills.set(id, requiredSkills);
      engine.updateTask(id, { priority: cmd.priority, requiredSkills });
      return;
    }
    case 'advance':
      clock.advance(cmd.ms);
      engine.advanceTo(clock.now());
      return;
  }
}

function checkInvariants(
  run: Run,
  state: { requiredSkills: Map<string, Record<string, number>> },
  from: number,
): void {
  const { engine } = run;
  // Task info agrees with the task's recorded filter and step (as the snapshot holds them).
  for (const ts of engine.snapshot().tasks) {
    const info = engine.getTask(ts.id);
    const filter =
      ts.filterIdx === -1
        ? workflow.defaultFilter
        : ts.filterIdx >= 0
          ? workflow.filters?.[ts.filterIdx]
          : undefined;
    expect(info?.filter).toBe(
      ts.filterIdx === -1 ? 'default' : ((filter as { name?: string } | undefined)?.name ?? null),
    );
    expect(info?.step).toBe(ts.stepIdx);
    expect(info?.queue).toBe(ts.handoffQueue ?? filter?.targets[ts.stepIdx]?.queue ?? null);
  }
  // Capacity: never above units on any channel, never above the shared total.
  for (let w = 0; w < 8; w++) {
    const info = engine.getWorker(`w${w}`);
    if (!info) continue;
    let sum = 0;
    for (const [ch, cap] of Object.entries(info.capacity)) {
      const used = info.used[ch] ?? 0;
      expect(used).toBeLessThanOrEqual(cap.units);
      sum += used;
    }
    expect(sum).toBeLessThanOrEqual(info.totalCapacity ?? Number.POSITIVE_INFINITY);
  }
  for (const e of run.events.slice(from)) {
    if (e.type !== 'reservation.created') continue;
    const p = e.payload as { taskId: string; workerId: string; queue: string };
    const worker = engine.getWorker(p.workerId);
    if (!worker) continue;
    const skills = (worker.attributes.skills ?? {}) as Record<string, number>;
    // Never an offer to a worker lacking a required skill level (task's own and the queue's).
    const needs = { ...(queueSkill[p.queue] ?? {}) };
    for (const [s, l] of Object.entries(state.requiredSkills.get(p.taskId) ?? {}))
      needs[s] = Math.max(needs[s] ?? 0, l);
    const task = engine.getTask(p.taskId);
    // The billing ladder's first step also asks for billing >= 7 (offers made in that step).
    if (task?.filter === 'billing' && task.step === 0) needs.billing = Math.max(needs.billing ?? 0, 7);
    for (const [s, l] of Object.entries(needs)) expect(skills[s] ?? -1).toBeGreaterThanOrEqual(l);
  }
  // Open offers always fit the task as it is now (an update that makes them unfit rescinds them).
  for (const [id, required] of state.requiredSkills) {
    const t = engine.getTask(id);
    if (t?.status !== 'reserved') continue;
    for (const resId of t.reservations) {
      const worker = engine.getWorker(engine.getReservation(resId)?.workerId ?? '');
      const skills = (worker?.attributes.skills ?? {}) as Record<string, number>;
      for (const [s, l] of Object.entries(required)) expect(skills[s] ?? -1).toBeGreaterThanOrEqual(l);
    }
  }
  // No starvation: a waiting task never has an eligible, available worker left unused.
  for (const id of state.requiredSkills.keys()) {
    const t = engine.getTask(id);
    if (t?.status !== 'pending') continue;
    expect(engine.explainWaiting(id).eligible).toEqual([]);
  }
}

function checkHistory(events: RoutingEvent[]): void {
  const accepted = new Map<string, number>();
  const rejectedAt = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'reservation.accepted') {
      const taskId = e.payload.taskId;
      accepted.set(taskId, (accepted.get(taskId) ?? 0) + 1);
      // Never two accepted reservations for one task.
      expect(accepted.get(taskId)).toBe(1);
    }
    if (e.type === 'reservation.rejected' || e.type === 'reservation.timed_out') {
      rejectedAt.set(`${e.payload.taskId}/${e.payload.workerId}`, e.occurredAt);
    }
    if (e.type === 'reservation.created') {
      const at = rejectedAt.get(`${e.payload.taskId}/${e.payload.workerId}`);
      // A rejecting worker is not re-offered the same task within the exclusion window.
      if (at !== undefined) expect(e.occurredAt).toBeGreaterThanOrEqual(at + EXCLUSION);
    }
  }
}

function strip(events: RoutingEvent[]) {
  return events.map((e) => ({ type: e.type, at: e.occurredAt, payload: e.payload }));
}

/** Events without decision traces (an engine with `trace: true` adds them to its offers). */
function untraced(events: RoutingEvent[]) {
  return strip(events).map(({ payload, ...rest }) => {
    const { trace: _, ...bare } = payload as Record<string, unknown>;
    return { ...rest, payload: bare };
  });
}

describe('routing invariants (property-based)', () => {
  it('an update never leaves an open offer to a worker the task no longer allows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(level, level, level), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('billing', 'tech', 'other'),
        fc.tuple(level, level, level),
        fc.constantFrom('billing', 'tech', 'other'),
        (rosters, topic, req, newTopic) => {
          const run = start();
          rosters.forEach((levels, w) => {
            const skills: Record<string, number> = {};
            levels.forEach((l, i) => {
              if (l >= 0) skills[SKILLS[i] as string] = l;
            });
            run.engine.upsertWorker({
              id: `w${w}`,
              status: 'available',
              capacity: { chat: 1 },
              attributes: { skills },
            });
          });
          run.engine.submitTask({ id: 't', channel: 'chat', attributes: { topic } });
          const requiredSkills: Record<string, number> = {};
          req.forEach((l, i) => {
            if (l >= 4) requiredSkills[SKILLS[i] as string] = l - 3;
          });
          const info = run.engine.updateTask('t', { requiredSkills, attributes: { topic: newTopic } });
          const queue = info.queue ?? 'general';
          for (const resId of info.reservations) {
            const worker = run.engine.getWorker(run.engine.getReservation(resId)?.workerId ?? '');
            const skills = (worker?.attributes.skills ?? {}) as Record<string, number>;
            const needs = { ...(queueSkill[queue] ?? {}) };
            for (const [s, l] of Object.entries(requiredSkills)) needs[s] = Math.max(needs[s] ?? 0, l);
            for (const [s, l] of Object.entries(needs)) expect(skills[s] ?? -1).toBeGreaterThanOrEqual(l);
          }
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });

  it('hold over random rosters and event sequences', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80 }), (commands) => {
        const run = start();
        const state = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        for (const cmd of commands) {
          const from = run.events.length;
          apply(run, cmd, state);
          checkInvariants(run, state, from);
        }
        checkHistory(run.events);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('decision traces change no decision: the same offers and events with and without them', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80 }), (commands) => {
        const fast = start();
        const queued = start(true);
        const sf = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        const sq = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        for (const cmd of commands) {
          apply(fast, cmd, sf);
          apply(queued, cmd, sq);
          expect(fast.engine.stats()).toEqual(queued.engine.stats());
        }
        expect(untraced(fast.events)).toEqual(untraced(queued.events));
      }),
      { numRuns: 150, seed: 15 },
    );
  });

  it('replaying the same sequence yields identical events; snapshot/restore continues identically', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 2, maxLength: 60 }), fc.nat(), (commands, cutSeed) => {
        const a = start();
        const b = start();
        const sa = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        const sb = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        for (const cmd of commands) apply(a, cmd, sa);
        for (const cmd of commands) apply(b, cmd, sb);
        expect(strip(b.events)).toEqual(strip(a.events));

        // Cut the run, move the state through JSON into a new engine, continue there.
        const cut = cutSeed % commands.length;
        const c = start();
        const sc = { submitted: 0, requiredSkills: new Map<string, Record<string, number>>() };
        for (const cmd of commands.slice(0, cut)) apply(c, cmd, sc);
        const d = start();
        d.clock.set(c.clock.now());
        d.engine.restore(JSON.parse(JSON.stringify(c.engine.snapshot())));
        d.events.push(...c.events);
        for (const cmd of commands.slice(cut)) apply(d, cmd, sc);
        expect(strip(d.events)).toEqual(strip(a.events));
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
