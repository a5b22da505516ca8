import {
  createBusinessCalendar,
  createInProcessEventBus,
  createManualClock,
  type EventEnvelope,
  isThreadlineError,
  type SendGuard,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { assignJourneyGroup, createJourneyEngine, type JourneyDefinition } from '../src/index.js';
import { event, recordingSender } from './journeyHelpers.js';

const HOUR = 3_600_000;
const capture = { whatsapp: 'payload.phone', sms: 'payload.phone', email: 'payload.email' };
const contact = { phone: '+447700900123', email: 'a@example.com' };

function welcome(extra: Partial<JourneyDefinition> = {}): JourneyDefinition {
  return {
    id: 'welcome',
    version: 1,
    trigger: { on: 'customer.created', capture: { ...capture, plan: 'payload.plan' } },
    goal: { on: 'order.placed' },
    steps: [
      {
        type: 'send',
        id: 'hello',
        channels: ['whatsapp', 'sms', 'email'],
        content: { text: 'Hi {{data.plan}}' },
      },
      { type: 'wait', id: 'day', duration: { days: 1 } },
      {
        type: 'send',
        id: 'tips',
        channels: ['email'],
        content: { text: 'Tips', subject: 'Tips for {{customerId}}' },
      },
    ],
    ...extra,
  };
}

describe('journey engine', () => {
  it('enters on a trigger, sends, waits a day, sends again and completes; events on the bus', async () => {
    const clock = createManualClock(0);
    const bus = createInProcessEventBus();
    const seen: EventEnvelope[] = [];
    bus.subscribe('journey.*', (e) => {
      seen.push(e);
    });
    const sender = recordingSender();
    const engine = createJourneyEngine({ journeys: [welcome()], sender, clock, bus });
    const r = await engine.handle(event('customer.created', { customerId: 'c1', plan: 'pro', ...contact }));
    expect(r.entered).toEqual([{ journeyId: 'welcome', version: 1, customerId: 'c1', group: 'treatment' }]);
    expect(sender.sent.map((s) => [s.channel, s.content.text])).toEqual([['whatsapp', 'Hi pro']]);
    expect(engine.instance('welcome', 'c1')).toMatchObject({
      stepId: 'day',
      status: 'waiting',
      dueAt: 86_400_000,
    });
    expect(engine.nextDeadline()).toBe(86_400_000);
    clock.advance(86_400_000 - 1);
    expect((await engine.advanceTo()).fired).toBe(0);
    clock.advance(1);
    expect(await engine.advanceTo()).toEqual({ fired: 1, transitions: 2 });
    expect(sender.sent[1]).toMatchObject({
      channel: 'email',
      to: 'a@example.com',
      content: { subject: 'Tips for c1' },
    });
    expect(engine.instance('welcome', 'c1')).toMatchObject({ status: 'done', exitReason: 'completed' });
    expect(seen.map((e) => e.type)).toEqual([
      'journey.entered',
      'journey.message_sent',
      'journey.message_sent',
      'journey.exited',
    ]);
    expect(seen.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(seen[0]?.payload).toMatchObject({ group: 'treatment', customerId: 'c1', run: 1 });
  });

  it('falls back WhatsApp → SMS → email on failure, no consent or quiet hours, no address', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender(['whatsapp', 'sms', 'email'], ['whatsapp']);
    const asked: string[] = [];
    const guard: SendGuard = (req) => {
      asked.push(req.channel);
      if (req.channel === 'sms') return { allowed: false, reason: 'no_consent' };
      return { allowed: true };
    };
    const bus = createInProcessEventBus();
    const skipped: unknown[] = [];
    bus.subscribe('journey.channel_skipped', (e) => {
      skipped.push(e.payload);
    });
    const engine = createJourneyEngine({ journeys: [welcome()], sender, guard, clock, bus });
    await engine.handle(event('customer.created', { customerId: 'c1', ...contact }));
    expect(asked).toEqual(['whatsapp', 'sms', 'email']);
    expect(sender.sent.map((s) => s.channel)).toEqual(['email']);
    expect(skipped).toMatchObject([
      { channel: 'whatsapp', reason: 'failed' },
      { channel: 'sms', reason: 'no_consent' },
    ]);
    // No address on any channel: every channel skipped, send_failed, the journey goes on.
    await engine.handle(event('customer.created', { customerId: 'c2' }));
    expect(sender.sent).toHaveLength(1);
    expect(engine.instance('welcome', 'c2')).toMatchObject({ stepId: 'day', status: 'waiting' });
    expect(skipped.slice(2)).toMatchObject([
      { channel: 'whatsapp', reason: 'no_address' },
      { channel: 'sms', reason: 'no_address' },
      { channel: 'email', reason: 'no_address' },
    ]);
  });

  it('a quiet-hours refusal and a FORBIDDEN sender move to the next channel; onFailure routes', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender(['sms', 'email']);
    const forbidding = { ...recordingSender(['whatsapp']) };
    forbidding.send = async () => {
      const { ThreadlineError } = await import('@threadline/core');
      throw new ThreadlineError('FORBIDDEN', 'no');
    };
    const guard: SendGuard = (req) =>
      req.channel === 'sms' ? { allowed: false, reason: 'quiet_hours' } : { allowed: true };
    const j: JourneyDefinition = {
      id: 'j',
      version: 1,
      trigger: { on: 'thing.happened', capture },
      steps: [
        {
          type: 'send',
          id: 's',
          channels: ['whatsapp', 'sms'],
          content: { text: 't' },
          onFailure: 'fallback',
        },
        { type: 'exit', id: 'done' },
        { type: 'send', id: 'fallback', channels: ['email'], content: { text: 'by mail' } },
      ],
    };
    const engine = createJourneyEngine({ journeys: [j], sender: [forbidding, sender], guard, clock });
    await engine.handle(event('thing.happened', { customerId: 'c1', ...contact }));
    expect(sender.sent.map((s) => [s.channel, s.content.text])).toEqual([['email', 'by mail']]);
  });

  it('waits on a business calendar: one business day from Friday is Monday, hours count open time', async () => {
    const weekday: [string, string][] = [['09:00', '17:00']];
    const cal = createBusinessCalendar({
      timeZone: 'UTC',
      hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    const friday10 = Date.UTC(2026, 11, 4, 10);
    const clock = createManualClock(friday10);
    const engine = createJourneyEngine({
      journeys: [
        {
          id: 'j',
          version: 1,
          trigger: { on: 'thing.happened' },
          steps: [
            { type: 'wait', id: 'bday', duration: { days: 1 }, calendar: 'office' },
            { type: 'wait', id: 'bhours', duration: { hours: 8 }, calendar: 'office' },
          ],
        },
      ],
      sender: recordingSender(),
      clock,
      calendars: { office: cal },
    });
    await engine.handle(event('thing.happened', { customerId: 'c1' }));
    expect(engine.nextDeadline()).toBe(Date.UTC(2026, 11, 7, 10));
    await engine.advanceTo(Date.UTC(2026, 11, 7, 10));
    expect(engine.nextDeadline()).toBe(Date.UTC(2026, 11, 8, 10));
  });

  it('waits for an event or a timeout, and branches on captured data', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    const j: JourneyDefinition = {
      id: 'cart',
      version: 1,
      trigger: { on: 'cart.abandoned', capture: { ...capture, total: 'payload.total' } },
      steps: [
        {
          type: 'wait_for',
          id: 'reply',
          event: 'survey.answered',
          when: 'payload.score >= 4',
          timeout: { hours: 2 },
          onEvent: 'thanks',
          onTimeout: 'size',
        },
        {
          type: 'branch',
          id: 'size',
          cases: [{ when: 'data.total > 100', next: 'big' }],
          otherwise: 'small',
        },
        { type: 'send', id: 'big', channels: ['sms'], content: { text: 'big' }, next: 'end' },
        { type: 'send', id: 'small', channels: ['sms'], content: { text: 'small' }, next: 'end' },
        { type: 'send', id: 'thanks', channels: ['sms'], content: { text: 'thanks' } },
        { type: 'exit', id: 'end' },
      ],
    };
    const engine = createJourneyEngine({ journeys: [j], sender, clock });
    await engine.handle(event('cart.abandoned', { customerId: 'a', total: 250, ...contact }));
    await engine.handle(event('cart.abandoned', { customerId: 'b', total: 20, ...contact }));
    await engine.handle(event('cart.abandoned', { customerId: 'c', total: 20, ...contact }));
    const r = await engine.handle(event('survey.answered', { customerId: 'c', score: 5 }));
    expect(r.resumed).toBe(1);
    expect(await engine.handle(event('survey.answered', { customerId: 'b', score: 1 }))).toMatchObject({
      resumed: 0,
    });
    await engine.advanceTo(2 * HOUR);
    expect(sender.sent.map((s) => `${s.customerId}:${s.content.text}`)).toEqual([
      'c:thanks',
      'a:big',
      'b:small',
    ]);
    for (const c of ['a', 'b', 'c']) expect(engine.instance('cart', c)?.status).toBe('done');
  });

  it('a goal event exits a waiting customer: nothing more is sent', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    const engine = createJourneyEngine({ journeys: [welcome()], sender, clock });
    await engine.handle(event('customer.created', { customerId: 'c1', ...contact }));
    const r = await engine.handle(event('order.placed', { customerId: 'c1' }));
    expect(r.goals).toBe(1);
    await engine.advanceTo(10 * 86_400_000);
    expect(sender.sent).toHaveLength(1);
    expect(engine.instance('welcome', 'c1')).toMatchObject({ status: 'done', exitReason: 'goal' });
    expect(engine.nextDeadline()).toBeUndefined();
  });

  it('is idempotent per customer and journey; re-entry follows the rule', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    const never = createJourneyEngine({ journeys: [welcome()], sender, clock });
    const first = event('customer.created', { customerId: 'c1', ...contact });
    await never.handle(first);
    expect((await never.handle(first)).refused).toEqual([
      { journeyId: 'welcome', customerId: 'c1', reason: 'duplicate' },
    ]);
    const again = event('customer.created', { customerId: 'c1', ...contact });
    expect((await never.handle(again)).refused[0]?.reason).toBe('active');
    await never.handle(event('order.placed', { customerId: 'c1' }));
    expect((await never.handle(again)).refused[0]?.reason).toBe('reentry');
    expect(sender.sent).toHaveLength(1);

    const later = createJourneyEngine({
      journeys: [welcome({ reentry: { after: { days: 7 } } })],
      sender: recordingSender(),
      clock,
    });
    await later.handle(event('customer.created', { customerId: 'c1', ...contact }));
    await later.handle(event('order.placed', { customerId: 'c1' }));
    expect((await later.handle(event('customer.created', { customerId: 'c1' }))).refused[0]?.reason).toBe(
      'reentry',
    );
    await later.advanceTo(7 * 86_400_000);
    clock.set(7 * 86_400_000);
    expect((await later.handle(event('customer.created', { customerId: 'c1' }))).entered).toHaveLength(1);
    expect(later.instance('welcome', 'c1')?.run).toBe(2);

    const afterExit = createJourneyEngine({
      journeys: [welcome({ reentry: 'after_exit' })],
      sender: recordingSender(),
      clock,
    });
    await afterExit.handle(event('customer.created', { customerId: 'c9' }));
    expect((await afterExit.handle(event('customer.created', { customerId: 'c9' }))).refused[0]?.reason).toBe(
      'active',
    );
    await afterExit.handle(event('order.placed', { customerId: 'c9' }));
    expect((await afterExit.handle(event('customer.created', { customerId: 'c9' }))).entered).toHaveLength(1);
  });

  it('a new version takes new entries; customers already in stay on theirs', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    const v1 = welcome();
    const v2 = welcome({ version: 2 });
    (v2.steps[2] as { content: { text: string } }).content = { text: 'Tips v2' };
    const one = createJourneyEngine({ journeys: [v1], sender, clock });
    await one.handle(event('customer.created', { customerId: 'old', ...contact }));
    const both = createJourneyEngine({ journeys: [v1, v2], sender, clock });
    // Carry 'old' over by re-entering it on the engine with both versions is not possible; check routing of new entries.
    await both.handle(event('customer.created', { customerId: 'new', ...contact }));
    expect(both.instance('welcome', 'new')?.version).toBe(2);
    await one.advanceTo(86_400_000);
    await both.advanceTo(86_400_000);
    expect(
      sender.sent
        .filter((s) => s.content.text?.startsWith('Tips'))
        .map((s) => s.content.text)
        .sort(),
    ).toEqual(['Tips', 'Tips v2']);
    expect(() => createJourneyEngine({ journeys: [v1, v1], sender, clock })).toThrow(/defined twice/);
  });

  it('splits deterministically with a holdout that receives nothing', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    const bus = createInProcessEventBus();
    const entered: Record<string, unknown>[] = [];
    bus.subscribe('journey.entered', (e) => {
      entered.push(e.payload as Record<string, unknown>);
    });
    const split = {
      seed: 's1',
      holdout: 0.2,
      variants: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 3, start: 'b-msg' },
      ],
    };
    const engine = createJourneyEngine({
      journeys: [
        {
          id: 'ab',
          version: 1,
          trigger: { on: 'thing.happened', capture },
          split,
          steps: [
            { type: 'send', id: 'a-msg', channels: ['sms'], content: { text: 'A' }, next: 'end' },
            { type: 'send', id: 'b-msg', channels: ['sms'], content: { text: 'B' } },
            { type: 'exit', id: 'end' },
          ],
        },
      ],
      sender,
      clock,
      bus,
    });
    for (let i = 0; i < 2000; i++)
      await engine.handle(event('thing.happened', { customerId: `c${i}`, ...contact }));
    const count = (f: (p: Record<string, unknown>) => boolean) => entered.filter(f).length;
    const holdout = count((p) => p.group === 'holdout');
    expect(holdout / 2000).toBeGreaterThan(0.17);
    expect(holdout / 2000).toBeLessThan(0.23);
    const b = count((p) => p.variant === 'b');
    expect(b / (2000 - holdout)).toBeGreaterThan(0.7);
    expect(b / (2000 - holdout)).toBeLessThan(0.8);
    expect(sender.sent).toHaveLength(2000 - holdout);
    for (let i = 0; i < 2000; i++) {
      const a = assignJourneyGroup(split, `c${i}`);
      const p = entered[i] as Record<string, unknown>;
      expect(a.group).toBe(p.group);
      if (a.group === 'treatment') {
        expect(a.variant).toBe(p.variant);
        expect(sender.sent.find((s) => s.customerId === `c${i}`)?.content.text).toBe(a.variant.toUpperCase());
      } else expect(engine.instance('ab', `c${i}`)?.exitReason).toBe('holdout');
    }
  });

  it('rejects bad configuration with every path, and a bad event with VALIDATION', async () => {
    const clock = createManualClock(0);
    const sender = recordingSender();
    try {
      createJourneyEngine({
        journeys: [
          {
            id: 'j',
            version: 1,
            trigger: { on: 'thing.happened', when: 'payload.a ==' },
            steps: [
              { type: 'wait', id: 'w', duration: 5, calendar: 'nope', next: 'missing' },
              { type: 'wait', id: 'w', duration: 5 },
            ],
          },
        ],
        sender,
        clock,
      });
      expect.unreachable();
    } catch (error) {
      expect(isThreadlineError(error, 'CONFIG')).toBe(true);
      const paths = (error as { issues: { path: unknown[] }[] }).issues.map((i) => i.path.join('.'));
      expect(paths).toEqual(
        expect.arrayContaining([
          'journeys.0.trigger.when',
          'journeys.0.steps.0.calendar',
          'journeys.0.steps.0.next',
          'journeys.0.steps.1.id',
        ]),
      );
    }
    expect(() =>
      createJourneyEngine({
        journeys: [
          {
            id: 'j',
            version: 1,
            trigger: { on: 'thing.happened' },
            steps: [{ type: 'wait', id: 'w', duration: 5, typo: 1 } as never],
          },
        ],
        sender,
        clock,
      }),
    ).toThrow(/journeys\[0\]\.steps\[0\]/);
    expect(() =>
      createJourneyEngine({
        journeys: [
          {
            id: 'spin',
            version: 1,
            trigger: { on: 'thing.happened' },
            steps: [
              { type: 'wait', id: 'w', duration: 0 },
              { type: 'branch', id: 'b', cases: [{ when: 'data.x == 1', next: 'w' }], otherwise: 'w' },
            ],
          },
        ],
        sender,
        clock,
      }),
    ).toThrow(/w → b → w/);
    const engine = createJourneyEngine({ journeys: [welcome()], sender, clock });
    await expect(engine.handle({ type: 'x' } as never)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('connect() handles bus events but not its own', async () => {
    const clock = createManualClock(0);
    const bus = createInProcessEventBus();
    const sender = recordingSender();
    const engine = createJourneyEngine({
      journeys: [welcome({ trigger: { on: '*', capture } })],
      sender,
      clock,
      bus,
    });
    const stop = engine.connect();
    await bus.publish(event('customer.created', { customerId: 'c1', ...contact }));
    await engine.idle();
    expect(sender.sent).toHaveLength(1);
    expect(engine.stats()).toMatchObject({ waiting: 1, done: 0 });
    stop();
  });
});
