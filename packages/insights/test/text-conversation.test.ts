import { describe, expect, it } from 'vitest';
import { analyzeConversation } from '../src/index.js';

describe('analyzeConversation', () => {
  it('tracks a recovery and its turning point, customer and agent apart', () => {
    const c = analyzeConversation([
      { speaker: 'customer', text: 'Third time calling, still not fixed!' },
      { speaker: 'agent', text: 'I am so sorry. Let me check that for you.' },
      { speaker: 'customer', text: 'This is ridiculous, I have waited 2 hours.' },
      { speaker: 'agent', text: 'Done, the line is working again. Great news!' },
      { speaker: 'customer', text: 'It works now, thank you so much!' },
    ]);
    expect(c.outcome).toBe('recovered');
    expect(c.recovered).toBe(true);
    expect(c.turningPoint?.index).toBe(4);
    expect(c.customer.start).toBeLessThan(0);
    expect(c.customer.end).toBeGreaterThan(0);
    expect(c.customer.messages).toBe(3);
    expect(c.agent.messages).toBeGreaterThanOrEqual(1);
    expect(c.messages).toHaveLength(5);
  });

  it('detects deterioration and accepts core Message-like objects', () => {
    const m = (kind: 'customer' | 'agent', body: string, sentAt: number) => ({
      id: `m${sentAt}`,
      author: { kind },
      body,
      sentAt,
      channel: 'chat',
    });
    const c = analyzeConversation([
      m('customer', 'Hi, thanks for the quick reply!', 1),
      m('agent', 'Your refund request was rejected.', 2),
      m('customer', 'What? That is unacceptable, I want to speak to a manager.', 3),
      m('customer', 'Worst service ever.', 4),
    ]);
    expect(c.outcome).toBe('deteriorated');
    expect(c.deteriorated).toBe(true);
  });

  it('reports no-signal and stable conversations', () => {
    expect(analyzeConversation([{ speaker: 'customer', text: 'Order 123' }]).outcome).toBe('no-signal');
    expect(analyzeConversation([]).outcome).toBe('no-signal');
    const c = analyzeConversation([
      { speaker: 'customer', text: 'Great, thanks' },
      { speaker: 'customer', text: 'Perfect, thank you' },
    ]);
    expect(c.outcome).toBe('stable');
    expect(c.turningPoint).toBeNull();
  });

  it('rejects malformed messages with the path of the bad field', () => {
    expect(() => analyzeConversation([{ speaker: 'robot', text: 'x' } as never])).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() => analyzeConversation('nope' as never)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });
});
