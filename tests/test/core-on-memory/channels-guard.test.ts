import { createMemoryStorage } from '@threadline/adapter-memory';
import { createTwilioSender } from '@threadline/adapter-twilio';
import {
  type Actor,
  createBusinessCalendar,
  createConsentService,
  createIdGenerator,
  createSendGuard,
  isThreadlineError,
  ManualClock,
  SendRequestSchema,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Monday 5 January 2026, 10:00 in London (UTC in winter).
const MON_10 = Date.UTC(2026, 0, 5, 10);
const HOUR = 3_600_000;
const system: Actor = { id: 'system', roles: ['system'] };
const weekday = [['08:00', '21:00']] as const;
const daytime = createBusinessCalendar({
  timeZone: 'Europe/London',
  hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [['09:00', '18:00']] },
});

function world() {
  const clock = new ManualClock(MON_10);
  const ids = createIdGenerator({ clock, seed: 14 });
  const storage = createMemoryStorage();
  const consent = createConsentService({ store: storage.documents, clock, ids, optOutPurposes: ['service'] });
  return { clock, ids, storage, consent };
}

const request = (extra: Record<string, unknown> = {}) =>
  SendRequestSchema.parse({
    conversationId: 'conv-1',
    channel: 'sms',
    to: '+447700900123',
    content: { text: 'Spring sale: 20% off' },
    idempotencyKey: `k-${Math.random()}`,
    customerId: 'c1',
    purpose: 'marketing',
    ...extra,
  });

describe('createSendGuard', () => {
  it('refuses an opt-in purpose without a grant, allows it once granted, refuses after withdrawal', async () => {
    const { clock, consent } = world();
    const guard = createSendGuard({ consent, clock });
    expect(await guard(request())).toEqual({ allowed: false, reason: 'no_consent' });
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: true, source: 'web_form' },
      { actor: system },
    );
    expect(await guard(request())).toEqual({ allowed: true });
    // Consent is per channel.
    expect(await guard(request({ channel: 'email', to: 'ada@example.com' }))).toEqual({
      allowed: false,
      reason: 'no_consent',
    });
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: false, source: 'sms_stop' },
      { actor: system },
    );
    expect(await guard(request())).toEqual({ allowed: false, reason: 'no_consent' });
  });

  it('uses the default purpose (service, opt-out) when the request names none, and refuses without a customer', async () => {
    const { clock, consent } = world();
    const guard = createSendGuard({ consent, clock });
    expect(await guard(request({ purpose: undefined }))).toEqual({ allowed: true });
    expect(await guard(request({ customerId: undefined }))).toEqual({ allowed: false, reason: 'no_consent' });
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'service', granted: false },
      { actor: system },
    );
    expect(await guard(request({ purpose: undefined }))).toEqual({ allowed: false, reason: 'no_consent' });
    const surveys = createSendGuard({ consent, clock, purpose: 'surveys' });
    expect(await surveys(request({ purpose: undefined }))).toEqual({ allowed: false, reason: 'no_consent' });
  });

  it('refuses with quiet_hours outside the calendar, for the listed purposes only', async () => {
    const { clock, consent } = world();
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: true },
      { actor: system },
    );
    const guard = createSendGuard({
      consent,
      clock,
      quietHours: { calendar: daytime, purposes: ['marketing'] },
    });
    expect(await guard(request())).toEqual({ allowed: true });
    clock.set(Date.UTC(2026, 0, 5, 22)); // Monday 22:00
    expect(await guard(request())).toEqual({ allowed: false, reason: 'quiet_hours' });
    // A service reply is not subject to these quiet hours.
    expect(await guard(request({ purpose: 'service' }))).toEqual({ allowed: true });
    clock.set(Date.UTC(2026, 0, 11, 12)); // Sunday noon: closed all day
    expect(await guard(request())).toEqual({ allowed: false, reason: 'quiet_hours' });
    // Consent is checked first: a customer who withdrew is told apart from one at night.
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: false },
      { actor: system },
    );
    expect(await guard(request())).toEqual({ allowed: false, reason: 'no_consent' });
  });

  it('picks a calendar per request (the customer’s time zone)', async () => {
    const { clock, consent } = world();
    const newYork = createBusinessCalendar({
      timeZone: 'America/New_York',
      hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    const guard = createSendGuard({
      consent,
      clock,
      purpose: 'service',
      quietHours: { calendar: (r) => (r.to.startsWith('+1') ? newYork : daytime) },
    });
    // Monday 10:00 in London is 05:00 in New York.
    expect(await guard(request({ purpose: undefined }))).toEqual({ allowed: true });
    expect(await guard(request({ purpose: undefined, to: '+12025550123' }))).toEqual({
      allowed: false,
      reason: 'quiet_hours',
    });
  });

  it('property: allowed exactly when consent is granted and the instant is business time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.integer({ min: 0, max: 14 * 24 }), async (granted, hours) => {
        const { clock, consent } = world(); // a ManualClock only moves forward
        const guard = createSendGuard({ consent, clock, quietHours: daytime });
        await consent.record(
          { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted },
          { actor: system },
        );
        clock.set(MON_10 + hours * HOUR);
        const decision = await guard(request());
        const open = daytime.isBusinessTime(MON_10 + hours * HOUR);
        if (!granted) expect(decision).toEqual({ allowed: false, reason: 'no_consent' });
        else if (!open) expect(decision).toEqual({ allowed: false, reason: 'quiet_hours' });
        else expect(decision).toEqual({ allowed: true });
      }),
      { numRuns: 100, seed: 1405 },
    );
  });

  it('plugs into a sender: a refused send is FORBIDDEN and nothing reaches the provider', async () => {
    const { clock, ids, storage, consent } = world();
    const calls: string[] = [];
    const sender = createTwilioSender({
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      authToken: 'token',
      from: '+14155238886',
      store: storage.documents,
      clock,
      ids,
      guard: createSendGuard({ consent, clock, quietHours: daytime }),
      fetch: async (url) => {
        calls.push(url);
        return new Response(JSON.stringify({ sid: `SM${calls.length}`, status: 'queued' }), { status: 201 });
      },
    });
    const send = (key: string) =>
      sender.send({
        conversationId: 'conv-1',
        channel: 'sms',
        to: '+447700900123',
        content: { text: 'Spring sale' },
        idempotencyKey: key,
        customerId: 'c1',
        purpose: 'marketing',
      });
    const refused = await send('m-1').catch((e: unknown) => e);
    expect(isThreadlineError(refused, 'FORBIDDEN')).toBe(true);
    expect(refused).toMatchObject({ details: { reason: 'no_consent' } });
    await consent.record(
      { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: true },
      { actor: system },
    );
    clock.set(Date.UTC(2026, 0, 5, 23));
    await expect(send('m-2')).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'quiet_hours' },
    });
    expect(calls).toEqual([]);
    clock.set(Date.UTC(2026, 0, 6, 9));
    expect(await send('m-3')).toMatchObject({ state: 'queued' });
    expect(calls).toHaveLength(1);
  });

  it('refuses bad options with CONFIG', () => {
    const { clock, consent } = world();
    expect(() => createSendGuard({ consent: {} as never, clock })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['consent'] }),
    );
    expect(() => createSendGuard({ consent, clock, quietHours: { calendar: 'nights' as never } })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['quietHours'] }),
    );
  });
});
