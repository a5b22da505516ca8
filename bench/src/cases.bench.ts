// SLA engine at scale: 1,000,000 open cases with active metrics held in memory.
// Measures the time to open them, the cost of advanceTo per due item and heap per metric instance.
import { createCaseEngine, type SlaPolicyInput } from '@threadline/cases';
import { createSequentialIds, ManualClock } from '@threadline/core';
import { fmt, heapUsed, sized, table } from './util.js';

// The machine is shared: besides wall time we report this process's CPU time (user + system,
// including GC threads), which other processes' load inflates far less.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const N = Number(process.argv[2] ?? sized(1_000_000, 50_000));
const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 80 },
    targets: {
      first_reply: { low: { hours: 8 }, normal: { hours: 4 }, high: { hours: 1 }, urgent: { minutes: 15 } },
      resolution: { low: { days: 5 }, normal: { days: 3 }, high: { days: 1 }, urgent: { hours: 8 } },
    },
  },
];
const priorities = ['low', 'normal', 'high', 'urgent'] as const;

const clock = new ManualClock(T0);
const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies });

const heap0 = heapUsed();
const t0 = performance.now();
const c0 = cpuMs();
for (let i = 0; i < N; i++) {
  // Spread openings over ~2.8 hours so deadlines are spread too.
  if (i % 100 === 0) clock.set(T0 + Math.floor(i / 100) * 1000);
  engine.openCase({
    customerId: `cus-${i % 50_000}`,
    subject: 'Where is my order?',
    priority: priorities[i % 4] as (typeof priorities)[number],
    channel: 'email',
  });
}
const openMs = performance.now() - t0;
const openCpu = cpuMs() - c0;
const heap1 = heapUsed();
const stats = engine.stats();
const perMetric = (heap1 - heap0) / stats.liveMetrics;

// Fire everything due in the next 30 minutes after the last opening: warnings and breaches.
const end = clock.now();
let due = 0;
let advMs = 0;
let advCpu = 0;
for (let step = 1; step <= 30; step++) {
  const until = end + step * MIN;
  clock.set(until);
  const a = performance.now();
  const ac = cpuMs();
  engine.advanceTo(until);
  advCpu += cpuMs() - ac;
  advMs += performance.now() - a;
}
due = engine.stats().fired;
// nextDeadline is a heap peek.
const p0 = performance.now();
let sink = 0;
for (let i = 0; i < 1_000_000; i++) sink += engine.nextDeadline() ?? 0;
const peekNs = ((performance.now() - p0) * 1e6) / 1_000_000;
if (sink === 0) console.log('');

// A few late replies on already-open cases (touching the heap in the middle).
const r0 = performance.now();
const rc = cpuMs();
const REPLIES = sized(100_000, 10_000);
for (let i = 0; i < REPLIES; i++)
  engine.recordMessage(`case-${1 + ((i * 7919) % N)}`, { author: 'agent', public: true });
const replyUs = ((performance.now() - r0) * 1000) / REPLIES;
const replyCpuUs = ((cpuMs() - rc) * 1000) / REPLIES;

console.log(
  `load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
table(
  ['measure', 'value (wall)', 'value (process CPU)', 'target'],
  [
    ['open cases', fmt(N), '', ''],
    ['live metric instances', fmt(stats.liveMetrics), '', ''],
    [
      'time to open all',
      `${fmt(openMs / 1000, 2)} s (${fmt((N / openMs) * 1000)} cases/s)`,
      `${fmt(openCpu / 1000, 2)} s (${fmt((openCpu * 1000) / N, 1)} µs/case)`,
      '',
    ],
    ['heap per case (case, audit, history, SLA state)', `${fmt((heap1 - heap0) / N)} B`, '', ''],
    ['heap per live metric instance (all case memory / metrics)', `${fmt(perMetric)} B`, '', '≤ 1 KB'],
    ['advanceTo: items fired in 30 simulated minutes', fmt(due), '', ''],
    [
      'advanceTo cost per due item',
      `${fmt((advMs * 1000) / Math.max(1, due), 2)} µs`,
      `${fmt((advCpu * 1000) / Math.max(1, due), 2)} µs`,
      'O(log n)',
    ],
    ['nextDeadline()', `${fmt(peekNs, 1)} ns`, '', 'O(1)'],
    [
      'recordMessage (agent reply: new → open, achieve + restart metrics)',
      `${fmt(replyUs, 2)} µs`,
      `${fmt(replyCpuUs, 2)} µs`,
      '',
    ],
  ],
);
