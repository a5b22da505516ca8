// Memory adapter throughput: document reads/writes/finds and event appends.
import { createMemoryStorage } from '@threadline/adapter-memory';
import type { EventEnvelope } from '@threadline/core';
import { fmt, opsPerSecond, opsPerSecondAsync, sized, table } from './util.js';

const N = sized(100_000, 10_000);
const storage = createMemoryStorage({ collections: { customers: { indexes: ['segment'] } } });
const docs = storage.documents;
for (let i = 0; i < N; i++) {
  docs.putSync('customers', {
    id: `cu-${i}`,
    name: `Customer ${i}`,
    segment: `s${i % 100}`,
    attributes: { tier: i % 3, region: 'eu' },
  });
}

const readSync = opsPerSecond((i) => docs.getSync('customers', `cu-${(i * 7919) % N}`));
const readAsync = await opsPerSecondAsync((i) => docs.get('customers', `cu-${(i * 7919) % N}`), 1000, 1000);
const write = opsPerSecond(
  (i) =>
    docs.putSync('customers', {
      id: `cu-${i % N}`,
      name: 'x',
      segment: `s${i % 100}`,
      attributes: { tier: 1 },
    }),
  1000,
  100,
);
const find = await opsPerSecondAsync(
  (i) => docs.find('customers', { where: { segment: `s${i % 100}` }, limit: 20 }),
  1000,
  100,
);

const log = storage.events;
const event = (i: number): EventEnvelope => ({
  id: `e-${i}`,
  type: 'case.updated',
  tenantId: 'default',
  aggregateId: `c-${i % 1000}`,
  aggregateType: 'case',
  version: 1,
  occurredAt: 1_767_225_600_000 + i,
  payload: { status: 'open', i },
});
let n = 0;
const appendOne = opsPerSecond(
  () => {
    const i = n++;
    return log.appendSync(`c-${i % 1000}`, [event(i)]);
  },
  1000,
  100,
);
const appendAsync = await opsPerSecondAsync(
  () => {
    const i = n++;
    return log.append(`c-${i % 1000}`, [event(i)]);
  },
  1000,
  100,
);
const batch = Array.from({ length: 10 }, (_, i) => event(i));
const appendBatch10 = opsPerSecond((i) => log.appendSync(`b-${i % 1000}`, batch), 1000, 100) * 10;

table(
  ['operation (100k documents)', 'ops/s', 'target'],
  [
    ['document get (sync)', fmt(readSync), '≥ 1,000,000'],
    ['document get (async port)', fmt(readAsync), '≥ 1,000,000'],
    ['document put (validated, frozen)', fmt(write), ''],
    ['find by index, page of 20', fmt(find), ''],
    ['event append, 1 event/call (sync)', fmt(appendOne), '≥ 300,000'],
    ['event append, 1 event/call (async port)', fmt(appendAsync), '≥ 300,000'],
    ['event append, 10 events/call (events/s)', fmt(appendBatch10), ''],
  ],
);
