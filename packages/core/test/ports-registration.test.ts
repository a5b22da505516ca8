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
  createManualClock,
  isThreadlineError,
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
