import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildHandoffPacket,
  createSequentialIds,
  decideContinuity,
  isThreadlineError,
  ManualClock,
  parseHandoffPacket,
  replyWindow,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const HOUR = 3_600_000;

function deps() {
  return { clock: new ManualClock(T0), ids: createSequentialIds() };
}

function expectError(fn: () => unknown, path: string): void {
  try {
    fn();
  } catch (e) {
    expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
    if (isThreadlineError(e)) expect(e.path?.join('.')).toBe(path);
    return;
  }
  throw new Error('expected VALIDATION');
}

const base = {
  conversationId: 'conv-1',
  customerId: 'cus-1',
  from: { kind: 'bot' as const, id: 'faq-bot' },
  to: { kind: 'queue' as const, id: 'billing' },
  reason: { code: 'low_confidence' as const },
  identity: { confidence: 0.9, verified: true, evidence: ['email:ana@x.com'] },
};

describe('buildHandoffPacket', () => {
  it('builds the same shape for bot→human, human→human and human→bot', () => {
    const d = deps();
    const botToHuman = buildHandoffPacket(
      {
        ...base,
        intent: { name: 'refund', confidence: 0.4 },
        target: { skills: [{ name: 'billing', minLevel: 3 }] },
      },
      d,
    );
    const humanToHuman = buildHandoffPacket(
      {
        ...base,
        from: { kind: 'agent', id: 'a1' },
        to: { kind: 'agent', id: 'a2' },
        reason: { code: 'transfer' },
      },
      d,
    );
    const back = buildHandoffPacket(
      {
        ...base,
        from: { kind: 'agent', id: 'a2' },
        to: { kind: 'bot', id: 'faq-bot' },
        reason: { code: 'return_to_bot' },
      },
      d,
    );
    expect(botToHuman.id).toBe('handoff-1');
    expect(botToHuman.createdAt).toBe(T0);
    expect(botToHuman.tenantId).toBe('default');
    expect(Object.keys(humanToHuman).sort()).toEqual(Object.keys(back).sort());
    expect(botToHuman.target).toEqual({ skills: [{ name: 'billing', minLevel: 3 }] });
    expect(humanToHuman.target).toEqual({ skills: [] });
    // Plain JSON: survives a round trip and re-validates.
    expect(parseHandoffPacket(JSON.parse(JSON.stringify(botToHuman)))).toEqual(botToHuman);
  });

  it('keeps the latest transcript window in order', () => {
    const transcript = Array.from({ length: 30 }, (_, i) => ({
      author: { kind: i % 2 === 0 ? ('customer' as const) : ('bot' as const) },
      body: `m${i}`,
      at: T0 - (30 - i) * 1000,
    })).reverse();
    const packet = buildHandoffPacket({ ...base, transcript }, { ...deps(), maxMessages: 5 });
    expect(packet.transcript.map((t) => t.body)).toEqual(['m25', 'm26', 'm27', 'm28', 'm29']);
    const byChars = buildHandoffPacket({ ...base, transcript }, { ...deps(), maxChars: 7 });
    expect(byChars.transcript.map((t) => t.body)).toEqual(['m27', 'm28', 'm29'].slice(-2));
    // One over-long message is still kept (the window is never empty when messages exist).
    const long = buildHandoffPacket(
      { ...base, transcript: [{ author: { kind: 'customer' }, body: 'x'.repeat(50), at: T0 }] },
      { ...deps(), maxChars: 10 },
    );
    expect(long.transcript).toHaveLength(1);
  });

  it('computes SLA remaining time at creation', () => {
    const packet = buildHandoffPacket(
      {
        ...base,
        sla: [
          { metric: 'first_reply', state: 'active', dueAt: T0 + 15 * 60_000 },
          { metric: 'resolution', state: 'breached', dueAt: T0 - 60_000 },
          { metric: 'next_reply', state: 'paused' },
        ],
      },
      deps(),
    );
    expect(packet.sla.map((s) => s.remainingMs)).toEqual([15 * 60_000, -60_000, undefined]);
  });

  it("spells a stopped SLA clock 'canceled' (American, as every event and status)", () => {
    const sla = (state: string) =>
      buildHandoffPacket({ ...base, sla: [{ metric: 'resolution', state } as never] }, deps()).sla[0]?.state;
    expect(sla('canceled')).toBe('canceled');
    expect(() => sla('cancelled')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('rejects bad input with the field path', () => {
    const d = deps();
    expectError(
      () => buildHandoffPacket({ ...base, reason: { code: 'bored' as 'other' } }, d),
      'reason.code',
    );
    expectError(
      () => buildHandoffPacket({ ...base, identity: { confidence: 2, verified: true } }, d),
      'identity.confidence',
    );
    expectError(
      () =>
        buildHandoffPacket(
          { ...base, transcript: [{ author: { kind: 'customer' }, body: 'x', at: Number.NaN }] },
          d,
        ),
      '0.at',
    );
    expectError(() => buildHandoffPacket({ ...base, conversationId: '' }, d), 'conversationId');
    expectError(() => buildHandoffPacket(base, { ...d, maxMessages: -1 }), 'maxMessages');
    expectError(() => parseHandoffPacket({ ...base, extra: 1 }), 'id');
  });

  it('never exceeds the window and keeps order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ body: fc.string({ maxLength: 40 }), at: fc.integer({ min: 0, max: 1e6 }) }), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 400 }),
        (msgs, maxMessages, maxChars) => {
          const transcript = msgs.map((m) => ({ author: { kind: 'customer' as const }, ...m }));
          const p = buildHandoffPacket({ ...base, transcript }, { ...deps(), maxMessages, maxChars });
          expect(p.transcript.length).toBeLessThanOrEqual(maxMessages);
          if (msgs.length > 0) expect(p.transcript.length).toBeGreaterThan(0);
          if (p.transcript.length > 1) {
            expect(p.transcript.reduce((n, t) => n + t.body.length, 0)).toBeLessThanOrEqual(maxChars);
          }
          for (let i = 1; i < p.transcript.length; i++) {
            expect((p.transcript[i]?.at ?? 0) >= (p.transcript[i - 1]?.at ?? 0)).toBe(true);
          }
          const latest = Math.max(...msgs.map((m) => m.at));
          if (msgs.length > 0) expect(p.transcript.at(-1)?.at).toBe(latest);
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe('decideContinuity', () => {
  const conv = (
    id: string,
    status: 'open' | 'closed',
    closedAt?: number,
    channel: 'email' | 'whatsapp' | 'chat' = 'email',
  ) => ({
    id,
    channel,
    status,
    createdAt: T0 - 100 * HOUR,
    ...(closedAt !== undefined ? { closedAt, lastMessageAt: closedAt } : { lastMessageAt: T0 - HOUR }),
  });

  it('continues an open conversation', () => {
    expect(
      decideContinuity({
        channel: 'email',
        conversations: [conv('a', 'closed', T0 - HOUR), conv('b', 'open')],
        now: T0,
      }),
    ).toEqual({
      action: 'continue',
      conversationId: 'b',
      reason: 'open_conversation',
    });
  });

  it('reopens within the window, starts new after it (half-open)', () => {
    const policy = { reopenWithinMs: 2 * HOUR, singleThread: false };
    const conversations = [conv('a', 'closed', T0 - 2 * HOUR)];
    expect(decideContinuity({ channel: 'email', conversations, now: T0 - 1, policy })).toMatchObject({
      action: 'reopen',
      conversationId: 'a',
    });
    expect(decideContinuity({ channel: 'email', conversations, now: T0, policy })).toEqual({
      action: 'new',
      reason: 'reopen_window_expired',
    });
    expect(
      decideContinuity({
        channel: 'email',
        conversations,
        now: T0,
        policy: { reopenWithinMs: 0, singleThread: false },
      }),
    ).toEqual({
      action: 'new',
      reason: 'reopen_disabled',
    });
  });

  it('locks to one thread on single-thread channels and ignores other channels', () => {
    const conversations = [conv('w', 'closed', T0 - 1000 * HOUR, 'whatsapp'), conv('e', 'open')];
    expect(decideContinuity({ channel: 'whatsapp', conversations, now: T0 })).toEqual({
      action: 'reopen',
      conversationId: 'w',
      reason: 'single_thread',
    });
    expect(decideContinuity({ channel: 'chat', conversations, now: T0 })).toEqual({
      action: 'new',
      reason: 'no_conversation',
    });
  });

  it('uses per-channel policies and validates input', () => {
    const conversations = [conv('a', 'closed', T0 - 3 * HOUR)];
    const policies = { email: { reopenWithinMs: 4 * HOUR, singleThread: false } };
    expect(decideContinuity({ channel: 'email', conversations, now: T0, policies }).action).toBe('reopen');
    expectError(() => decideContinuity({ channel: 'fax' as 'email', conversations, now: T0 }), '');
    expectError(
      () =>
        decideContinuity({
          channel: 'email',
          conversations: [{ ...conversations[0], status: 'weird' } as never],
          now: T0,
        }),
      '0.status',
    );
    expectError(
      () =>
        decideContinuity({
          channel: 'email',
          conversations,
          now: T0,
          policy: { reopenWithinMs: -1 } as never,
        }),
      'reopenWithinMs',
    );
  });
});

describe('replyWindow', () => {
  it('applies the 24 h WhatsApp window (half-open)', () => {
    const c = { channel: 'whatsapp' as const, lastCustomerMessageAt: T0 };
    expect(replyWindow(c, T0 + 23 * HOUR)).toEqual({
      open: true,
      closesAt: T0 + 24 * HOUR,
      remainingMs: HOUR,
      reason: 'within_window',
    });
    expect(replyWindow(c, T0 + 24 * HOUR)).toMatchObject({ open: false, reason: 'window_expired' });
    expect(replyWindow({ channel: 'whatsapp' }, T0)).toMatchObject({
      open: false,
      reason: 'no_customer_message',
    });
    expect(replyWindow({ channel: 'email' }, T0)).toEqual({ open: true, reason: 'no_window' });
    expect(
      replyWindow(
        {
          channel: 'email',
          continuity: { reopenWithinMs: 0, singleThread: false, replyWindowMs: HOUR },
          lastCustomerMessageAt: T0,
        },
        T0 + 2 * HOUR,
      ).open,
    ).toBe(false);
  });
});
