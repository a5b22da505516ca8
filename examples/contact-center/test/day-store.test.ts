// The simulated day on a durable store: the same seed on embedded PGlite makes the same day and
// the same report as on memory, with identity, routing and cases committing every step to the
// store and their events reaching the report through the outbox relay.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '@threadline/example-quickstart/storage';
import { buildDayReport } from '@threadline/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateDemoDay } from '../src/simulation.js';

const tmp = mkdtempSync(join(tmpdir(), 'threadline-day-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = { agents: 20, interactions: 300, useSharedData: false, seed: 7 } as const;

describe('simulated day on PGlite', () => {
  it('gives the same report as memory for the same seed (300 interactions)', {
    timeout: 900_000,
  }, async () => {
    const memory = buildDayReport(await simulateDemoDay(SMALL));
    const opened = await openStorage({ kind: 'pglite', dir: join(tmp, 'day') }, { schema: 'day_test' });
    try {
      const day = await simulateDemoDay({ ...SMALL, storage: opened.storage });
      const durable = buildDayReport(day);
      expect(durable).toEqual(memory);
      // It did run on the store: cases, identities, the routing journal and the outbox are there.
      const cases = await opened.storage.documents.find('cases', { limit: 1 });
      expect(cases.items).toHaveLength(1);
      const customers = await opened.storage.documents.find('customers', { limit: 1 });
      expect(customers.items).toHaveLength(1);
      const journal = await opened.storage.events.readStream('routing-journal:default:day', { limit: 1 });
      expect(journal).toHaveLength(1);
      // Every committed event was delivered (nothing left waiting in the outbox).
      expect(await opened.storage.outbox.pending(1)).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
