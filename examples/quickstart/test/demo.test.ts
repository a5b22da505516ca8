import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

describe('quickstart demo', () => {
  it('stores, logs and publishes every change exactly once, deterministically', async () => {
    const a = await runDemo();
    const b = await runDemo();
    expect(a.customers).toBe(2);
    expect(a.conversations).toBe(3);
    expect(a.eventsInLog).toBe(a.published.length);
    expect(a.published.map((e) => e.type)).toEqual([
      'customer.created',
      'conversation.started',
      'message.received',
      'customer.created',
      'conversation.started',
      'message.received',
      'conversation.started',
      'message.received',
    ]);
    expect(new Set(a.published.map((e) => e.id)).size).toBe(a.published.length);
    expect(b.published.map((e) => e.id)).toEqual(a.published.map((e) => e.id));
  });
});
