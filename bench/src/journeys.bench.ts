// Journeys at scale (issue 16): 1,000,000 customers in a looping journey with waits, a branch
// and a wait-for-event with a timeout, advanced by a ManualClock one day at a time. Figures: step
// transitions per CPU-second of `advanceTo` (target ≥ 100k), memory per waiting journey (target
// ≤ 1 KB: heap after entering everyone, after GC, over the customers), the entry rate through
// `handle` (validation included), and sends per second through an in-memory sender.
import { createJourneyEngine, type JourneyDefinition } from '@threadline/automation';
import {
  type ChannelSender,
  createManualClock,
  type DeliveryRecord,
  type EventEnvelope,
} from '@threadline/core';
import { cpuMs, fmt, heapUsed, loadAverage, QUICK, sized, spread, table } from './util.js';

const N = sized(1_000_000, 20_000);
const RUNS = 5;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

const looping: JourneyDefinition = {
  id: 'nurture',
  version: 1,
  trigger: { on: 'customer.created', capture: { tier: 'payload.tier' } },
  goal: { on: 'order.placed' },
  steps: [
    { type: 'wait', id: 'settle', duration: { hours: 2 } },
    { type: 'branch', id: 'tier', cases: [{ when: 'data.tier == 1', next: 'long' }], otherwise: 'short' },
    { type: 'wait', id: 'short', duration: { hours: 4 }, next: 'answer' },
    { type: 'wait', id: 'long', duration: { hours: 8 }, next: 'answer' },
    {
      type: 'wait_for',
      id: 'answer',
      event: 'survey.answered',
      timeout: { hours: 6 },
      onEvent: 'settle',
      onTimeout: 'settle',
    },
  ],
};

function created(i: number): EventEnvelope {
  return {
    id: `evt-${i}`,
    type: 'customer.created',
    tenantId: 'default',
    aggregateId: `cus-${i}`,
    aggregateType: 'customer',
    version: 1,
    occurredAt: T0,
    payload: { customerId: `cus-${i}`, tier: i % 3, phone: '+447700900123' },
  };
}

const sender: ChannelSender = {
  name: 'memory',
  channels: ['sms', 'email', 'whatsapp'],
  async send(req) {
    const r: DeliveryRecord = {
      id: req.idempotencyKey,
      idempotencyKey: req.idempotencyKey,
      conversationId: req.conversationId,
      channel: req.channel,
      provider: 'memory',
      to: req.to,
      state: 'sent',
      createdAt: 0,
      updatedAt: 0,
      attempts: 1,
      history: [],
    };
    return r;
  },
  applyStatus: async () => undefined,
  getDelivery: async () => undefined,
};

console.log(`customers: ${fmt(N)}; runs: ${RUNS}; load average: ${loadAverage()}`);

// 1. Enter everyone (one `handle` per trigger event, validation included).
const clock = createManualClock(T0);
const engine = createJourneyEngine({ journeys: [looping], sender, clock });
const heap0 = heapUsed();
let t = performance.now();
let c = cpuMs();
for (let i = 0; i < N; i++) await engine.handle(created(i));
const enterWall = performance.now() - t;
const enterCpu = cpuMs() - c;
const heap1 = heapUsed();
const perJourney = (heap1 - heap0) / N;
const stats = engine.stats();
if (stats.waiting !== N) throw new Error(`expected ${N} waiting journeys, found ${stats.waiting}`);

// 2. Advance one day at a time, RUNS times.
const rates: number[] = [];
const walls: number[] = [];
const transitions: number[] = [];
for (let run = 0; run < RUNS; run++) {
  clock.advance(DAY);
  t = performance.now();
  c = cpuMs();
  const r = await engine.advanceTo(clock.now());
  const cpu = cpuMs() - c;
  walls.push(performance.now() - t);
  transitions.push(r.transitions);
  rates.push(r.transitions / (cpu / 1000));
}
const heap2 = heapUsed();

// 3. Sends: a one-step journey, everyone entering sends once.
const S = sized(100_000, 5_000);
const sendClock = createManualClock(T0);
const sending = createJourneyEngine({
  journeys: [
    {
      id: 'notice',
      version: 1,
      trigger: { on: 'customer.created', capture: { sms: 'payload.phone' } },
      steps: [
        { type: 'send', id: 'sms', channels: ['whatsapp', 'sms'], content: { text: 'Hello {{customerId}}' } },
      ],
    },
  ],
  sender,
  clock: sendClock,
});
const sendRates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const base = run * S;
  c = cpuMs();
  for (let i = 0; i < S; i++) await sending.handle(created(N + base + i));
  sendRates.push(S / ((cpuMs() - c) / 1000));
}

// 4. Finished instances: memory follows what is open. A one-send journey with three captured
// values; everyone has finished when `handle` returns, so what stays is the compact record each.
const F = sized(200_000, 10_000);
const finishing = createJourneyEngine({
  journeys: [
    {
      id: 'notice',
      version: 1,
      trigger: {
        on: 'customer.created',
        capture: { sms: 'payload.phone', tier: 'payload.tier', id: 'payload.customerId' },
      },
      steps: [{ type: 'send', id: 'sms', channels: ['sms'], content: { text: 'Hello' } }],
    },
  ],
  sender,
  clock: createManualClock(T0),
});
const heap3 = heapUsed();
for (let i = 0; i < F; i++) await finishing.handle(created(2 * N + i));
const perFinished = (heapUsed() - heap3) / F;
if (finishing.stats().inMemory !== 0) throw new Error('finished instances stayed in memory');

table(
  ['figure', `median [min–max] of ${RUNS} runs`, 'target'],
  [
    ['step transitions / CPU-s (advance one day)', spread(rates), '≥ 100,000'],
    ['transitions per day-run', spread(transitions), ''],
    ['wall ms per day-run', spread(walls), ''],
    ['memory per waiting journey (bytes)', fmt(perJourney), '≤ 1,024'],
    ['heap after the runs vs after entry (MB)', `${fmt(heap1 / 2 ** 20)} → ${fmt(heap2 / 2 ** 20)}`, 'flat'],
    [
      'entries / s through handle (one run)',
      `${fmt(N / (enterWall / 1000))} wall, ${fmt(N / (enterCpu / 1000))} per CPU-s`,
      '',
    ],
    ['trigger + send / CPU-s (in-memory sender)', spread(sendRates), ''],
    ['memory per finished journey, no storage (bytes)', fmt(perFinished), '(none with storage)'],
  ],
);
console.log(`load average after: ${loadAverage()}`);
if (!QUICK && (Math.min(...rates) < 100_000 || perJourney > 1024)) {
  console.error('!! below target');
  process.exit(1);
}
