// Governance: redaction throughput (real customer-service text and the labelled PII set), the
// linear-time guarantee on adversarial input, and access-control decisions.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccessControl, createIdGenerator, createRedactor, ManualClock } from '@threadline/core';
import { dataDir, dataDirCandidates, loadAirline } from './textData.js';
import { fmt, opsPerSecond, table } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = resolve(here, '../../packages/core/test/fixtures/pii-labelled.txt');

function throughput(name: string, texts: string[], redactor = createRedactor()): (string | number)[] {
  const bytes = texts.reduce((n, t) => n + t.length, 0);
  let found = 0;
  for (const t of texts) found += redactor.redact(t).spans.length;
  const perSec = opsPerSecond((i) => redactor.redact(texts[i % texts.length] as string), 2000, 200);
  const mbPerSec = (perSec * (bytes / texts.length)) / 1e6;
  return [name, fmt(texts.length), fmt(found), fmt(perSec), fmt(mbPerSec, 1)];
}

const rows: (string | number)[][] = [];
if (dataDir() !== undefined) {
  const tweets = loadAirline().map((r) => r.text);
  rows.push(throughput('airline tweets (all detectors, label style)', tweets));
  rows.push(
    throughput(
      'airline tweets (hash style, HMAC-SHA-256)',
      tweets,
      createRedactor({ style: 'hash', hashKey: 'k' }),
    ),
  );
} else {
  console.log(`(airline data not found in ${dataDirCandidates().join(', ')}; set THREADLINE_DATA_DIR)`);
}
const labelled = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => l.replace(/\[\[[a-z_]+\|([^\]]+)\]\]/g, '$1'));
rows.push(throughput('labelled PII set (PII-dense)', labelled));
table(['input', 'texts', 'spans found', 'texts/s', 'MB/s (UTF-16 chars)'], rows);

// Linear time on adversarial input: time per character must stay flat as the input grows.
const adversarial: [string, (n: number) => string][] = [
  ['long local part before @', (n) => `${'a'.repeat(n)}@`],
  ['digit groups flood', (n) => '4 '.repeat(n / 2)],
  ['@ flood', (n) => '@'.repeat(n)],
  ['IBAN prefix flood', (n) => 'DE89'.repeat(n / 4)],
  ['mixed text', (n) => 'call +44 20 7946 0958, mail a@b.co, card 4111 1111 1111 1111. '.repeat(n / 64)],
];
const redactor = createRedactor();
const linear: (string | number)[][] = [];
for (const [name, make] of adversarial) {
  const cells: (string | number)[] = [name];
  for (const n of [100_000, 1_000_000]) {
    const text = make(n);
    redactor.redact(text);
    const t0 = performance.now();
    for (let k = 0; k < 3; k++) redactor.redact(text);
    const ms = (performance.now() - t0) / 3;
    cells.push(`${fmt(ms, 1)} ms (${fmt((ms * 1e6) / n, 0)} ns/char)`);
  }
  linear.push(cells);
}
console.log('');
table(['adversarial input', '100k chars', '1M chars'], linear);

const clock = new ManualClock(0);
const access = createAccessControl({ clock, ids: createIdGenerator({ clock, seed: 1 }) });
const actors = [
  { id: 'a', roles: ['agent'], tenantId: 't' },
  { id: 's', roles: ['supervisor'], tenantId: 't' },
  { id: 'b', roles: ['bot'], tenantId: 't' },
];
const actions = ['read', 'update', 'erase', 'merge', 'send'];
const checkOps = opsPerSecond((i) =>
  access.check(actors[i % 3] as (typeof actors)[0], actions[i % 5] as string, {
    type: 'customer',
    id: 'c',
    tenantId: 't',
  }),
);
console.log('');
table(['operation', 'ops/s'], [['access.check (default policy, 3 roles × 5 actions)', fmt(checkOps)]]);
