// The intraday staffing view: per hour, arrivals and voice service, the Erlang A requirement for
// the voice traffic against who was on shift, and occupancy of people from their handling spans.
import { asa, occupancy, serviceLevel, staffingPlan } from '@threadline/insights';
import { SHIFTS } from '../center/config.js';
import { hoursOf } from '../day/helpers.js';
import type { DayResult, InteractionRecord } from '../day/types.js';
import type { HourRow } from './types.js';
import { HOUR, localClock, localInstant, msToSeconds, queued, round } from './util.js';

/** One agent's state over a span of the day, as `occupancy` takes it. */
export interface AgentSpan {
  id: string;
  agentId: string;
  state: string;
  start: number;
  end: number;
}

/** A shift's opening and closing instants on the day. */
export function shiftWindow(day: DayResult, shift: keyof typeof SHIFTS): [number, number] {
  const [from, to] = SHIFTS[shift];
  return [
    localInstant(day.options.timeZone, day.options.date, from),
    localInstant(day.options.timeZone, day.options.date, to),
  ];
}

/** Per-task busy intervals → sorted, merged intervals (open ones end at `end`). */
function mergeSpans(list: readonly [number, number][], end: number): [number, number][] {
  const sorted = list
    .map(([a, b]): [number, number] => [a, Number.isNaN(b) ? end : b])
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Every shift's window on the day, computed once (the roster has thousands of people, three shifts). */
function shiftWindows(day: DayResult): Record<keyof typeof SHIFTS, [number, number]> {
  const out = {} as Record<keyof typeof SHIFTS, [number, number]>;
  for (const shift of Object.keys(SHIFTS) as (keyof typeof SHIFTS)[]) out[shift] = shiftWindow(day, shift);
  return out;
}

/** Handling spans (≥ 1 task held) and idle spans on shift, for every person on the roster. */
export function agentSpans(day: DayResult): AgentSpan[] {
  const spans: AgentSpan[] = [];
  const windows = shiftWindows(day);
  for (const p of day.roster) {
    if (p.kind !== 'human' || p.shift === null) continue;
    const [s, e] = windows[p.shift];
    let cursor = s;
    let k = 0;
    const push = (state: string, start: number, end: number) =>
      spans.push({ id: `${p.worker.id}:${k++}`, agentId: p.worker.id, state, start, end });
    for (const [from, to] of mergeSpans(day.handling.get(p.worker.id) ?? [], day.endedAt)) {
      if (from > cursor && cursor < e) push('available', cursor, Math.min(from, e));
      push('handling', from, to);
      cursor = Math.max(cursor, to);
    }
    if (cursor < e) push('available', cursor, e);
  }
  return spans;
}

/** The intraday rows: one per opening hour. */
export function hourRows(day: DayResult, spans: readonly AgentSpan[]): HourRow[] {
  const local = localClock(day.options.timeZone);
  const hourStarts = hoursOf(day);
  const hourOf = (t: number) => Math.floor((t - day.openAt) / HOUR);
  const byHour = hourStarts.map(() => ({
    all: 0,
    voice: [] as InteractionRecord[],
    work: 0,
    handleMs: 0,
    handled: 0,
  }));
  for (const r of day.interactions) {
    const b = byHour[hourOf(r.arrivedAt)];
    if (b) b.all++;
    if (r.channel !== 'voice') continue;
    if (b) b.voice.push(r);
    if (r.answeredAt === undefined || r.talkMs === undefined) continue;
    const from = r.answeredAt;
    const to = from + r.talkMs + (r.wrapMs ?? 0);
    const hb = byHour[hourOf(from)];
    if (hb) {
      hb.handleMs += to - from;
      hb.handled++;
    }
    for (let h = Math.max(0, hourOf(from)); h <= Math.min(hourStarts.length - 1, hourOf(to)); h++) {
      const start = day.openAt + h * HOUR;
      (byHour[h] as (typeof byHour)[number]).work += Math.max(
        0,
        Math.min(to, start + HOUR) - Math.max(from, start),
      );
    }
  }
  // Erlang A requirement for the voice traffic each hour (raw agents, no shrinkage).
  const plan = staffingPlan({
    model: 'erlang-a',
    intervalSeconds: 3600,
    ahtSeconds: 260,
    patienceSeconds: 155,
    targetServiceLevel: 0.8,
    targetAnswerSeconds: 20,
    intervals: hourStarts.map((h, i) => {
      const b = byHour[i] as (typeof byHour)[number];
      return {
        start: h,
        calls: b.voice.length,
        ahtSeconds: b.handled > 0 ? Math.max(1, b.handleMs / b.handled / 1000) : 260,
      };
    }),
  });
  const spansByHour = hourStarts.map(() => [] as AgentSpan[]);
  for (const sp of spans)
    for (let h = Math.max(0, hourOf(sp.start)); h <= Math.min(hourStarts.length - 1, hourOf(sp.end)); h++)
      spansByHour[h]?.push(sp);
  // Voice-capable people per shift: who is on shift in an hour depends on the shift only.
  const windows = shiftWindows(day);
  const voicePeople = new Map<keyof typeof SHIFTS, number>();
  for (const p of day.roster)
    if ((p.profile === 'blended' || p.profile === 'voice') && p.shift !== null)
      voicePeople.set(p.shift, (voicePeople.get(p.shift) ?? 0) + 1);
  return hourStarts.map((h, i) => {
    const b = byHour[i] as (typeof byHour)[number];
    const vq = queued(b.voice);
    let onShift = 0;
    for (const [shift, n] of voicePeople) {
      const [s, e] = windows[shift];
      if (s <= h + HOUR / 2 && e > h + HOUR / 2) onShift += n;
    }
    return {
      hour: local(h),
      arrivals: b.all,
      voiceCalls: b.voice.length,
      voiceServiceLevel: round(
        serviceLevel(vq, { threshold: { seconds: 20 }, shortAbandon: { seconds: 5 } }).value,
      ),
      voiceAsaSeconds: round(msToSeconds(asa(vq, {}).value), 1),
      voiceRequired: plan.intervals[i]?.rawAgents ?? 0,
      voiceOnShift: onShift,
      voiceWorkload: round(b.work / HOUR, 1) as number,
      occupancy: round(occupancy(spansByHour[i] ?? [], { from: h, to: h + HOUR }).value),
    };
  });
}
