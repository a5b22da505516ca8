import { createMemoryDocumentStore, createMemoryStorage } from '@threadline/adapter-memory';
import {
  BusinessCalendar,
  createSequentialIds,
  type DocumentStore,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngineOptions, createCaseEngine, type SlaPolicyInput } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9); // Monday 09:00 UTC
const calendars = {
  office: BusinessCalendar.from({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } }),
};
const policies: SlaPolicyInput[] = [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }];

function engineWith(options: Pick<CaseEngineOptions, 'storage' | 'store'>) {
  const clock = new ManualClock(T0);
  return {
    clock,
    engine: createCaseEngine({ clock, ids: createSequentialIds(), calendars, policies, ...options }),
  };
}

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isThreadlineError(error)) return error;
    throw error;
  }
  throw new Error('expected a ThreadlineError');
}

/** Runs the same commands through `options`, then loads them into a fresh engine with the same options. */
async function run(options: Pick<CaseEngineOptions, 'storage' | 'store'>, documents: DocumentStore) {
  const a = engineWith(options);
  a.engine.openCase({ id: 'c1', customerId: 'u1', subject: 'Refund', priority: 'normal', channel: 'chat' });
  a.clock.advance(10 * 60_000);
  a.engine.recordMessage('c1', { author: 'agent', public: true });
  await a.engine.flush();
  const stored = await documents.get('cases', 'c1', { tenantId: 'default' });
  const b = engineWith(options);
  const loaded = await b.engine.load();
  return { stored, loaded, sla: b.engine.getSla('c1') };
}

describe('case engine storage option', () => {
  it('storage and the deprecated store persist and load the same documents', async () => {
    const storage = createMemoryStorage();
    const store = createMemoryDocumentStore();
    const viaStorage = await run({ storage }, storage.documents);
    const viaStore = await run({ store }, store);
    expect(viaStorage.stored).toBeDefined();
    expect(viaStorage.loaded.cases).toBe(1);
    // The bundle keeps the history in the audit stream (format 2); a store alone embeds it (format 1).
    const { engineState: durableState, ...durableCase } = (viaStorage.stored ?? { version: 0 }) as Record<
      string,
      unknown
    >;
    const { engineState: legacyState, ...legacyCase } = (viaStore.stored ?? { version: 0 }) as Record<
      string,
      unknown
    >;
    // Group commit: the two commands issued before `flush` committed in one transaction.
    expect({ ...legacyCase, version: 0 }).toEqual({ ...durableCase, version: 0 });
    expect([legacyCase.version, durableCase.version]).toEqual([2, 1]);
    expect(durableState).toMatchObject({ format: 2, streamVersion: 5 });
    expect(durableState).not.toHaveProperty('audit');
    expect(legacyState).toMatchObject({ format: 1 });
    expect(viaStore.loaded).toEqual(viaStorage.loaded);
    expect(viaStore.sla).toEqual(viaStorage.sla);
  });

  it('refuses a document store missing methods, naming every one', () => {
    const partial = { put: async () => undefined } as unknown as DocumentStore;
    for (const [options, path] of [
      [{ store: partial }, ['store']],
      [{ storage: { ...createMemoryStorage(), documents: partial } }, ['storage', 'documents']],
    ] as const) {
      const error = refusal(() => engineWith(options));
      expect(error.code).toBe('CONFIG');
      expect(error.issues[0]?.path).toEqual(path);
      for (const method of ['defineCollection', 'get', 'getMany', 'delete', 'find', 'capabilities.durable']) {
        expect(error.message).toContain(method);
      }
    }
  });

  it('refuses storage and store together', () => {
    const storage = createMemoryStorage();
    const error = refusal(() => engineWith({ storage, store: storage.documents }));
    expect(error.code).toBe('CONFIG');
    expect(error.issues[0]?.path).toEqual(['store']);
  });

  it('load without storage is a CONFIG error naming storage', async () => {
    const { engine } = engineWith({});
    await expect(engine.load()).rejects.toMatchObject({ code: 'CONFIG', issues: [{ path: ['storage'] }] });
  });

  it('never overwrites a newer stored version: rewritten personal fields are adopted, also after load', async () => {
    const storage = createMemoryStorage();
    const a = engineWith({ storage });
    a.engine.openCase({
      id: 'c1',
      customerId: 'u1',
      subject: 'Call 555-0100',
      priority: 'normal',
      channel: 'chat',
    });
    await a.engine.flush();
    const b = engineWith({ storage });
    await b.engine.load();
    const doc = await storage.documents.get('cases', 'c1', { tenantId: 'default' });
    if (doc === undefined) throw new Error('no stored case');
    await storage.documents.put('cases', { ...doc, subject: '[erased]' }, { expectedVersion: doc.version });
    b.engine.recordMessage('c1', { author: 'agent', public: true });
    await b.engine.flush();
    const after = await storage.documents.get('cases', 'c1', { tenantId: 'default' });
    expect(after?.version).toBe(doc.version + 2);
    expect(after?.subject).toBe('[erased]');
    expect(JSON.stringify(after)).not.toContain('555-0100');
    expect(b.engine.getCase('c1')?.lastAgentReplyAt).toBe(T0);
    // A fresh engine loads the scrubbed history: every version of the case is erased.
    const c = engineWith({ storage });
    await c.engine.load();
    expect(c.engine.getCase('c1')?.subject).toBe('[erased]');
  });
});
