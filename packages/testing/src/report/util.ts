// Small helpers the report's modules share: rounding, local clock times, queued contacts.
import { zoneRules } from '@threadline/core';
import type { QueuedContact } from '@threadline/insights';
import type { InteractionRecord } from '../day/types.js';

/** One hour in milliseconds. */
export const HOUR = 3_600_000;

/** Rounds to `d` decimals; `null` (and non-finite values) stay `null`. */
export const round = (x: number | null, d = 3): number | null =>
  x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d));

/** Milliseconds → seconds, keeping `null`. */
export const msToSeconds = (v: number | null): number | null => (v === null ? null : v / 1000);

/** A formatter of instants as local wall-clock `HH:MM` in `timeZone` (that date's offset, DST included). */
export function localClock(timeZone: string): (t: number) => string {
  const zone = zoneRules(timeZone);
  return (t) => new Date(zone.wallTime(t)).toISOString().slice(11, 16);
}

/** The instant the wall clock in `timeZone` shows `hhmm` on `date`. */
export function localInstant(timeZone: string, date: string, hhmm: string): number {
  return zoneRules(timeZone).toInstant(Date.parse(`${date}T${hhmm}:00Z`));
}

/** The contacts offered to people that ended waiting (answered or abandoned), as the KPIs take them. */
export function queued(list: readonly InteractionRecord[]): QueuedContact[] {
  return list
    .filter((r) => r.offeredAt !== undefined && (r.answeredAt !== undefined || r.abandonedAt !== undefined))
    .map((r) => ({
      id: r.id,
      offeredAt: r.offeredAt as number,
      ...(r.answeredAt === undefined ? {} : { answeredAt: r.answeredAt }),
      ...(r.abandonedAt === undefined ? {} : { abandonedAt: r.abandonedAt }),
    }));
}

/** Answer-time thresholds of the service level per channel (seconds). */
export const SL_THRESHOLD_S = { voice: 20, chat: 60, email: 4 * 3600 } as const;
