// Outbox rows added in a transaction ride with its next event append (one statement) or are
// inserted before COMMIT; an append with `expectedVersion` in a transaction is one statement.
// What callers see must not change: everything commits together or not at all, in order.
import { testEvent } from '@threadline/adapter-conformance';
import { isThreadlineError, type OutboxEntry } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, forEachBackend } from './server.js';

const tenantId = 'default';

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('writes inside a transaction', () => {
    it('outbox rows added before an append commit with it, in the order they were added', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const first = [testEvent(), testEvent()];
      const second = [testEvent()];
      const logged = [testEvent()];
      const result = await storage.documents.transaction?.(async (tx) => {
        await tx.outbox.add(first);
        await tx.outbox.add(second);
        const appended = await tx.events?.append('s-1', logged, { tenantId, expectedVersion: 0 });
        // Read-your-writes inside the transaction still holds.
        expect(await tx.events?.streamVersion('s-1', { tenantId })).toBe(1);
        return appended;
      });
      expect(result?.streamVersion).toBe(1);
      const pending: OutboxEntry[] = await storage.outbox.pending(10);
      expect(pending.map((e) => e.event.id)).toEqual([...first, ...second].map((e) => e.id));
      expect((await storage.events.readStream('s-1', { tenantId })).map((e) => e.id)).toEqual([
        logged[0]?.id,
      ]);
    });

    it('an outbox row added after the last append (or with none) is inserted before COMMIT', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const late = [testEvent()];
      await storage.documents.transaction?.(async (tx) => {
        await tx.events?.append('s-2', [testEvent()], { tenantId, expectedVersion: 0 });
        await tx.outbox.add(late);
      });
      const alone = [testEvent()];
      await storage.documents.transaction?.(async (tx) => {
        await tx.outbox.add(alone);
      });
      const ids = (await storage.outbox.pending(10)).map((e) => e.event.id);
      expect(ids).toEqual([late[0]?.id, alone[0]?.id]);
    });

    it('a stale expectedVersion is CONFLICT and the outbox rows riding with the append roll back', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      await storage.events.append('s-3', [testEvent()], { tenantId });
      const error = await storage.documents
        .transaction?.(async (tx) => {
          await tx.outbox.add([testEvent()]);
          await tx.events?.append('s-3', [testEvent()], { tenantId, expectedVersion: 0 });
        })
        .catch((e: unknown) => e);
      expect(isThreadlineError(error, 'CONFLICT')).toBe(true);
      expect(await storage.outbox.pending(10)).toEqual([]);
      expect(await storage.events.streamVersion('s-3', { tenantId })).toBe(1);
    });

    it('a transaction that throws after an add leaves no outbox row and no event', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const error = await storage.documents
        .transaction?.(async (tx) => {
          await tx.outbox.add([testEvent()]);
          await tx.events?.append('s-4', [testEvent()], { tenantId, expectedVersion: 0 });
          await tx.outbox.add([testEvent()]);
          throw new Error('boom');
        })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('boom');
      expect(await storage.outbox.pending(10)).toEqual([]);
      expect(await storage.events.streamVersion('s-4', { tenantId })).toBe(0);
    });

    it('a bad event is refused by add itself, before anything is sent', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const error = await storage.documents
        .transaction?.(async (tx) => {
          await tx.outbox.add([{ ...testEvent(), payload: { text: 'a\u0000b' } }]);
        })
        .catch((e: unknown) => e);
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
      expect(await storage.outbox.pending(10)).toEqual([]);
    });
  });
});
