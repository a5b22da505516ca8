// Retention of closed conversations: by default nothing is forgotten; with
// `retention.closedConversations` a closed conversation and its messages leave the store once the
// window has passed on the store's clock, a reopened one stays, and the context assembler returns
// the same context as a store without retention for any `recentWithinMs` within the window.
import {
  createContextAssembler,
  isThreadlineError,
  ManualClock,
  type StoredDocument,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type MemoryStorage } from '../src/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 16, 12);

function conversation(id: string, customerId: string, extra: Record<string, unknown> = {}) {
  return { id, customerId, channel: 'chat', status: 'open', createdAt: T0, ...extra };
}

function message(id: string, conversationId: string, sentAt: number) {
  return {
    id,
    conversationId,
    direction: 'inbound',
    author: { kind: 'customer' },
    body: `line ${id}`,
    sentAt,
  };
}

async function ids(storage: MemoryStorage, collection: string): Promise<string[]> {
  return (await storage.documents.find(collection, { limit: 1000 })).items.map((d) => d.id);
}

describe('retention of closed conversations', () => {
  it('keeps every closed conversation by default', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    await storage.documents.put(
      'conversations',
      conversation('c1', 'cu', { status: 'closed', closedAt: T0 }),
    );
    await storage.documents.put('messages', message('m1', 'c1', T0));
    clock.advance(365 * 24 * HOUR);
    await storage.documents.put('other', { id: 'x' });
    expect(storage.documents.sweep()).toBe(0);
    expect(await ids(storage, 'conversations')).toEqual(['c1']);
    expect(await ids(storage, 'messages')).toEqual(['m1']);
  });

  it('evicts a closed conversation and only its messages once the window has passed', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock, retention: { closedConversations: { closedForMs: HOUR } } });
    const { documents } = storage;
    await documents.put('conversations', conversation('c1', 'cu', { status: 'closed', closedAt: T0 }));
    await documents.put('conversations', conversation('c2', 'cu'));
    await documents.putMany('messages', [
      message('m1', 'c1', T0),
      message('m2', 'c1', T0),
      message('m3', 'c2', T0),
    ]);

    clock.set(T0 + HOUR - 1);
    await documents.put('other', { id: 'x' });
    expect(await ids(storage, 'conversations')).toEqual(['c1', 'c2']);

    clock.set(T0 + HOUR);
    await documents.put('other', { id: 'y' }); // a write sweeps first
    expect(await ids(storage, 'conversations')).toEqual(['c2']);
    expect(await ids(storage, 'messages')).toEqual(['m3']);
    expect(await documents.get('conversations', 'c1')).toBeUndefined();
    expect((await documents.find('messages', { where: { conversationId: 'c1' } })).items).toEqual([]);
  });

  it('judges a conversation by its latest write: reopened stays, closed again counts from the new closedAt', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock, retention: { closedConversations: { closedForMs: HOUR } } });
    const { documents } = storage;
    const closed = await documents.put(
      'conversations',
      conversation('c1', 'cu', { status: 'closed', closedAt: T0 }),
    );
    clock.set(T0 + HOUR / 2);
    const reopened = await documents.put('conversations', { ...closed, status: 'open', closedAt: undefined });
    clock.set(T0 + 2 * HOUR);
    expect(documents.sweep()).toBe(0);
    expect((await documents.get('conversations', 'c1'))?.status).toBe('open');

    await documents.put('conversations', { ...reopened, status: 'closed', closedAt: T0 + 2 * HOUR });
    clock.set(T0 + 3 * HOUR - 1);
    expect(documents.sweep()).toBe(0);
    clock.set(T0 + 3 * HOUR);
    expect(documents.sweep()).toBe(1);
    expect(await documents.get('conversations', 'c1')).toBeUndefined();
  });

  it('counts the window from the closing write when closedAt is missing, and notes transaction commits', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock, retention: { closedConversations: { closedForMs: 0 } } });
    const { documents } = storage;
    await documents.transaction(async (tx) => {
      await tx.documents.put('conversations', conversation('c1', 'cu', { status: 'closed' }));
      await tx.documents.put('messages', message('m1', 'c1', T0));
    });
    expect(await ids(storage, 'conversations')).toEqual(['c1']);
    clock.advance(1);
    expect(documents.sweep()).toBe(1);
    expect(await ids(storage, 'messages')).toEqual([]);
  });

  it('keeps tenants apart and honours other collection names', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({
      clock,
      retention: {
        closedConversations: { closedForMs: 10, collection: 'threads', messagesCollection: 'lines' },
      },
    });
    const { documents } = storage;
    await documents.put('threads', { id: 't1', tenantId: 'a', status: 'closed', closedAt: T0 });
    await documents.put('lines', { id: 'l1', tenantId: 'a', conversationId: 't1' });
    await documents.put('lines', { id: 'l1', tenantId: 'b', conversationId: 't1' });
    await documents.put('conversations', conversation('t1', 'cu', { status: 'closed', closedAt: T0 }));
    clock.advance(10);
    expect(documents.sweep()).toBe(1);
    expect(await documents.get('threads', 't1', { tenantId: 'a' })).toBeUndefined();
    expect(await documents.get('lines', 'l1', { tenantId: 'a' })).toBeUndefined();
    expect(await documents.get('lines', 'l1', { tenantId: 'b' })).toBeDefined();
    expect(await documents.get('conversations', 't1')).toBeDefined();
  });

  it('notes the closed conversations of a restored snapshot', async () => {
    const clock = new ManualClock(T0);
    const source = createMemoryStorage({ clock });
    await source.documents.put('conversations', conversation('c1', 'cu', { status: 'closed', closedAt: T0 }));
    await source.documents.put('messages', message('m1', 'c1', T0));
    const storage = createMemoryStorage({ clock, retention: { closedConversations: { closedForMs: HOUR } } });
    storage.restore(source.snapshot());
    expect(await ids(storage, 'conversations')).toEqual(['c1']);
    clock.advance(HOUR);
    expect(storage.documents.sweep()).toBe(1);
    expect(await ids(storage, 'messages')).toEqual([]);
  });

  it.each([
    [{ closedConversations: { closedForMs: -1 } }, ['retention', 'closedConversations', 'closedForMs']],
    [{ closedConversations: { closedForMs: 1.5 } }, ['retention', 'closedConversations', 'closedForMs']],
    [{ closedConversations: {} }, ['retention', 'closedConversations', 'closedForMs']],
    [
      { closedConversations: { closedForMs: 1, collection: '' } },
      ['retention', 'closedConversations', 'collection'],
    ],
    [{ closedConversations: 5 }, ['retention', 'closedConversations']],
    [null, ['retention']],
  ])('refuses bad options %j with the field path', (retention, path) => {
    let caught: unknown;
    try {
      createMemoryStorage({ retention: retention as never });
    } catch (error) {
      caught = error;
    }
    expect(isThreadlineError(caught, 'VALIDATION')).toBe(true);
    expect((caught as { issues: { path: unknown[]; code: string }[] }).issues[0]).toMatchObject({
      path,
      code: 'invalid_retention',
    });
  });

  it('gives the context assembler the same context as a store that keeps everything, within the window', async () => {
    const event = fc.record({
      customer: fc.integer({ min: 0, max: 2 }),
      gapMs: fc.integer({ min: 0, max: 3 * HOUR }),
      lengthMs: fc.integer({ min: 1, max: 2 * HOUR }),
      messages: fc.integer({ min: 0, max: 3 }),
      agent: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 * HOUR }),
        async (events, windowMs) => {
          const stores = [undefined, windowMs].map((closedForMs) => {
            const clock = new ManualClock(T0);
            const storage = createMemoryStorage({
              clock,
              ...(closedForMs === undefined ? {} : { retention: { closedConversations: { closedForMs } } }),
            });
            return { clock, storage };
          });
          const write = async (collection: string, doc: { id: string } & Record<string, unknown>) => {
            for (const { storage } of stores) await storage.documents.put(collection, doc);
          };
          const setTime = (t: number) => {
            for (const { clock } of stores) if (t > clock.now()) clock.set(t);
          };
          for (const customer of [0, 1, 2])
            await write('customers', { id: `cu${customer}`, createdAt: T0, profile: {}, attributes: {} });
          // Conversations open one after another and close after their length, in time order.
          const closing: { at: number; doc: StoredDocument }[] = [];
          let t = T0;
          for (const [i, e] of events.entries()) {
            t += e.gapMs;
            for (const c of closing.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)) {
              setTime(c.at);
              await write('conversations', { ...c.doc, status: 'closed', closedAt: c.at });
            }
            closing.splice(0, closing.length, ...closing.filter((x) => x.at > t));
            setTime(t);
            const doc = conversation(`c${i}`, `cu${e.customer}`, {
              createdAt: t,
              lastMessageAt: t,
              participants: [{ kind: 'agent', id: `a${e.agent}`, joinedAt: t }],
            });
            await write('conversations', doc);
            for (let m = 0; m < e.messages; m++)
              await write('messages', message(`m${i}-${m}`, `c${i}`, t + m));
            closing.push({ at: t + e.lengthMs, doc: doc as unknown as StoredDocument });
          }
          for (const { storage } of stores) storage.documents.sweep();
          for (const customer of [0, 1, 2]) {
            const [all, kept] = await Promise.all(
              stores.map(({ clock, storage }) =>
                createContextAssembler({ store: storage.documents, clock }).getContext(`cu${customer}`, {
                  recentWithinMs: windowMs,
                  recentConversations: 100,
                }),
              ),
            );
            expect(kept?.conversations).toEqual(all?.conversations);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
