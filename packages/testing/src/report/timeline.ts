// The day over time: 15-minute intervals (arrivals, service level and ASA per channel, sentiment,
// topic volumes), the distribution of queue waits, and the longest waits behind it.
import { asa, serviceLevel } from '@threadline/insights';
import type { SimChannel } from '../center/config.js';
import { TOPICS, type Topic } from '../center/text.js';
import type { DayResult, InteractionRecord } from '../day/types.js';
import { type ContactRow, type DayReport, type IntervalRow, type PerChannel, WAIT_BUCKETS } from './types.js';
import { localClock, msToSeconds, queued, round, SL_THRESHOLD_S } from './util.js';

const INTERVAL = 15 * 60_000;
/** Upper bounds (seconds, exclusive) of the wait buckets before `≥ 4 h`. */
const BOUNDS = [20, 60, 300, 900, 3600, 4 * 3600];

const perChannel = <T>(f: (c: SimChannel) => T): PerChannel<T> =>
  ({ voice: f('voice'), chat: f('chat'), email: f('email') }) satisfies PerChannel<T>;

/** The opening hours in 15-minute intervals: arrivals by arrival time, service by offer time. */
export function intervalRows(day: DayResult): IntervalRow[] {
  const local = localClock(day.options.timeZone);
  const count = Math.max(1, Math.ceil((day.closeAt - day.openAt) / INTERVAL));
  const arrivedIn = Array.from({ length: count }, () => [] as InteractionRecord[]);
  const offeredIn = Array.from({ length: count }, () => perChannel(() => [] as InteractionRecord[]));
  const slot = (t: number) => Math.floor((t - day.openAt) / INTERVAL);
  for (const r of day.interactions) {
    arrivedIn[slot(r.arrivedAt)]?.push(r);
    if (r.offeredAt !== undefined) offeredIn[slot(r.offeredAt)]?.[r.channel].push(r);
  }
  return arrivedIn.map((arrived, i) => {
    const sentiment = { negative: 0, neutral: 0, positive: 0, mean: null as number | null };
    const topics = Object.fromEntries(TOPICS.map((t) => [t, 0])) as Record<Topic, number>;
    let sum = 0;
    for (const r of arrived) {
      sentiment[r.sentimentLabel]++;
      topics[r.topicDetected]++;
      sum += r.sentiment;
    }
    sentiment.mean = arrived.length === 0 ? null : round(sum / arrived.length);
    const offered = offeredIn[i] as PerChannel<InteractionRecord[]>;
    return {
      start: local(day.openAt + i * INTERVAL),
      arrivals: perChannel((c) => arrived.filter((r) => r.channel === c).length),
      serviceLevel: perChannel((c) =>
        round(
          serviceLevel(queued(offered[c]), {
            threshold: { seconds: SL_THRESHOLD_S[c] },
            shortAbandon: { seconds: 5 },
          }).value,
        ),
      ),
      asaSeconds: perChannel((c) => round(msToSeconds(asa(queued(offered[c]), {}).value), 1)),
      sentiment,
      topics,
    };
  });
}

/** How long each contact offered to people waited (until answered, abandoned or the day's end). */
function waitMs(r: InteractionRecord, endedAt: number): number {
  return (r.answeredAt ?? r.abandonedAt ?? endedAt) - (r.offeredAt as number);
}

/** Waits per channel in {@link WAIT_BUCKETS}. */
export function waitBuckets(day: DayResult): DayReport['waits'] {
  const waits = perChannel(
    () =>
      Object.fromEntries(WAIT_BUCKETS.map((b) => [b, 0])) as Record<(typeof WAIT_BUCKETS)[number], number>,
  );
  for (const r of day.interactions) {
    if (r.offeredAt === undefined) continue;
    const into = waits[r.channel];
    if (r.answeredAt === undefined && r.abandonedAt !== undefined) {
      into.abandoned++;
      continue;
    }
    const s = waitMs(r, day.endedAt) / 1000;
    const k = BOUNDS.findIndex((b) => s < b);
    into[WAIT_BUCKETS[k === -1 ? BOUNDS.length : k] as (typeof WAIT_BUCKETS)[number]]++;
  }
  return waits;
}

/** The `limit` longest waits of the day (ties by id), the contacts behind the wait chart's tail. */
export function longestWaits(day: DayResult, limit = 25): ContactRow[] {
  const local = localClock(day.options.timeZone);
  return day.interactions
    .filter((r) => r.offeredAt !== undefined)
    .map((r) => ({ r, ms: waitMs(r, day.endedAt) }))
    .sort((a, b) => b.ms - a.ms || (a.r.id < b.r.id ? -1 : 1))
    .slice(0, limit)
    .map(({ r, ms }) => ({
      id: r.id,
      channel: r.channel,
      topic: r.topicDetected,
      offered: local(r.offeredAt as number),
      waitSeconds: Math.round(ms / 1000),
      outcome: r.outcome ?? 'carried_over',
      agentId: r.agentId ?? null,
    }));
}
