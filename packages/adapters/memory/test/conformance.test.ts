import { conformanceSuite } from '@threadline/adapter-conformance';
import { describe, expect, it } from 'vitest';
import { createMemoryDocumentStore, createMemoryEventLog, createMemoryStorage } from '../src/index.js';

conformanceSuite({
  describe,
  it,
  expect,
  documentStore: { createStore: () => createMemoryDocumentStore() },
  eventLog: { createLog: () => createMemoryEventLog() },
});

// The same suites through the combined storage (transactions wired to its outbox).
conformanceSuite({
  describe,
  it,
  expect,
  documentStore: {
    name: 'MemoryStorage.documents conformance',
    createStore: () => createMemoryStorage().documents,
  },
});
