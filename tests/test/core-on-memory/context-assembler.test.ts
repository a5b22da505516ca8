import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  buildHandoffPacket,
  CONTEXT_COLLECTIONS,
  CustomerContextSchema,
  createContextAssembler,
  createIdentityService,
  createSequentialIds,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;
const supervisor = { id: 'sup-1', roles: ['supervisor'] };

async function world() {
  const store = createMemoryDocumentStore();
  const clock = new ManualClock(T0);
  const ids = createSequentialIds();
  const identity = createIdentityService({ store, clock, ids });
  const contexts = createContextAssembler({ store, clock });
  await contexts.ready();
  const ana = await identity.resolve(
    [
      { kind: 'email', value: 'ana@x.com', verified: true, channel: 'email' },
      { kind: 'channel_handle', namespace: 'whatsapp', value: '34600111222', channel: 'whatsapp' },
    ],
    { profile: { name: 'Ana', locale: 'es' }, attributes: { tier: 'gold' } },
  );
  const put = (collection: string, doc: Record<string, unknown> & { id: string }) =>
    store.put(collection, doc);
  await put(CONTEXT_COLLECTIONS.conversations, {
    id: 'conv-open',
    customerId: ana.customerId,
    channel: 'whatsapp',
    status: 'open',
    createdAt: T0 - 30 * MIN,
    lastMessageAt: T0 - 5 * MIN,
    participants: [
      { kind: 'customer', id: ana.customerId, joinedAt: T0 - 30 * MIN },
      { kind: 'bot', id: 'faq-bot', joinedAt: T0 - 30 * MIN },
      { kind: 'agent', id: 'agent-2', joinedAt: T0 - 10 * MIN },
    ],
  });
  for (let i = 0; i < 4; i++) {
    await put(CONTEXT_COLLECTIONS.conversations, {
      id: `conv-old-${i}`,
      customerId: ana.customerId,
      channel: 'email',
      status: 'closed',
      subject: `old ${i}`,
      createdAt: T0 - (100 - i) * 60 * MIN,
      lastMessageAt: T0 - (90 - i) * 60 * MIN,
      closedAt: T0 - (80 - i) * 60 * MIN,
      participants: [{ kind: 'agent', id: `agent-old-${i}`, joinedAt: T0 - (95 - i) * 60 * MIN }],
    });
  }
  const messages = [
    { id: 'm1', direction: 'inbound', author: { kind: 'customer' }, body: 'hola', sentAt: T0 - 30 * MIN },
    {
      id: 'm2',
      direction: 'outbound',
      author: { kind: 'bot', id: 'faq-bot' },
      body: '¿En qué puedo ayudar?',
      sentAt: T0 - 29 * MIN,
    },
    {
      id: 'm3',
      direction: 'inbound',
      author: { kind: 'customer' },
      body: 'quiero un reembolso',
      sentAt: T0 - 20 * MIN,
    },
    {
      id: 'm4',
      direction: 'internal',
      author: { kind: 'agent', id: 'agent-2' },
      body: 'VIP, careful',
      sentAt: T0 - 9 * MIN,
      public: false,
    },
    {
      id: 'm5',
      direction: 'outbound',
      author: { kind: 'agent', id: 'agent-2' },
      body: 'Lo reviso',
      sentAt: T0 - 5 * MIN,
    },
  ];
  for (const m of messages)
    await put(CONTEXT_COLLECTIONS.messages, {
      ...m,
      conversationId: 'conv-open',
      channel: 'whatsapp',
      public: m.public ?? true,
    });
  const signal = (id: string, kind: string, observedAt: number, value?: number, label?: string) =>
    put(CONTEXT_COLLECTIONS.signals, {
      id,
      kind,
      subject: { type: 'customer', id: ana.customerId },
      observedAt,
      ...(value !== undefined ? { value } : {}),
      ...(label ? { label } : {}),
    });
  await signal('s1', 'sentiment', T0 - 20 * MIN, -0.2, 'negative');
  await signal('s2', 'sentiment', T0 - 10 * MIN, -0.6, 'negative');
  await signal('s3', 'sentiment', T0 - 5 * MIN, 0.1, 'neutral');
  await signal('s4', 'health', T0 - 60 * MIN, 62, 'yellow');
  return { store, clock, ids, identity, contexts, customerId: ana.customerId };
}

describe('ContextAssembler.getContext', () => {
  it('assembles identities, profile, conversations with message windows, last agents and signals', async () => {
    const { contexts, customerId } = await world();
    const ctx = await contexts.getContext(customerId, {
      recentConversations: 2,
      messagesPerConversation: 3,
      sentimentPoints: 2,
    });
    expect(ctx.customerId).toBe(customerId);
    expect(ctx.assembledAt).toBe(T0);
    expect(ctx.profile).toEqual({ name: 'Ana', locale: 'es' });
    expect(ctx.attributes).toEqual({ tier: 'gold' });
    expect(ctx.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
      'channel_handle:34600111222',
      'email:ana@x.com',
    ]);
    expect(ctx.conversations.open.map((c) => c.id)).toEqual(['conv-open']);
    expect(ctx.conversations.open[0]?.lastMessages.map((m) => m.id)).toEqual(['m2', 'm3', 'm5']);
    expect(ctx.conversations.open[0]?.agentIds).toEqual(['agent-2']);
    expect(ctx.conversations.recent.map((c) => c.id)).toEqual(['conv-old-3', 'conv-old-2']);
    expect(ctx.lastAgents.map((a) => a.agentId)).toEqual(['agent-2', 'agent-old-3', 'agent-old-2']);
    expect(ctx.signals.sentimentTrend.map((s) => s.id)).toEqual(['s2', 's3']);
    expect(ctx.signals.health).toMatchObject({ id: 's4', value: 62, label: 'yellow' });
    expect(ctx.signals.latest.map((s) => s.kind)).toEqual(['sentiment', 'health']);
    expect(ctx.cases).toEqual({ open: [], recent: [] });
    // Typed and serialisable.
    expect(CustomerContextSchema.parse(JSON.parse(JSON.stringify(ctx)))).toEqual(ctx);
  });

  it('includes internal notes only on request and honours recentWithinMs', async () => {
    const { contexts, customerId } = await world();
    const ctx = await contexts.getContext(customerId, {
      includeInternalNotes: true,
      messagesPerConversation: 2,
      recentWithinMs: 79 * 60 * MIN,
    });
    expect(ctx.conversations.open[0]?.lastMessages.map((m) => m.id)).toEqual(['m4', 'm5']);
    expect(ctx.conversations.recent.map((c) => c.id)).toEqual(['conv-old-3', 'conv-old-2']);
  });

  it('merges provider contributions (cases, signals, sections) and reports failures', async () => {
    const { contexts, customerId } = await world();
    contexts.register({
      name: 'cases',
      provide: ({ customerId: id }) => ({
        cases: {
          open: [
            {
              id: 'case-2',
              tenantId: 'default',
              status: 'open',
              openedAt: T0 - MIN,
              subject: `refund for ${id}`,
            },
          ],
          recent: [{ id: 'case-1', tenantId: 'default', status: 'solved', openedAt: T0 - 999 * MIN }],
        },
      }),
    });
    contexts.register({
      name: 'insights',
      provide: async () => ({
        signals: { health: { id: 'h9', kind: 'churn_risk', value: 0.7, observedAt: T0 - MIN } },
        section: { topics: ['refund'], score: 0.7 },
      }),
    });
    contexts.register({
      name: 'routing',
      provide: () => ({ lastAgents: [{ agentId: 'agent-9', conversationId: 'conv-x', at: T0 }] }),
    });
    const off = contexts.register({
      name: 'broken',
      provide: () => {
        throw new Error('upstream down');
      },
    });
    contexts.register({ name: 'sloppy', provide: () => ({ section: { when: new Date(0) } }) as never });
    const ctx = await contexts.getContext(customerId);
    expect(ctx.cases.open.map((c) => c.id)).toEqual(['case-2']);
    expect(ctx.cases.recent.map((c) => c.id)).toEqual(['case-1']);
    expect(ctx.signals.health?.id).toBe('h9');
    expect(ctx.sections).toEqual({ insights: { topics: ['refund'], score: 0.7 } });
    expect(ctx.lastAgents[0]?.agentId).toBe('agent-9');
    expect(ctx.providers).toEqual([
      { name: 'cases', status: 'ok' },
      { name: 'insights', status: 'ok' },
      { name: 'routing', status: 'ok' },
      { name: 'broken', status: 'failed', error: { message: 'upstream down' } },
      expect.objectContaining({
        name: 'sloppy',
        status: 'failed',
        error: expect.objectContaining({ code: 'VALIDATION' }),
      }),
    ]);
    expect(CustomerContextSchema.safeParse(ctx).success).toBe(true);
    await expect(contexts.getContext(customerId, { failOnProviderError: true })).rejects.toThrow(
      'upstream down',
    );
    const only = await contexts.getContext(customerId, { providers: ['cases'] });
    expect(only.providers.filter((p) => p.status === 'ok').map((p) => p.name)).toEqual(['cases']);
    off();
    expect(contexts.providerNames()).not.toContain('broken');
    expect(() => contexts.register({ name: 'cases', provide: () => ({}) })).toThrow(/already registered/);
  });

  it('follows merges to the surviving customer', async () => {
    const { identity, contexts, customerId } = await world();
    const other = await identity.resolve([{ kind: 'phone', value: '+14155552671', verified: true }]);
    await identity.merge(customerId, other.customerId, { reason: 'dup', actor: supervisor });
    const ctx = await contexts.getContext(other.customerId);
    expect(ctx.customerId).toBe(customerId);
    expect(ctx.resolvedFrom).toBe(other.customerId);
    expect(ctx.identities.map((i) => i.kind).sort()).toEqual(['channel_handle', 'email', 'phone']);
  });

  it('rejects bad input', async () => {
    const { contexts, customerId } = await world();
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return isThreadlineError(e) ? `${e.code}:${e.path?.join('.') ?? ''}` : 'other';
      }
      return 'ok';
    };
    expect(await code(contexts.getContext('nope'))).toBe('NOT_FOUND:');
    expect(await code(contexts.getContext(''))).toBe('VALIDATION:');
    expect(await code(contexts.getContext(customerId, { recentConversations: -1 }))).toBe(
      'VALIDATION:recentConversations',
    );
    expect(await code(contexts.getContext(customerId, { providers: ['ghost'] }))).toBe(
      'VALIDATION:providers.0',
    );
    expect(await code(contexts.getContext(customerId, { typo: 1 } as never))).toBe('VALIDATION:');
    expect(() => createContextAssembler({} as never)).toThrow(/store and clock/);
    expect(() => contexts.register({ name: '' } as never)).toThrow(/provider/);
  });

  it('decides continuity from stored conversations and feeds the handoff packet', async () => {
    const { contexts, customerId, clock, ids } = await world();
    expect(await contexts.continuityFor(customerId, 'whatsapp')).toEqual({
      action: 'continue',
      conversationId: 'conv-open',
      reason: 'single_thread',
    });
    // Email reopens within 7 days by default; conv-old-3 closed 77 hours ago.
    expect(await contexts.continuityFor(customerId, 'email')).toEqual({
      action: 'reopen',
      conversationId: 'conv-old-3',
      reason: 'within_reopen_window',
    });
    const policies = { email: { reopenWithinMs: 60 * MIN, singleThread: false } };
    expect(await contexts.continuityFor(customerId, 'email', { policies })).toEqual({
      action: 'new',
      reason: 'reopen_window_expired',
    });

    const ctx = await contexts.getContext(customerId, { messagesPerConversation: 10 });
    const open = ctx.conversations.open[0];
    const packet = buildHandoffPacket(
      {
        conversationId: open?.id ?? '',
        customerId: ctx.customerId,
        channel: open?.channel,
        from: { kind: 'bot', id: 'faq-bot' },
        to: { kind: 'queue', id: 'billing' },
        reason: { code: 'customer_request' },
        transcript: (open?.lastMessages ?? []).map((m) => ({
          messageId: m.id,
          author: m.author,
          body: m.body,
          at: m.sentAt,
        })),
        sentiment: { label: 'negative', score: -0.6, trend: 'improving' },
        identity: { confidence: 0.9, verified: true, evidence: ['email:ana@x.com'] },
        context: { tier: ctx.attributes.tier },
      },
      { clock, ids },
    );
    expect(packet.transcript.map((t) => t.messageId)).toEqual(['m1', 'm2', 'm3', 'm5']);
    expect(packet.context).toEqual({ tier: 'gold' });
  });
});
