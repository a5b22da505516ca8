import {
  createInProcessEventBus,
  createManualClock,
  createSequentialIds,
  type EventEnvelope,
  type HandoffPacket,
  isThreadlineError,
} from '@threadline/core';
import { analyzeSentiment } from '@threadline/insights';
import { describe, expect, it } from 'vitest';
import {
  type Bot,
  type BotReply,
  createBotFlow,
  createRetrievalBot,
  replyWithTimeout,
} from '../src/index.js';
import { flush, manualTimers } from './helpers.js';

function scripted(replies: (BotReply | 'hang' | 'throw')[]): Bot {
  let i = 0;
  return {
    id: 'scripted',
    reply() {
      const r = replies[Math.min(i++, replies.length - 1)];
      if (r === 'hang') return new Promise(() => undefined);
      if (r === 'throw') return Promise.reject(new Error('model down'));
      return Promise.resolve(r as BotReply);
    },
  };
}

function setup(bot: Bot, extra: Partial<Parameters<typeof createBotFlow>[0]> = {}) {
  const clock = createManualClock(10_000);
  const ids = createSequentialIds();
  const timers = manualTimers();
  const bus = createInProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('bot.*', (e) => {
    events.push(e);
  });
  const handed: HandoffPacket[] = [];
  const flow = createBotFlow({
    bot,
    clock,
    ids,
    bus,
    setTimer: timers.setTimer,
    target: { queueId: 'support', skills: [{ name: 'billing' }] },
    onHandoff: (p) => {
      handed.push(p);
    },
    ...extra,
  });
  flow.start({ conversationId: 'conv-1', customerId: 'cus-1', tenantId: 't1' });
  return { flow, timers, events, handed, clock };
}

const ok = (intent: string, text = `answer ${intent}`): BotReply => ({ text, confidence: 0.9, intent });

describe('createBotFlow', () => {
  it('the bot answers while confident, then hands off when the customer asks for a person', async () => {
    const { flow, handed, events } = setup(scripted([ok('billing'), ok('refund')]));
    const first = await flow.customerMessage('conv-1', { text: 'Where is my bill?' });
    expect(first).toMatchObject({ kind: 'replied', reply: { intent: 'billing' } });
    const second = await flow.customerMessage('conv-1', { text: 'Je veux parler à un conseiller' });
    expect(second.kind).toBe('handed_off');
    if (second.kind !== 'handed_off') return;
    expect(second.trigger).toBe('customer_request');
    expect(second.packet).toMatchObject({
      tenantId: 't1',
      conversationId: 'conv-1',
      from: { kind: 'bot', id: 'scripted' },
      to: { kind: 'queue', id: 'support' },
      reason: { code: 'customer_request' },
      target: { queueId: 'support', skills: [{ name: 'billing' }] },
    });
    expect(second.packet.transcript.map((m) => m.author.kind)).toEqual(['customer', 'bot', 'customer']);
    expect(handed).toEqual([second.packet]);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ['bot.replied', 1],
      ['bot.handed_off', 2],
    ]);
  });

  it('mutes the bot while a person owns the conversation and takes it back on hand-back', async () => {
    let calls = 0;
    const bot: Bot = {
      id: 'b',
      reply: async () => {
        calls += 1;
        return ok('x', `reply ${calls}`);
      },
    };
    const { flow, events } = setup(bot);
    await flow.customerMessage('conv-1', { text: 'talk to a human please' });
    expect(flow.owner('conv-1').kind).toBe('person');
    expect(await flow.customerMessage('conv-1', { text: 'hello?' })).toEqual({ kind: 'muted' });
    flow.agentMessage('conv-1', { text: 'Hi, I am Ana' });
    expect(calls).toBe(0);
    const back = flow.handBack('conv-1', { agentId: 'ana', note: 'solved billing' });
    expect(back).toMatchObject({
      from: { kind: 'agent', id: 'ana' },
      to: { kind: 'bot', id: 'b' },
      reason: { code: 'return_to_bot' },
    });
    expect(back.transcript.map((m) => m.body)).toEqual(['talk to a human please', 'hello?', 'Hi, I am Ana']);
    expect(flow.owner('conv-1')).toEqual({ kind: 'bot' });
    expect((await flow.customerMessage('conv-1', { text: 'thanks, one more question' })).kind).toBe(
      'replied',
    );
    expect(calls).toBe(1);
    await flush();
    expect(events.map((e) => e.type)).toEqual(['bot.handed_off', 'bot.handed_back', 'bot.replied']);
    expect(() => flow.handBack('conv-1', { agentId: 'ana' })).toThrow(/already owned by the bot/);
    expect(() => flow.agentMessage('conv-1', { text: 'x' })).toThrow(/owned by the bot/);
  });

  it('escalates on low confidence with the intent in the packet', async () => {
    const { flow } = setup(scripted([{ text: 'maybe?', confidence: 0.2, intent: 'refund' }]));
    const out = await flow.customerMessage('conv-1', { text: 'refund status' });
    expect(out).toMatchObject({
      kind: 'handed_off',
      trigger: 'low_confidence',
      packet: { intent: { name: 'refund', confidence: 0.2 } },
    });
    // The unsent low-confidence answer is not in the transcript.
    expect(flow.messages('conv-1').map((m) => m.speaker)).toEqual(['customer']);
  });

  it('escalates when sentiment turns negative (insights as the signal provider)', async () => {
    const { flow } = setup(scripted([ok('a'), ok('b')]), {
      sentiment: (text) => analyzeSentiment(text).score,
    });
    expect((await flow.customerMessage('conv-1', { text: 'Hi, question about my order' })).kind).toBe(
      'replied',
    );
    const out = await flow.customerMessage('conv-1', {
      text: 'This is the third time calling and it is STILL not fixed, terrible!',
    });
    expect(out).toMatchObject({
      kind: 'handed_off',
      trigger: 'negative_sentiment',
      packet: { reason: { code: 'negative_sentiment' }, sentiment: { label: 'negative' } },
    });
  });

  it('a throwing sentiment provider gives no signal and the bot still answers', async () => {
    const { flow } = setup(scripted([ok('a')]), {
      sentiment: () => {
        throw new Error('model missing');
      },
    });
    expect((await flow.customerMessage('conv-1', { text: 'hello' })).kind).toBe('replied');
  });

  it('escalates when the same intent comes three times in a row', async () => {
    const { flow } = setup(scripted([ok('track', 'a'), ok('track', 'b'), ok('track', 'c')]));
    expect((await flow.customerMessage('conv-1', { text: '1' })).kind).toBe('replied');
    expect((await flow.customerMessage('conv-1', { text: '2' })).kind).toBe('replied');
    expect(await flow.customerMessage('conv-1', { text: '3' })).toMatchObject({
      kind: 'handed_off',
      trigger: 'loop_intent',
      packet: { reason: { code: 'escalation' }, context: { trigger: 'loop_intent' } },
    });
  });

  it('a different intent in between resets the run; the bot repeating itself escalates', async () => {
    const { flow } = setup(scripted([ok('a', 'x'), ok('a', 'y'), ok('b', 'z'), ok('a', 'w'), ok('c', 'w')]));
    for (let i = 0; i < 4; i++)
      expect((await flow.customerMessage('conv-1', { text: `q${i}` })).kind).toBe('replied');
    expect(await flow.customerMessage('conv-1', { text: 'q4' })).toMatchObject({
      kind: 'handed_off',
      trigger: 'loop_repeat',
    });
  });

  it('escalates with timeout when the bot does not answer in time, and on a failing bot', async () => {
    const { flow, timers } = setup(scripted(['hang']), { timeoutMs: 5_000 });
    const pending = flow.customerMessage('conv-1', { text: 'hello' });
    await flush();
    timers.advance(4_999);
    await flush();
    timers.advance(1);
    expect(await pending).toMatchObject({
      kind: 'handed_off',
      trigger: 'timeout',
      packet: { reason: { code: 'timeout' } },
    });
    const failing = setup(scripted(['throw']));
    expect(await failing.flow.customerMessage('conv-1', { text: 'hello' })).toMatchObject({
      kind: 'handed_off',
      trigger: 'bot_error',
    });
    expect(failing.timers.pending()).toBe(0);
  });

  it('a refused handoff leaves the bot in charge and surfaces the error', async () => {
    const { flow } = setup(scripted([ok('a')]), {
      onHandoff: () => {
        throw new Error('routing down');
      },
    });
    await expect(flow.customerMessage('conv-1', { text: 'get me a human' })).rejects.toThrow('routing down');
    expect(flow.owner('conv-1')).toEqual({ kind: 'bot' });
    expect((await flow.customerMessage('conv-1', { text: 'ok then' })).kind).toBe('replied');
  });

  it('works with the retrieval bot end to end', async () => {
    const bot = createRetrievalBot({
      articles: [
        {
          id: 'kb-1',
          title: 'Reset your password',
          body: 'Open Settings, then Security.',
          phrases: ['forgot my password'],
        },
      ],
    });
    const { flow } = setup(bot);
    expect(await flow.customerMessage('conv-1', { text: 'I forgot my password' })).toMatchObject({
      kind: 'replied',
      reply: { intent: 'kb-1' },
    });
    expect(await flow.customerMessage('conv-1', { text: 'what about my pension fund?' })).toMatchObject({
      kind: 'handed_off',
      trigger: 'low_confidence',
    });
  });

  it('validates input at the boundary', async () => {
    const { flow } = setup(scripted([ok('a')]));
    expect(() => flow.start({ conversationId: 'conv-1', customerId: 'c' })).toThrow(/already started/);
    await expect(flow.customerMessage('nope', { text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(flow.customerMessage('conv-1', { text: 5 } as never)).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['text'],
    });
    try {
      createBotFlow({
        bot: scripted([]),
        clock: createManualClock(0),
        ids: createSequentialIds(),
        setTimer: manualTimers().setTimer,
        minConfidence: 2,
      });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['minConfidence']);
    }
  });
});

describe('replyWithTimeout', () => {
  it('rejects an invalid reply with VALIDATION and the path, and aborts the signal on timeout', async () => {
    const timers = manualTimers();
    const bad: Bot = { id: 'bad', reply: async () => ({ confidence: 3 }) };
    await expect(
      replyWithTimeout(
        bad,
        { id: 'c', tenantId: 't', customerId: 'x', messages: [] },
        { now: 0, attributes: {} },
        { timeoutMs: 10, setTimer: timers.setTimer },
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['confidence'] });
    let aborted = false;
    const slow: Bot = {
      id: 'slow',
      reply: (_c, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    };
    const p = replyWithTimeout(
      slow,
      { id: 'c', tenantId: 't', customerId: 'x', messages: [] },
      { now: 0, attributes: {} },
      { timeoutMs: 10, setTimer: timers.setTimer },
    );
    timers.advance(10);
    await expect(p).rejects.toMatchObject({ code: 'TIMEOUT', details: { botId: 'slow', timeoutMs: 10 } });
    expect(aborted).toBe(true);
  });
});
