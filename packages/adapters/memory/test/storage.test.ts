import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEvent,
  createSequentialIds,
  type EventEnvelope,
  InProcessEventBus,
  isThreadlineError,
  ManualClock,
  OutboxRelay,
  validateAdapter,
} from '@threadline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../src/index.js';

const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
const ids = createSequentialIds();
const opened = (aggregateId: string) =>
  createEvent(
    { clock, ids },
    {
      type: 'case.opened',
      aggregateType: 'case',
      aggregateId,
      version: 1,
      payload: { subject: `Case ${aggregateId}` },
    },
  );

describe('createMemoryStorage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'threadline-memory-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes core registration checks for every port', () => {
    const s = createMemoryStorage();
    expect(validateAdapter('DocumentStore', s.documents)).toBe(s.documents);
    expect(validateAdapter('EventLog', s.events)).toBe(s.events);
    expect(validateAdapter('Outbox', s.outbox)).toBe(s.outbox);
  });

  it('writes documents and outbox events in one transaction; the relay publishes them once', async () => {
    const storage = createMemoryStorage();
    const bus = new InProcessEventBus();
    const seen: EventEnvelope[] = [];
    bus.subscribe('case.*', (e) => {
      seen.push(e);
    });
    await storage.documents.transaction(async (tx) => {
      await tx.documents.put('cases', { id: 'c1', status: 'open' }, { expectedVersion: 0 });
      await tx.outbox.add([opened('c1')]);
    });
    await expect(
      storage.documents.transaction(async (tx) => {
        await tx.documents.put('cases', { id: 'c2', status: 'open' });
        await tx.outbox.add([opened('c2')]);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(storage.outbox.size).toBe(1);
    const relay = new OutboxRelay({ outbox: storage.outbox, bus });
    expect(await relay.drain()).toBe(1);
    expect(await relay.drain()).toBe(0);
    expect(seen.map((e) => e.aggregateId)).toEqual(['c1']);
    expect(await storage.documents.get('cases', 'c2')).toBeUndefined();
  });

  it('keeps outbox entries when publishing fails, counting attempts (at-least-once)', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([opened('c1')]);
    let fail = true;
    const relay = new OutboxRelay({
      outbox: storage.outbox,
      bus: {
        publish: async () => {
          if (fail) throw new Error('bus down');
        },
      },
    });
    await expect(relay.relayOnce()).rejects.toThrow('bus down');
    expect((await storage.outbox.pending())[0]?.attempts).toBe(1);
    fail = false;
    expect(await relay.drain()).toBe(1);
    expect(storage.outbox.size).toBe(0);
  });

  it('rejects invalid outbox events with paths', async () => {
    const storage = createMemoryStorage();
    try {
      await storage.outbox.add([{ ...opened('c1'), type: 'Bad' }]);
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      expect((e as { path?: unknown }).path).toEqual(['events', 0, 'type']);
    }
  });

  it('round-trips everything through a JSON file', async () => {
    const a = createMemoryStorage({ collections: { customers: { indexes: ['email'] } } });
    await a.documents.put('customers', { id: 'cu1', tenantId: 't1', email: 'zoë@example.com' });
    await a.events.append('cu1', [{ ...opened('cu1'), tenantId: 't1' }], {
      tenantId: 't1',
      idempotencyKey: 'k1',
    });
    await a.outbox.add([opened('c9')]);
    const file = join(dir, 'snap.json');
    await a.saveToFile(file);

    const b = createMemoryStorage();
    await b.loadFromFile(file);
    expect(
      (await b.documents.find('customers', { tenantId: 't1', where: { email: 'zoë@example.com' } })).items[0]
        ?.id,
    ).toBe('cu1');
    expect(await b.events.streamVersion('cu1', { tenantId: 't1' })).toBe(1);
    const retry = await b.events.append('cu1', [{ ...opened('cu1'), tenantId: 't1' }], {
      tenantId: 't1',
      idempotencyKey: 'k1',
    });
    expect(retry.duplicate).toBe(true);
    expect(b.outbox.size).toBe(1);
    const next = await b.events.append('other', [opened('x')]);
    expect(next.firstPosition).toBe(2);
  });

  it('rejects bad arguments with typed errors and paths', async () => {
    const s = createMemoryStorage();
    await expect(s.documents.getMany('cases', 'c1' as never)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(s.documents.defineCollection('cases', { indexes: 'status' } as never)).rejects.toMatchObject(
      {
        code: 'VALIDATION',
      },
    );
    await expect(s.outbox.pending(0)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(() => s.restore({ hello: 1 } as never)).toThrow(/Not a Threadline memory snapshot/);
  });

  it('rejects files that are not snapshots', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ hello: 1 }));
    await expect(createMemoryStorage().loadFromFile(file)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(createMemoryStorage().loadFromFile(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'ADAPTER',
    });
  });

  it('redactEvents rewrites payloads in place for one tenant only', async () => {
    const s = createMemoryStorage();
    await s.events.append(
      'cu1',
      [
        { ...opened('cu1'), tenantId: 't1' },
        { ...opened('cu1'), tenantId: 't1' },
      ],
      { tenantId: 't1' },
    );
    await s.events.append('cu1', [{ ...opened('cu1'), tenantId: 't2' }], { tenantId: 't2' });
    const n = await s.events.redactEvents({ tenantId: 't1', match: (e) => e.streamVersion === 2 }, () => ({
      subject: '[erased]',
    }));
    expect(n).toBe(1);
    const t1 = await s.events.readStream('cu1', { tenantId: 't1' });
    expect(t1.map((e) => (e.payload as { subject: string }).subject)).toEqual(['Case cu1', '[erased]']);
    expect((await s.events.readAll({ tenantId: 't1' }))[1]?.payload).toEqual({ subject: '[erased]' });
    expect((await s.events.readAll())[1]?.payload).toEqual({ subject: '[erased]' });
    expect((await s.events.readStream('cu1', { tenantId: 't2' }))[0]?.payload).toEqual({
      subject: 'Case cu1',
    });
  });

  it('returns frozen documents, so a caller cannot corrupt the store by mutation', async () => {
    const s = createMemoryStorage();
    const doc = await s.documents.put('cases', { id: 'c1', tags: ['a'] });
    expect(() => {
      (doc.tags as string[]).push('b');
    }).toThrow(TypeError);
    expect((await s.documents.get('cases', 'c1'))?.tags).toEqual(['a']);
  });
});
