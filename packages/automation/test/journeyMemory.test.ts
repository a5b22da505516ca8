// Memory follows what is open: finished journey instances leave the instance table (their slots
// are reused) and, without storage, a compact record keeps the entry rules, the run count and the
// event ids, so idempotency per customer and journey version still holds.
import { createInProcessEventBus, createManualClock, type EventEnvelope } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyDefinition } from '../src/index.js';
import { event, recordingSender } from './journeyHelpers.js';

const HOUR = 3_600_000;

const journey = (reentry: JourneyDefinition['reentry']): JourneyDefinition => ({
  id: 'notice',
  version: 1,
  reentry,
  trigger: { on: 'outage.customer_affected', capture: { sms: 'payload.phone' } },
  goal: { on: 'outage.customer_restored' },
  split: { seed: 3, holdout: 0.25, variants: [{ id: 'notify', weight: 1 }] },
  steps: [
    { type: 'send', id: 'notice', channels: ['sms'], content: { text: 'We are on it.' } },
    { type: 'wait', id: 'later', duration: { hours: 2 } },
    { type: 'send', id: 'update', channels: ['sms'], content: { text: 'Still on it.' } },
  ],
});

function setup(reentry: JourneyDefinition['reentry']) {
  const clock = createManualClock(0);
  const sender = recordingSender(['sms']);
  const bus = createInProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('journey.*', (e) => {
    events.push(e);
  });
  const engine = createJourneyEngine({ journeys: [journey(reentry)], sender, clock, bus });
  return { clock, sender, events, engine };
}

const affected = (customer: string, id?: string) =>
  event('outage.customer_affected', { customerId: customer, phone: '+15550100' }, id ? { id } : {});

describe('finished journey instances leave memory', () => {
  it('keeps only open instances in memory; slots are reused; finished ones answer from their record', async () => {
    const { clock, engine, sender } = setup('never');
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 0; i < 200; i++) await engine.handle(affected(`w${wave}-c${i}`));
      const open = engine.stats();
      expect(open.inMemory).toBe(open.waiting + open.waitingEvent + open.sending);
      clock.advance(2 * HOUR);
      await engine.advanceTo(clock.now());
      expect(engine.stats()).toMatchObject({ waiting: 0, sending: 0, inMemory: 0, done: (wave + 1) * 200 });
    }
    const treated = sender.sent.filter((s) => s.content.text === 'We are on it.').length;
    expect(sender.sent.filter((s) => s.content.text === 'Still on it.').length).toBe(treated);
    expect(treated).toBeGreaterThan(600);
    expect(treated).toBeLessThan(900);
    expect(engine.instance('notice', 'w0-c1')).toMatchObject({
      status: 'done',
      run: 1,
      version: 1,
      stepId: expect.any(String),
      exitReason: expect.stringMatching(/^(completed|holdout)$/),
    });
  });

  it('still refuses a redelivered trigger and a second entry after the instance left memory', async () => {
    const { clock, engine, sender } = setup('never');
    const first = affected('c1', 'evt-1');
    await engine.handle(first);
    clock.advance(3 * HOUR);
    await engine.advanceTo(clock.now());
    expect(engine.stats().inMemory).toBe(0);
    const again = await engine.handle(first);
    expect(again.refused).toEqual([{ journeyId: 'notice', customerId: 'c1', reason: 'duplicate' }]);
    const other = await engine.handle(affected('c1', 'evt-2'));
    expect(other.refused).toEqual([{ journeyId: 'notice', customerId: 'c1', reason: 'reentry' }]);
    expect(engine.stats().inMemory).toBe(0);
    expect(sender.calls).toBe(sender.sent.length);
  });

  it('a re-entry after leaving memory continues the run count and the event ids', async () => {
    const { clock, engine, events, sender } = setup({ after: 4 * HOUR });
    await engine.handle(affected('c0', 'evt-1'));
    clock.advance(3 * HOUR);
    await engine.advanceTo(clock.now());
    expect((await engine.handle(affected('c0', 'evt-2'))).refused[0]?.reason).toBe('reentry');
    clock.advance(HOUR);
    const back = await engine.handle(affected('c0', 'evt-3'));
    expect(back.entered).toHaveLength(1);
    expect(engine.instance('notice', 'c0')?.run).toBe(2);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    const keys = sender.sent.map((s) => s.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('property: memory holds exactly the open instances; ids and keys stay unique; twice equals once', async () => {
    type Cmd =
      | { kind: 'affected' | 'restored'; customer: number; id: number }
      | { kind: 'advance'; hours: number };
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        kind: fc.constantFrom('affected' as const, 'restored' as const),
        customer: fc.integer({ min: 0, max: 7 }),
        id: fc.integer({ min: 0, max: 20 }),
      }),
      fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 0, max: 5 }) }),
    );
    const play = async (cmds: Cmd[], reentry: JourneyDefinition['reentry'], twice: boolean) => {
      const { clock, engine, events, sender } = setup(reentry);
      for (const c of cmds) {
        const times = twice ? 2 : 1;
        for (let k = 0; k < times; k++) {
          if (c.kind === 'advance') {
            if (k === 0) clock.advance(c.hours * HOUR);
            await engine.advanceTo(clock.now());
          } else {
            const type = c.kind === 'affected' ? 'outage.customer_affected' : 'outage.customer_restored';
            await engine.handle(
              event(
                type,
                { customerId: `c${c.customer}`, phone: '+15550100' },
                { id: `${c.kind}-${c.id}`, occurredAt: clock.now() },
              ),
            );
          }
          const s = engine.stats();
          expect(s.inMemory).toBe(s.waiting + s.waitingEvent + s.sending);
        }
      }
      const states = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => engine.instance('notice', `c${i}`));
      return { events, sender, states };
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { maxLength: 50 }),
        fc.constantFrom<JourneyDefinition['reentry']>('never', 'after_exit', { after: 3 * HOUR }),
        async (cmds, reentry) => {
          const once = await play(cmds, reentry, false);
          const twice = await play(cmds, reentry, true);
          expect(twice.sender.sent).toEqual(once.sender.sent);
          expect(twice.events).toEqual(once.events);
          expect(twice.states).toEqual(once.states);
          const ids = once.events.map((e) => e.id);
          expect(new Set(ids).size).toBe(ids.length);
          const keys = once.sender.sent.map((s) => s.idempotencyKey);
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
      { seed: 1618, numRuns: 120 },
    );
  });
});
