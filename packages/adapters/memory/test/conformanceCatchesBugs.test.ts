// The conformance suites are only worth running if they fail on a wrong adapter. Each test here
// runs one suite, through a runner that collects its tests instead of registering them, against
// the memory adapter with one deliberate defect, and checks that the tests meant to catch that
// defect fail (and that the unbroken adapter passes every collected test).
import {
  concurrencySuite,
  documentStoreSuite,
  outboxSuite,
  type SuiteRunner,
} from '@threadline/adapter-conformance';
import type {
  CollectionDefinition,
  DocumentInput,
  DocumentStore,
  Outbox,
  PutManyOptions,
  StoredDocument,
  ThreadlineStorage,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  createMemoryDocumentStore,
  createMemoryOutbox,
  createMemoryStorage,
  type MemoryStorage,
} from '../src/index.js';

interface Collected {
  title: string;
  fn: () => Promise<void> | void;
}

/** Runs `register` with a runner that records tests (titles joined with ` > `) instead of running them. */
function collect(register: (runner: SuiteRunner) => void): Collected[] {
  const tests: Collected[] = [];
  const path: string[] = [];
  register({
    describe: (name, fn) => {
      path.push(name);
      fn();
      path.pop();
    },
    it: (name, fn) => tests.push({ title: [...path, name].join(' > '), fn }),
    expect,
  });
  return tests;
}

/** Titles of the collected tests that fail. */
async function failing(tests: readonly Collected[]): Promise<string[]> {
  const failed: string[] = [];
  for (const t of tests) {
    try {
      await t.fn();
    } catch {
      failed.push(t.title);
    }
  }
  return failed;
}

/** `real` with some members replaced; every other method is bound to `real` (private fields work). */
function patched<T extends object>(real: T, patch: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(real, {
    get(target, prop) {
      if (Object.hasOwn(patch, prop)) return patch[prop as keyof T];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The definition with its unique indexes dropped (the defect under test). */
function withoutUnique({ unique: _dropped, ...rest }: CollectionDefinition): CollectionDefinition {
  return rest;
}

const storeTests = (createStore: () => DocumentStore) =>
  collect((runner) => documentStoreSuite({ ...runner, createStore }));
const outboxTests = (createOutbox: () => Outbox, reopen?: (o: Outbox) => Outbox) =>
  collect((runner) => outboxSuite({ ...runner, createOutbox, ...(reopen ? { reopen } : {}) }));
const concurrencyTests = (createStorage: () => ThreadlineStorage) =>
  collect((runner) => concurrencySuite({ ...runner, createStorage }));

describe('the conformance suites catch broken adapters', () => {
  it('the unbroken memory adapter passes every collected test (control)', async () => {
    expect(await failing(storeTests(() => createMemoryStorage().documents))).toEqual([]);
    expect(await failing(outboxTests(() => createMemoryOutbox()))).toEqual([]);
    expect(await failing(concurrencyTests(() => createMemoryStorage()))).toEqual([]);
  });

  it('documentStoreSuite: a store that claims uniqueIndexes but ignores them', async () => {
    const failed = await failing(
      storeTests(() => {
        const real = createMemoryDocumentStore();
        return patched(real, {
          defineCollection: (c: string, d: CollectionDefinition) =>
            real.defineCollection(c, withoutUnique(d)),
        });
      }),
    );
    expect(failed).toContain(
      'DocumentStore conformance > unique indexes > a second document with the key is CONFLICT naming the index, and writes nothing',
    );
    expect(failed).toContain(
      'DocumentStore conformance > unique indexes > a composite index constrains the combination only',
    );
    expect(failed).toContain(
      'DocumentStore conformance > putMany > two batches racing for one unique key: exactly one commits, the other writes nothing',
    );
    expect(failed.filter((t) => !t.includes('unique indexes') && !t.includes('putMany > '))).toEqual([]);
  });

  it('documentStoreSuite: a store whose range results come in id order, not value order', async () => {
    const failed = await failing(
      storeTests(() => {
        const real = createMemoryDocumentStore();
        return patched(real, {
          find: async (c: string, q?: Parameters<DocumentStore['find']>[1]) => {
            const p = await real.find(c, q);
            const ranged = Object.values(q?.where ?? {}).some((v) => v !== null && typeof v === 'object');
            return ranged ? { ...p, items: [...p.items].sort((a, b) => (a.id < b.id ? -1 : 1)) } : p;
          },
        });
      }),
    );
    expect(failed).toContain(
      'DocumentStore conformance > range queries > bounds select finite numbers only, ordered by the field then id',
    );
    expect(failed.every((t) => t.includes('range queries'))).toBe(true);
  });

  it('documentStoreSuite: a store that claims rangeQueries but does not check the index is declared as a range', async () => {
    const failed = await failing(
      storeTests(() => {
        const real = createMemoryDocumentStore();
        return patched(real, {
          // Declares every equality index as a range too, so undeclared ranges are accepted.
          defineCollection: (c: string, d: { indexes: string[]; ranges?: string[] }) =>
            real.defineCollection(c, { ...d, ranges: [...(d.ranges ?? []), ...d.indexes] }),
        });
      }),
    );
    expect(failed).toContain(
      'DocumentStore conformance > range queries > range queries on undeclared or non-range fields and bad bounds are VALIDATION with the path',
    );
  });

  it('documentStoreSuite: a putMany that writes document by document (not atomic)', async () => {
    const failed = await failing(
      storeTests(() => {
        const real = createMemoryDocumentStore();
        return patched(real, {
          putMany: async (c: string, docs: DocumentInput[], o?: PutManyOptions) => {
            const out: StoredDocument[] = [];
            for (const [i, d] of docs.entries()) {
              const expectedVersion = o?.expectedVersions?.[i] ?? o?.expectedVersion;
              out.push(await real.put(c, d, expectedVersion === undefined ? {} : { expectedVersion }));
            }
            return out;
          },
        });
      }),
    );
    expect(failed).toContain(
      'DocumentStore conformance > putMany > a version conflict is CONFLICT naming the document and writes nothing',
    );
    expect(failed).toContain(
      'DocumentStore conformance > putMany > a unique-index violation, stored or inside the batch, is CONFLICT naming the index and writes nothing',
    );
    expect(failed).toContain(
      'DocumentStore conformance > putMany > a batch larger than one statement is still all or nothing',
    );
    expect(failed.every((t) => t.includes('putMany'))).toBe(true);
  });

  it('outboxSuite: an outbox that drops entries on markFailed', async () => {
    const failed = await failing(
      outboxTests(() => {
        const real = createMemoryOutbox();
        return patched(real, { markFailed: (seqs: number[]) => real.markPublished(seqs) });
      }),
    );
    expect(failed).toContain(
      'Outbox conformance > a failed entry stays pending in place, with its attempt count and last error',
    );
    expect(failed).toContain(
      'Outbox conformance > markFailed with maxAttempts dead-letters an entry that reaches it; the rest keep flowing',
    );
  });

  it('outboxSuite: an outbox that ignores maxAttempts (a poison entry is claimed forever)', async () => {
    const failed = await failing(
      outboxTests(() => {
        const real = createMemoryOutbox();
        return patched(real, {
          markFailed: (seqs: number[], error: unknown) => real.markFailed(seqs, error),
        });
      }),
    );
    expect(failed).toContain(
      'Outbox conformance > markFailed with maxAttempts dead-letters an entry that reaches it; the rest keep flowing',
    );
    expect(failed).toContain(
      'Outbox conformance > dead(limit) lists dead letters oldest first; retry re-queues exactly those, in place, with attempts reset',
    );
  });

  it('outboxSuite: a retry that re-queues entries at the back of the line', async () => {
    const failed = await failing(
      outboxTests(() => {
        const real = createMemoryOutbox();
        return patched(real, {
          retry: async (seqs: number[]) => {
            const dead = (await real.dead(1_000_000)).filter((e) => seqs.includes(e.seq));
            await real.retry(seqs);
            // Re-add instead of re-queue: new seqs, at the back.
            await real.markPublished(dead.map((e) => e.seq));
            await real.add(dead.map((e) => e.event));
            return dead.length;
          },
        });
      }),
    );
    expect(failed).toContain(
      'Outbox conformance > dead(limit) lists dead letters oldest first; retry re-queues exactly those, in place, with attempts reset',
    );
  });

  it('outboxSuite: an outbox that hands out the newest entries first', async () => {
    const failed = await failing(
      outboxTests(() => {
        const real = createMemoryOutbox();
        return patched(real, {
          pending: async (limit = 100) => (await real.pending(1_000_000)).reverse().slice(0, limit),
        });
      }),
    );
    expect(failed).toContain(
      'Outbox conformance > pending returns added events oldest first, with growing seqs and no attempts',
    );
    expect(failed).toContain(
      'Outbox conformance > pending(limit) returns the oldest entries; markPublished removes exactly those',
    );
  });

  it('outboxSuite: an outbox whose markPublished forgets to remove (so the drain never ends cleanly)', async () => {
    const failed = await failing(
      outboxTests(() => patched(createMemoryOutbox(), { markPublished: async () => {} })),
    );
    expect(failed).toContain(
      'Outbox conformance > nothing is lost: concurrent adds, drained page by page, arrive exactly once in add order per batch',
    );
  });

  it('outboxSuite: a re-open that loses attempt counts', async () => {
    const owners = new WeakMap<object, MemoryStorage>();
    const make = () => {
      const s = createMemoryStorage();
      owners.set(s.outbox, s);
      return s.outbox;
    };
    const failed = await failing(
      outboxTests(make, (o) => {
        const image = (owners.get(o) as MemoryStorage).snapshot();
        const fresh = createMemoryStorage();
        fresh.restore({
          ...image,
          outbox: {
            ...image.outbox,
            entries: image.outbox.entries.map((e) => ({ seq: e.seq, event: e.event, attempts: 0 })),
          },
        });
        return fresh.outbox;
      }),
    );
    expect(failed).toEqual([
      'Outbox conformance > pending entries, attempts and errors survive a crash-like re-open; seqs keep growing',
      'Outbox conformance > dead letters survive a crash-like re-open and can be re-queued after it',
    ]);
  });

  it('outboxSuite: a re-open that forgets dead letters', async () => {
    const owners = new WeakMap<object, MemoryStorage>();
    const make = () => {
      const s = createMemoryStorage();
      owners.set(s.outbox, s);
      return s.outbox;
    };
    const failed = await failing(
      outboxTests(make, (o) => {
        const image = (owners.get(o) as MemoryStorage).snapshot();
        const fresh = createMemoryStorage();
        fresh.restore({
          ...image,
          outbox: { ...image.outbox, entries: image.outbox.entries.filter((e) => e.dead !== true) },
        });
        return fresh.outbox;
      }),
    );
    expect(failed).toEqual([
      'Outbox conformance > dead letters survive a crash-like re-open and can be re-queued after it',
    ]);
  });

  it('concurrencySuite: transactions whose outbox rows bypass the transaction', async () => {
    const failed = await failing(
      concurrencyTests(() => {
        const s = createMemoryStorage();
        const documents = patched(s.documents, {
          transaction: (fn: Parameters<NonNullable<DocumentStore['transaction']>>[0]) =>
            s.documents.transaction((tx) => fn({ ...tx, outbox: s.outbox })),
        });
        return { documents, events: s.events, outbox: s.outbox };
      }),
    );
    expect(failed).toContain(
      'Concurrency conformance > a throw inside a transaction leaves documents, events and outbox untouched',
    );
    expect(failed).toContain(
      'Concurrency conformance > a unique-index race between transactions: one commits, with its outbox row and events',
    );
  });

  it('concurrencySuite: transactions whose appends go straight to the log', async () => {
    const failed = await failing(
      concurrencyTests(() => {
        const s = createMemoryStorage();
        const documents = patched(s.documents, {
          transaction: (fn: Parameters<NonNullable<DocumentStore['transaction']>>[0]) =>
            s.documents.transaction((tx) => fn({ ...tx, events: s.events })),
        });
        return { documents, events: s.events, outbox: s.outbox };
      }),
    );
    expect(failed).toContain(
      'Concurrency conformance > a throw inside a transaction leaves documents, events and outbox untouched',
    );
  });

  it('concurrencySuite: a store that claims uniqueIndexes but lets every racer in', async () => {
    const failed = await failing(
      concurrencyTests(() => {
        const s = createMemoryStorage();
        const documents = patched(s.documents, {
          defineCollection: (c: string, d: CollectionDefinition) =>
            s.documents.defineCollection(c, withoutUnique(d)),
        });
        return { documents, events: s.events, outbox: s.outbox };
      }),
    );
    expect(failed).toContain(
      'Concurrency conformance > a unique-index race under Promise.all: exactly one document takes the key',
    );
  });

  it('concurrencySuite: a store that accepts a stale expectedVersion', async () => {
    const failed = await failing(
      concurrencyTests(() => {
        const s = createMemoryStorage();
        const documents = patched(s.documents, {
          put: (c: string, doc: Parameters<DocumentStore['put']>[1]) => s.documents.put(c, doc),
        });
        return { documents, events: s.events, outbox: s.outbox };
      }),
    );
    expect(failed).toContain(
      'Concurrency conformance > two writers creating one key: exactly one wins, the other is CONFLICT',
    );
  });
});
