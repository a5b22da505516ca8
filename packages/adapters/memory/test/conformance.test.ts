import { conformanceSuite } from '@threadline/adapter-conformance';
import { describe, expect, it } from 'vitest';
import {
  createMemoryDocumentStore,
  createMemoryEventLog,
  createMemoryOutbox,
  createMemoryStorage,
  type MemoryStorage,
} from '../src/index.js';

// Storages whose outbox the outbox suite tests, so `reopen` can restore their snapshot.
const owners = new WeakMap<object, MemoryStorage>();

conformanceSuite({
  describe,
  it,
  expect,
  documentStore: { createStore: () => createMemoryDocumentStore() },
  eventLog: { createLog: () => createMemoryEventLog() },
  outbox: { name: 'MemoryOutbox conformance', createOutbox: () => createMemoryOutbox() },
  concurrency: { createStorage: () => createMemoryStorage() },
});

// The same suites through the combined storage (transactions wired to its outbox and log). The
// memory adapter is not durable; its durability is the JSON snapshot, so `reopen` is "save the
// snapshot, drop the storage, restore into a fresh one" — what `saveToFile`/`loadFromFile` do.
conformanceSuite({
  describe,
  it,
  expect,
  documentStore: {
    name: 'MemoryStorage.documents conformance',
    createStore: () => createMemoryStorage().documents,
  },
  outbox: {
    name: 'MemoryStorage.outbox conformance (snapshot re-open)',
    createOutbox: () => {
      const storage = createMemoryStorage();
      owners.set(storage.outbox, storage);
      return storage.outbox;
    },
    reopen: (outbox) => {
      const image = JSON.parse(JSON.stringify((owners.get(outbox) as MemoryStorage).snapshot()));
      const fresh = createMemoryStorage();
      fresh.restore(image);
      owners.set(fresh.outbox, fresh);
      return fresh.outbox;
    },
  },
});
