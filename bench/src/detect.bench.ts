// Issue detection: replays the airline file's `created` timestamps and negative `reason` topics
// through the streaming spike detector, lists the spikes it finds and measures throughput.
// Data: ../shared/data/airline-sentiment.csv (or $THREADLINE_DATA_DIR); never copied into the repo.
import {
  createSpikeDetector,
  type SpikeAlert,
  type SpikeDetector,
  type SpikeDetectorOptions,
} from '@threadline/insights';
import { loadAirline } from './textData.js';
import { fmt, sized, table } from './util.js';

/** `2/24/2015 11:35` (timezone not given in the file; read as UTC). */
function parseCreated(s: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) throw new Error(`unparseable timestamp: ${s}`);
  return Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]));
}

const events = loadAirline()
  .filter((r) => r.reason.length > 0)
  .map((r) => ({ topic: r.reason, at: parseCreated(r.created) }))
  .sort((a, b) => a.at - b.at);
const span = (events[events.length - 1]!.at - events[0]!.at) / 86_400_000;
console.log(
  `${fmt(events.length)} negative tweets with a reason, ${new Set(events.map((e) => e.topic)).size} topics, ` +
    `${new Date(events[0]!.at).toISOString().slice(0, 16)} → ${new Date(events[events.length - 1]!.at).toISOString().slice(0, 16)} (${fmt(span, 1)} days)`,
);

function replay(options: SpikeDetectorOptions): { alerts: SpikeAlert[]; detector: SpikeDetector } {
  const detector = createSpikeDetector(options);
  const alerts: SpikeAlert[] = [];
  for (const e of events) {
    const a = detector.observe(e.topic, e.at);
    if (a.length > 0) alerts.push(...a);
  }
  alerts.push(...detector.closeWindowsUntil(events[events.length - 1]!.at + 3_600_000));
  return { alerts, detector };
}

// The file covers ~9 days, so an hour-of-week slot is seen at most twice: the detector uses the
// topic-wide baseline until a slot has `minSlotHistory` observations (documented behaviour).
const configs: [string, SpikeDetectorOptions][] = [
  ['1 h windows, hour-of-week baseline, auto Poisson/NB, BH q = 0.01', { window: { hours: 1 } }],
  ['1 h windows, Poisson only', { window: { hours: 1 }, distribution: 'poisson' }],
  ['15 min windows', { window: { minutes: 15 }, minHistory: 96 }],
];
for (const [name, options] of configs) {
  const { alerts, detector } = replay(options);
  const byKind = (k: string) => alerts.filter((a) => a.detectors.includes(k as never)).length;
  console.log(`\n### ${name}`);
  console.log(
    `${alerts.length} alerts (tail ${byKind('tail')}, EWMA ${byKind('ewma')}, CUSUM ${byKind('cusum')}); ` +
      `windows closed ${fmt(detector.stats().windowsClosed)}, late events ${detector.stats().lateEvents}`,
  );
  const tail = alerts.filter((a) => a.detectors.includes('tail')).sort((a, b) => a.qValue - b.qValue);
  table(
    ['window (UTC)', 'topic', 'count', 'expected', 'q-value', 'detectors', 'model'],
    tail
      .slice(0, 12)
      .map((a) => [
        new Date(a.windowStart).toISOString().slice(0, 16).replace('T', ' '),
        a.topic,
        a.count,
        fmt(a.expected, 1),
        a.qValue.toExponential(1),
        a.detectors.join('+'),
        a.distribution,
      ]),
  );
}

// Throughput: events through observe() (hour windows), best of 5 replays.
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < sized(5, 1); r++) {
  const start = performance.now();
  replay({ window: { hours: 1 } });
  best = Math.min(best, performance.now() - start);
}
// Synthetic scale: 1M events over 200 topics and 4 weeks.
const big: { topic: string; at: number }[] = [];
let seed = 1;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
};
const t0 = Date.UTC(2026, 0, 5);
const BIG = sized(1_000_000, 50_000);
for (let i = 0; i < BIG; i++)
  big.push({
    topic: `t${Math.floor(rnd() ** 2 * 200)}`,
    at: t0 + Math.floor((i / BIG) * 28 * 86_400_000),
  });
const d = createSpikeDetector({ maxTopics: 1000 });
const startBig = performance.now();
for (const e of big) d.observe(e.topic, e.at);
const bigMs = performance.now() - startBig;
console.log('');
table(
  ['replay', 'events', 'ms', 'events/s'],
  [
    ['airline reasons (hour windows)', fmt(events.length), fmt(best, 1), fmt((events.length * 1000) / best)],
    ['synthetic 200 topics, 4 weeks', fmt(big.length), fmt(bigMs, 1), fmt((big.length * 1000) / bigMs)],
  ],
);
