// The journeys crash test's command stream: deterministic (seeded) triggers, survey answers, goal
// events and clock jumps over a pool of customers.
import type { JourneyDefinition } from '@threadline/automation';

/** 2026-01-05 09:00 UTC, a Monday. */
export const T0 = Date.UTC(2026, 0, 5, 9);

/** One command of the stream. */
export interface Command {
  i: number;
  /** The clock when the command runs. */
  at: number;
  kind: 'trigger' | 'answer' | 'goal' | 'advance';
  customer: string;
}

/** Mulberry32: a small seeded generator in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The stream: `count` commands over `customers` customers. */
export function commandStream(seed: number, count: number, customers: number): Command[] {
  const rnd = prng(seed);
  const out: Command[] = [];
  let at = T0;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const customer = `c${Math.floor(rnd() * customers)}`;
    if (r < 0.2) {
      at += 30 * 60_000 + Math.floor(rnd() * 8 * 3_600_000);
      out.push({ i, at, kind: 'advance', customer });
    } else {
      at += Math.floor(rnd() * 5 * 60_000);
      out.push({ i, at, kind: r < 0.65 ? 'trigger' : r < 0.9 ? 'answer' : 'goal', customer });
    }
  }
  return out;
}

/** The journey under test: a split with a holdout, sends with fallback, waits, wait-for, a goal. */
export const CRASH_JOURNEY: JourneyDefinition = {
  id: 'delivery-followup',
  version: 1,
  trigger: {
    on: 'order.shipped',
    capture: { whatsapp: 'payload.phone', sms: 'payload.phone', email: 'payload.email', n: 'payload.n' },
  },
  goal: { on: 'order.returned' },
  split: {
    seed: 'crash',
    holdout: 0.1,
    variants: [
      { id: 'short', weight: 1, start: 'notice' },
      { id: 'long', weight: 1, start: 'notice' },
    ],
  },
  steps: [
    {
      type: 'send',
      id: 'notice',
      channels: ['whatsapp', 'sms', 'email'],
      content: { text: 'Shipped #{{data.n}}' },
    },
    { type: 'wait', id: 'settle', duration: { hours: 2 } },
    {
      type: 'wait_for',
      id: 'survey',
      event: 'survey.answered',
      timeout: { days: 1 },
      onEvent: 'thanks',
      onTimeout: 'kind',
    },
    {
      type: 'branch',
      id: 'kind',
      cases: [{ when: 'journey.variant == "long"', next: 'long-wait' }],
      otherwise: 'reminder',
    },
    { type: 'wait', id: 'long-wait', duration: { hours: 12 } },
    {
      type: 'send',
      id: 'reminder',
      channels: ['sms', 'email'],
      content: { text: 'How was it?' },
      next: 'end',
    },
    { type: 'send', id: 'thanks', channels: ['email', 'sms'], content: { text: 'Thanks!' } },
    { type: 'exit', id: 'end' },
  ],
};
