// The history a running contact center has when the simulated day starts: earlier working days of
// the same center, simulated at the level the spike detector sees (contacts per topic per
// 15-minute window, after the classifier), each with its own volume, shape and incidents. The
// detector learns its baseline from those days; it never sees the curve today's traffic is drawn
// from, nor today's volume.
import { parseInput, type Random, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import type { TextSource, Topic, Utterance } from './text.js';
import { HOURLY_CURVE } from './traffic.js';

const SLOT_MS = 15 * 60_000;
const DAY_MS = 24 * 3_600_000;

/** Options of {@link simulateHistory}. */
export interface HistoryOptions {
  /** The contacts forecast for today; earlier days scale it by their weekday (today's arrivals are not used). */
  forecast: number;
  /** Today's opening instant (epoch ms); history ends the day before. */
  openAt: number;
  /** Working days of history (default 20: four weeks of a center closed on Sundays, less holidays). */
  days?: number;
  /** `true` when the center is closed on the day that opens at this instant (e.g. Sundays). */
  closed?: (openAt: number) => boolean;
}

/** One observation for the detector: `count` contacts classified as `topic` in the window at `at`. */
export interface HistoryObservation {
  topic: string;
  at: number;
  count: number;
}

/** Relative volume per weekday (Sunday..Saturday): Mondays are busy, Saturdays quiet. */
const WEEKDAY = [0.7, 1.15, 1.05, 1.0, 1.0, 0.95, 0.75];
/** The topic mix of ordinary days. */
const MIX: readonly [Topic, number][] = [
  ['disruptions', 0.25],
  ['baggage', 0.2],
  ['booking', 0.2],
  ['service', 0.15],
  ['general', 0.2],
];

function poisson(rng: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    // Knuth: multiply uniforms until below e^-mean.
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
}

function drawTopic(rng: Random): Topic {
  let u = rng.next();
  for (const [topic, share] of MIX) {
    if (u < share) return topic;
    u -= share;
  }
  return 'general';
}

const HistoryOptionsSchema = z.object({
  forecast: z.number().finite().min(0, 'forecast must be a number of contacts ≥ 0'),
  openAt: z.number().int('openAt must be an instant in epoch ms'),
  days: z
    .number()
    .int()
    .min(1, 'days must be an integer ≥ 1')
    .max(366, 'days must be at most 366')
    .optional(),
});

/**
 * Simulates earlier working days and returns what the spike detector would have observed on them:
 * per 15-minute window, the contacts per topic as the classifier labelled them. Each day has its
 * own volume (weekday effect, ±10 % day-to-day), its own intraday shape (the hourly profile
 * perturbed by up to ±15 % per hour) and, on about one day in four, a short incident on a random
 * topic; every contact's topic is drawn and its words go through `classify`, so the history
 * carries the classifier's confusions. Deterministic for `rng`.
 */
export function simulateHistory(
  rng: Random,
  text: TextSource,
  classify: (text: string) => string,
  options: HistoryOptions,
): HistoryObservation[] {
  parseInput(
    HistoryOptionsSchema,
    { forecast: options.forecast, openAt: options.openAt, days: options.days },
    'history options',
  );
  const days = options.days ?? 20;
  const labels = new Map<string, string>();
  const label = (u: Utterance) => {
    let l = labels.get(u.text);
    if (l === undefined) labels.set(u.text, (l = classify(u.text)));
    return l;
  };
  const slotsPerHour = 4;
  const out: HistoryObservation[] = [];
  const today = WEEKDAY[new Date(options.openAt).getUTCDay()] ?? 1;
  let dayOpen = options.openAt;
  for (let done = 0, scanned = 0; done < days; ) {
    dayOpen -= DAY_MS;
    // A `closed` that never opens would loop for ever: give up after a few years of calendar days.
    if (++scanned > days * 7 + 1_000)
      throw new ThreadlineError('VALIDATION', 'history options: `closed` leaves too few working days', {
        issues: [
          {
            path: ['closed'],
            message: `found ${done} open days of ${days} in ${scanned - 1} days`,
            code: 'custom',
          },
        ],
      });
    if (options.closed?.(dayOpen)) continue;
    done++;
    const weekday = new Date(dayOpen).getUTCDay();
    const volume = ((options.forecast * (WEEKDAY[weekday] ?? 1)) / today) * (0.9 + 0.2 * rng.next());
    const shape = HOURLY_CURVE.map((w) => w * (0.85 + 0.3 * rng.next()));
    const total = shape.reduce((a, b) => a + b, 0) * slotsPerHour;
    const incident =
      rng.next() < 0.25
        ? {
            slot: rng.int(shape.length * slotsPerHour - 3),
            topic: drawTopic(rng),
            size: 0.005 + 0.01 * rng.next(),
          }
        : undefined;
    for (let s = 0; s < shape.length * slotsPerHour; s++) {
      const at = dayOpen + s * SLOT_MS;
      let contacts = poisson(rng, (volume * (shape[Math.floor(s / slotsPerHour)] as number)) / total);
      const counts = new Map<string, number>();
      const add = (topic: Topic) => {
        const pool = text.byTopic[topic];
        const l = label(pool[rng.int(pool.length)] as Utterance);
        counts.set(l, (counts.get(l) ?? 0) + 1);
      };
      for (; contacts > 0; contacts--) add(drawTopic(rng));
      if (incident && s >= incident.slot && s < incident.slot + 3)
        for (let k = poisson(rng, (volume * incident.size) / 3); k > 0; k--) add(incident.topic);
      for (const [topic, count] of counts) out.push({ topic, at: at + 60_000, count });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
