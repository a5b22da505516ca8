import {
  createEvent,
  createInProcessEventBus,
  createManualClock,
  createSequentialIds,
  type EventEnvelope,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AutomationRule, createAutomationEngine } from '../src/index.js';

const seed = 1607;

const ruleArb = fc.record({
  on: fc.constantFrom('a.x', 'a.y', 'a.*', '*'),
  threshold: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  stop: fc.boolean(),
  tenantId: fc.constantFrom('t1', 't2', undefined),
  enabled: fc.boolean(),
});

function matches(on: string, type: string): boolean {
  return on === '*' || on === type || (on.endsWith('.*') && type.startsWith(on.slice(0, -1)));
}

describe('automation engine properties', () => {
  it('fires exactly the matching rules in order up to the first stop; a dry run agrees', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { minLength: 0, maxLength: 8 }),
        fc.record({
          type: fc.constantFrom('a.x', 'a.y'),
          tenantId: fc.constantFrom('t1', 't2'),
          n: fc.integer({ min: 0, max: 10 }),
        }),
        async (specs, ev) => {
          const clock = createManualClock(0);
          const ids = createSequentialIds();
          const calls: string[] = [];
          const rules: AutomationRule[] = specs.map((s, i) => ({
            id: `r${i}`,
            on: s.on,
            ...(s.threshold === undefined ? {} : { when: `payload.n >= ${s.threshold}` }),
            ...(s.tenantId === undefined ? {} : { tenantId: s.tenantId }),
            stop: s.stop,
            enabled: s.enabled,
            actions: [{ type: 'tag', tags: [`r${i}`] }],
          }));
          const engine = createAutomationEngine({
            clock,
            ids,
            rules,
            handlers: {
              tag: (a) => {
                calls.push(a.tags[0] ?? '');
              },
            },
          });
          // The model: walk the rules in order.
          const expected: string[] = [];
          let stoppedBy: string | undefined;
          for (const [i, s] of specs.entries()) {
            if (stoppedBy !== undefined) break;
            const ok =
              s.enabled &&
              matches(s.on, ev.type) &&
              (s.tenantId === undefined || s.tenantId === ev.tenantId) &&
              (s.threshold === undefined || ev.n >= s.threshold);
            if (ok) {
              expected.push(`r${i}`);
              if (s.stop) stoppedBy = `r${i}`;
            }
          }
          const event = createEvent(
            { clock, ids },
            {
              type: ev.type,
              tenantId: ev.tenantId,
              aggregateType: 'a',
              aggregateId: 'a1',
              version: 1,
              payload: { n: ev.n },
            },
          );
          const dry = engine.dryRun(event);
          const run = await engine.handle(event);
          expect(run.fired.map((f) => f.ruleId)).toEqual(expected);
          expect(calls).toEqual(expected);
          expect(run.stoppedBy).toBe(stoppedBy);
          expect(run.fired.length + run.skipped.length + run.blocked.length).toBe(specs.length);
          expect({ ...dry, dryRun: false }).toEqual(run);
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('loops end: each rule fires at most the bound per chain, in FIFO order, and every cycle is reported once', async () => {
    const specArb = fc.record({
      rules: fc.array(
        fc.record({
          on: fc.integer({ min: 0, max: 3 }),
          emits: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      bound: fc.integer({ min: 1, max: 3 }),
      root: fc.integer({ min: 0, max: 3 }),
      // With causation ids the link is exact; without, the engine attributes by arrival.
      causation: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(specArb, async ({ rules: specs, bound, root, causation }) => {
        const clock = createManualClock(0);
        const ids = createSequentialIds();
        const bus = createInProcessEventBus();
        const fired: string[] = [];
        bus.subscribe('automation.rule_fired', (e) => {
          fired.push(e.aggregateId);
        });
        let v = 0;
        const make = (type: string, causationId?: string): EventEnvelope =>
          createEvent(
            { clock, ids },
            {
              type,
              aggregateType: 'e',
              aggregateId: 'e1',
              version: ++v,
              payload: {},
              ...(causationId === undefined ? {} : { causationId }),
            },
          );
        const engine = createAutomationEngine({
          clock,
          ids,
          bus,
          maxFiresPerChain: bound,
          hostActions: {
            emit: async (a, ctx) => {
              await bus.publish(make(String(a.params.type), causation ? ctx.causationId : undefined));
            },
            noop: () => undefined,
          },
          rules: specs.map((s, i) => ({
            id: `r${i}`,
            on: `e.k${s.on}`,
            actions: [
              s.emits === undefined
                ? { type: 'call', action: 'noop' }
                : { type: 'call', action: 'emit', params: { type: `e.k${s.emits}` } },
            ],
          })),
        });
        engine.connect();
        await bus.publish(make(`e.k${root}`));
        await engine.idle();

        // The model: a FIFO of (type, lineage).
        const counts = new Map<string, number>();
        const expected: string[] = [];
        const cycles = new Map<string, string[]>();
        const queue: { type: number; lineage: string[] }[] = [{ type: root, lineage: [] }];
        while (queue.length > 0) {
          const ev = queue.shift();
          if (ev === undefined) break;
          for (const [i, s] of specs.entries()) {
            if (s.on !== ev.type) continue;
            const id = `r${i}`;
            const at = ev.lineage.lastIndexOf(id);
            if (at >= 0) {
              const cycle = [...ev.lineage.slice(at), id];
              const ring = cycle.slice(0, -1);
              const key =
                ring.map((_, k) => [...ring.slice(k), ...ring.slice(0, k)].join(',')).sort()[0] ?? '';
              if (!cycles.has(key)) cycles.set(key, cycle);
            }
            if ((counts.get(id) ?? 0) >= bound) continue;
            counts.set(id, (counts.get(id) ?? 0) + 1);
            expected.push(id);
            if (s.emits !== undefined) queue.push({ type: s.emits, lineage: [...ev.lineage, id] });
          }
        }
        expect(fired).toEqual(expected);
        for (const [i] of specs.entries())
          expect(fired.filter((r) => r === `r${i}`).length).toBeLessThanOrEqual(bound);
        expect(engine.cycles()).toEqual([...cycles.values()]);
      }),
      { seed, numRuns: 200 },
    );
  });
});
