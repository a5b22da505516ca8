// Core's services check the adapters they are given at construction (validateAdapter), so a
// malformed store fails at once with an ADAPTER error naming every missing method, instead of a
// TypeError on the first call that reaches the missing method.
import { describe, expect, it } from 'vitest';
import {
  createAuditTrail,
  createConsentService,
  createContextAssembler,
  createErasureService,
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createManualClock,
  isThreadlineError,
  resolveBusOption,
  resolveDocumentStoreOption,
  type ThreadlineError,
} from '../src/index.js';

const clock = createManualClock(0);
const ids = createIdGenerator({ seed: 1 });
// A store that has reads but no writes, and no find.
const halfStore = {
  name: 'half',
  capabilities: { transactions: false, ordering: true, durable: false },
  defineCollection: async () => {},
  get: async () => undefined,
  getMany: async () => [],
};

function adapterError(fn: () => unknown): ThreadlineError {
  try {
    fn();
  } catch (e) {
    if (isThreadlineError(e, 'ADAPTER')) return e;
    throw e;
  }
  throw new Error('expected an ADAPTER error at construction');
}

describe('core services validate the adapters they are given', () => {
  const store = halfStore as never;
  const cases: [string, () => unknown][] = [
    ['createIdentityService', () => createIdentityService({ store, clock, ids })],
    ['createContextAssembler', () => createContextAssembler({ store, clock })],
    ['createAuditTrail', () => createAuditTrail({ store, clock, ids })],
    ['createConsentService', () => createConsentService({ store, clock, ids })],
    [
      'createErasureService',
      () =>
        createErasureService({
          store,
          clock,
          registry: [{ collection: 'customers', match: 'id', mode: 'delete' }],
        } as never),
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name} rejects a store missing put, delete and find`, () => {
      const error = adapterError(make);
      expect(error.details.port).toBe('DocumentStore');
      expect(error.details.missing).toEqual(['put', 'delete', 'find']);
      expect(error.message).toContain('"half"');
    });
  }

  it('createErasureService also checks the event log it is given', () => {
    const error = adapterError(() =>
      createErasureService({
        store: createFullStoreLike(),
        events: { name: 'log', capabilities: { transactions: false, ordering: true, durable: false } },
        clock,
        registry: [{ collection: 'customers', match: 'id', mode: 'delete' }],
      } as never),
    );
    expect(error.details.port).toBe('EventLog');
    expect(error.details.missing).toEqual(['append', 'readStream', 'readAll', 'streamVersion']);
  });

  it('a store with a malformed new capability flag is rejected', () => {
    const error = adapterError(() =>
      createConsentService({
        store: { ...createFullStoreLike(), capabilities: { ...halfStore.capabilities, rangeQueries: 'yes' } },
        clock,
      } as never),
    );
    expect(error.details.missing).toEqual(['capabilities.rangeQueries']);
  });
});

function createFullStoreLike() {
  return {
    ...halfStore,
    put: async () => ({}),
    delete: async () => false,
    find: async () => ({ items: [] }),
  };
}

describe('resolveDocumentStoreOption checks every part of a storage bundle', () => {
  const fullOutbox = {
    add: async () => {},
    pending: async () => [],
    markPublished: async () => {},
    markFailed: async () => {},
    dead: async () => [],
    retry: async () => 0,
  };
  const fullLog = {
    capabilities: { transactions: false, ordering: true, durable: false },
    append: async () => ({}),
    readStream: async () => [],
    readAll: async () => [],
    streamVersion: async () => 0,
  };

  function configError(fn: () => unknown): ThreadlineError {
    try {
      fn();
    } catch (e) {
      if (isThreadlineError(e, 'CONFIG')) return e;
      throw e;
    }
    throw new Error('expected a CONFIG error');
  }

  it('a complete bundle resolves to its document store', () => {
    const documents = createFullStoreLike();
    const storage = { documents, events: fullLog, outbox: fullOutbox } as never;
    expect(resolveDocumentStoreOption('test engine', storage, undefined)).toBe(documents);
    expect(resolveDocumentStoreOption('test engine', undefined, undefined)).toBeUndefined();
  });

  it('names every missing method of every bad part in one error, with each part’s path', () => {
    const { retry: _r, dead: _d, ...oldOutbox } = fullOutbox;
    const { readAll: _a, ...partialLog } = fullLog;
    const storage = { documents: halfStore, events: partialLog, outbox: oldOutbox } as never;
    const error = configError(() => resolveDocumentStoreOption('test engine', storage, undefined));
    expect(error.issues.map((i) => i.path)).toEqual([
      ['storage', 'documents'],
      ['storage', 'events'],
      ['storage', 'outbox'],
    ]);
    for (const method of ['put', 'delete', 'find', 'readAll', 'dead', 'retry'])
      expect(error.message).toContain(method);
    expect(error.details.missing).toEqual([
      'documents.put',
      'documents.delete',
      'documents.find',
      'events.readAll',
      'outbox.dead',
      'outbox.retry',
    ]);
    // The cause is the one ADAPTER error with the same findings.
    expect(isThreadlineError(error.cause, 'ADAPTER')).toBe(true);
    expect((error.cause as ThreadlineError).details.missing).toEqual(error.details.missing);
  });

  it('a bundle without an outbox is refused (the part is named), a good bundle with one bad part names only it', () => {
    const storage = { documents: createFullStoreLike(), events: fullLog } as never;
    const error = configError(() => resolveDocumentStoreOption('test engine', storage, undefined));
    expect(error.issues.map((i) => i.path)).toEqual([['storage', 'outbox']]);
    expect(error.message).toContain('storage.outbox');
  });

  it('the deprecated store alias is checked as a DocumentStore alone', () => {
    const error = configError(() => resolveDocumentStoreOption('test engine', undefined, halfStore as never));
    expect(error.issues[0]?.path).toEqual(['store']);
    expect(error.details.missing).toEqual(['put', 'delete', 'find']);
  });
});

describe('resolveBusOption checks an engine bus as an EventBus', () => {
  it('accepts the in-process bus and nothing', () => {
    const bus = createInProcessEventBus();
    expect(resolveBusOption('test engine', bus)).toBe(bus);
    expect(resolveBusOption('test engine', undefined)).toBeUndefined();
  });

  it('a bus missing subscribe (or everything) is refused with the path bus, naming the methods', () => {
    let caught: unknown;
    try {
      resolveBusOption('test engine', { publish: async () => {} });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      code: 'CONFIG',
      path: ['bus'],
      details: { port: 'EventBus', missing: ['subscribe'] },
    });
    expect(() => resolveBusOption('test engine', 42)).toThrow(/bus: EventBus adapter is missing/);
  });
});
