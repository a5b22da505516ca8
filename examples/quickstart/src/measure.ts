// `pnpm --filter @threadline/example-quickstart measure <memory|pglite|postgres://…> [contacts] [burst]`:
// contacts per second through identity + routing + cases on a store, awaiting every commit after
// each burst of contacts (what a simulated day on durable storage would have to do). PGlite runs in
// a temporary directory; PostgreSQL in a schema of its own, dropped at the end.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaseEngine } from '@threadline/cases';
import { createIdentityService, createIdGenerator, ManualClock } from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { openStorage } from './storage.js';

const [spec, nArg, burstArg] = process.argv.slice(2);
const n = Number(nArg ?? 300);
const burst = Number(burstArg ?? 1);
const s = spec === 'pglite' ? `pglite:${mkdtempSync(join(tmpdir(), 'tl-measure-'))}` : (spec ?? 'memory');
const opened = await openStorage(s, spec?.startsWith('postgres') ? { schema: `measure_${process.pid}` } : {});
const storage = opened.storage;
const clock = new ManualClock(Date.UTC(2026, 5, 16, 12));
const ids = createIdGenerator({ clock, seed: 1 });
const workflow = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };
const identity = createIdentityService({ storage, clock, ids });
const routing = createRoutingEngine({ storage, clock, ids, workflow });
const cases = createCaseEngine({
  storage,
  clock,
  ids,
  calendars: {},
  policies: [{ id: 'p', targets: { first_reply: { normal: { hours: 1 } } } }],
});
routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
for (let i = 0; i < 50; i++)
  routing.upsertWorker({ id: `w${i}`, status: 'available', capacity: { chat: 1000 } });
await routing.flush();
const t0 = performance.now();
for (let i = 0; i < n; i += burst) {
  const jobs = [];
  for (let j = i; j < Math.min(n, i + burst); j++) {
    jobs.push(
      (async () => {
        const r = await identity.resolve([{ kind: 'email', value: `c${j}@example.com`, verified: true }]);
        const t = routing.submitTask({ channel: 'chat', attributes: { customerId: r.customerId } });
        const c = cases.openCase({
          customerId: r.customerId,
          subject: 's',
          priority: 'normal',
          channel: 'chat',
        });
        clock.advance(1000);
        routing.advanceTo(clock.now());
        return [t, c];
      })(),
    );
  }
  await Promise.all(jobs);
  await routing.flush();
  await Promise.all([routing.flush(), cases.flush()]);
}
const ms = performance.now() - t0;
console.log(
  `${spec} n=${n} burst=${burst}: ${(n / (ms / 1000)).toFixed(0)} contacts/s (${ms.toFixed(0)} ms)`,
);
if (spec?.startsWith('postgres')) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: spec });
  await pool.query(`DROP SCHEMA measure_${process.pid} CASCADE`);
  await pool.end();
}
await opened.close();
