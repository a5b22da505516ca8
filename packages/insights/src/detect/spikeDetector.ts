import {
  type DurationInput,
  DurationSchema,
  isKnownTimeZone,
  parseInput,
  ThreadlineError,
  ZoneRules,
} from '@threadline/core';
import { z } from 'zod';
import { CusumDetector, EwmaDetector } from './controlCharts.js';
import { bhUnchecked } from './multipleTesting.js';
import { negativeBinomialUpperTail, poissonUpperTail } from './special.js';

const WEEK_MS = 7 * 86_400_000;
// 1970-01-01 was a Thursday, so subtracting 3 days puts Sunday 00:00 (local) at slot 0. Saved
// states number their slots this way, so it stays.
const MONDAY_SHIFT_MS = 3 * 86_400_000;

/** Which detector raised an alert. */
export type SpikeDetectorKind = 'tail' | 'ewma' | 'cusum';

/** Options of {@link SpikeDetector}. All have defaults; the JSON form is the same object. */
export interface SpikeDetectorOptions {
  /** Window length (ms or `{ hours: 1 }`). Must divide a week. Default 1 hour. */
  window?: DurationInput;
  /** `'hour-of-week'` (default): one baseline per window-of-week slot; `'none'`: one per topic. */
  seasonality?: 'hour-of-week' | 'none';
  /**
   * IANA time zone of the local week the hour-of-week slots follow (e.g. `'America/New_York'`).
   * Slots follow the zone's wall clock, so 09:00 local is one slot on both sides of a daylight-saving
   * change. Default `'UTC'`.
   */
  timeZone?: string;
  /**
   * Fixed offset (minutes east of UTC) of the local week.
   * @deprecated A fixed offset moves every slot by an hour at daylight-saving changes; use `timeZone`.
   */
  utcOffsetMinutes?: number;
  /** `'auto'` (default): negative binomial when counts are over-dispersed, else Poisson. */
  distribution?: 'auto' | 'poisson' | 'negative-binomial';
  /** Benjamini–Hochberg false-discovery rate across the topics tested in a window. Default 0.01. */
  fdr?: number;
  /** Minimum count in a window before the tail test may alert. Default 5. */
  minCount?: number;
  /** Closed windows of a topic's history before it is tested. Default 24. */
  minHistory?: number;
  /** Observations of a slot before its seasonal baseline replaces the topic-wide one. Default 2. */
  minSlotHistory?: number;
  /** EWMA weight of the topic-wide baseline. Default 0.05. */
  baselineAlpha?: number;
  /** EWMA weight of each seasonal slot's baseline. Default 0.3. */
  slotAlpha?: number;
  /** Floor of the expected count (avoids absurd p-values for rare topics). Default 0.5. */
  minExpected?: number;
  /** EWMA chart options, or `false` to disable. */
  ewma?: { lambda?: number; limit?: number } | false;
  /** CUSUM chart options, or `false` to disable. */
  cusum?: { k?: number; h?: number } | false;
  /** Topics tracked at most (guards memory); more raise `CAPACITY`. Default 10,000. */
  maxTopics?: number;
}

/** A detected spike: one topic in one closed window. */
export interface SpikeAlert {
  topic: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  /** Expected count from the baseline. */
  expected: number;
  /** Baseline variance used for the test. */
  variance: number;
  /** One-sided tail probability `P(X ≥ count)`. */
  pValue: number;
  /** Benjamini–Hochberg adjusted p-value across the topics tested in the window. */
  qValue: number;
  /** Standardised residual `(count − expected)/σ`. */
  zScore: number;
  /** Detectors that fired (at least one). */
  detectors: SpikeDetectorKind[];
  baseline: 'seasonal' | 'global';
  distribution: 'poisson' | 'negative-binomial';
}

const OptionsSchema = z
  .object({
    window: DurationSchema.optional(),
    seasonality: z.enum(['hour-of-week', 'none']).optional(),
    timeZone: z.string().optional(),
    utcOffsetMinutes: z
      .number()
      .int()
      .min(-24 * 60)
      .max(24 * 60)
      .optional(),
    distribution: z.enum(['auto', 'poisson', 'negative-binomial']).optional(),
    fdr: z.number().gt(0).max(1).optional(),
    minCount: z.number().int().nonnegative().optional(),
    minHistory: z.number().int().nonnegative().optional(),
    minSlotHistory: z.number().int().positive().optional(),
    baselineAlpha: z.number().gt(0).max(1).optional(),
    slotAlpha: z.number().gt(0).max(1).optional(),
    minExpected: z.number().finite().positive().optional(),
    ewma: z
      .union([
        z.literal(false),
        z
          .object({ lambda: z.number().gt(0).max(1).optional(), limit: z.number().positive().optional() })
          .strict(),
      ])
      .optional(),
    cusum: z
      .union([
        z.literal(false),
        z.object({ k: z.number().nonnegative().optional(), h: z.number().positive().optional() }).strict(),
      ])
      .optional(),
    maxTopics: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const w = o.window ?? 3_600_000;
    if (w <= 0 || !Number.isInteger(w) || WEEK_MS % w !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: 'window must be a whole number of ms dividing one week',
      });
    }
  });

interface ResolvedOptions {
  window: number;
  seasonality: 'hour-of-week' | 'none';
  /** UTC offset (ms) in force at an instant: the zone's rules, or the deprecated fixed offset. */
  offsetAt: (ms: number) => number;
  distribution: 'auto' | 'poisson' | 'negative-binomial';
  fdr: number;
  minCount: number;
  minHistory: number;
  minSlotHistory: number;
  baselineAlpha: number;
  slotAlpha: number;
  minExpected: number;
  ewma: { lambda?: number; limit?: number } | false;
  cusum: { k?: number; h?: number } | false;
  maxTopics: number;
}

interface TopicState {
  count: number;
  /** Closed windows observed. */
  n: number;
  mean: number;
  variance: number;
  slotMean: Float64Array;
  slotVar: Float64Array;
  slotN: Uint32Array;
  ewma: EwmaDetector | null;
  cusum: CusumDetector | null;
}

/** JSON state of one topic (see {@link SpikeDetectorState}). */
export interface TopicStateJson {
  count: number;
  n: number;
  mean: number;
  variance: number;
  slotMean: number[];
  slotVar: number[];
  slotN: number[];
  ewma: number | null;
  cusum: number | null;
}

/** Serialisable state of a {@link SpikeDetector} (plain JSON). */
export interface SpikeDetectorState {
  version: 1;
  options: SpikeDetectorOptions;
  windowStart: number | null;
  lateEvents: number;
  windowsClosed: number;
  topics: Record<string, TopicStateJson>;
}

const StateSchema = z
  .object({
    version: z.literal(1),
    options: z.record(z.string(), z.unknown()),
    windowStart: z.number().int().nullable(),
    lateEvents: z.number().int().nonnegative(),
    windowsClosed: z.number().int().nonnegative(),
    topics: z.record(
      z.string(),
      z
        .object({
          count: z.number().nonnegative(),
          n: z.number().int().nonnegative(),
          mean: z.number().finite(),
          variance: z.number().finite().nonnegative(),
          slotMean: z.array(z.number().finite()),
          slotVar: z.array(z.number().finite()),
          slotN: z.array(z.number().int().nonnegative()),
          ewma: z.number().finite().nullable(),
          cusum: z.number().finite().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

function resolveOffset(
  timeZone: string | undefined,
  utcOffsetMinutes: number | undefined,
): (ms: number) => number {
  if (timeZone !== undefined && utcOffsetMinutes !== undefined) {
    throw new ThreadlineError(
      'CONFIG',
      'spike detector options: give timeZone or utcOffsetMinutes, not both',
      {
        issues: [
          { path: ['utcOffsetMinutes'], message: 'not allowed together with timeZone', code: 'custom' },
        ],
      },
    );
  }
  if (timeZone !== undefined) {
    if (!isKnownTimeZone(timeZone)) {
      throw new ThreadlineError('VALIDATION', `spike detector options: unknown time zone "${timeZone}"`, {
        issues: [{ path: ['timeZone'], message: 'expected an IANA time zone name', code: 'custom' }],
      });
    }
    const zone = ZoneRules.for(timeZone);
    return (ms) => zone.offsetAt(ms);
  }
  const fixed = (utcOffsetMinutes ?? 0) * 60_000;
  return () => fixed;
}

/**
 * Creates a {@link SpikeDetector}: the main entry point of issue detection.
 *
 * @example
 * ```ts
 * const detector = createSpikeDetector({ window: { hours: 1 }, timeZone: 'America/New_York' });
 * const alerts = detector.observe('billing', Date.now());
 * ```
 */
export function createSpikeDetector(options: SpikeDetectorOptions = {}): SpikeDetector {
  return new SpikeDetector(options);
}

/**
 * Streaming per-topic spike detector. Counts events per topic in fixed windows; when a window
 * closes, each topic's count is tested against its hour-of-week baseline with a Poisson or
 * negative-binomial tail probability (Benjamini–Hochberg across topics), and fed to EWMA and
 * CUSUM charts. State is plain JSON (`toJSON` / `SpikeDetector.fromJSON`).
 *
 * @example
 * ```ts
 * const detector = createSpikeDetector({ window: { hours: 1 }, timeZone: 'Europe/Paris' });
 * for (const e of events) alerts.push(...detector.observe(e.topic, e.at));
 * alerts.push(...detector.closeWindowsUntil(clock.now()));
 * ```
 */
export class SpikeDetector {
  private readonly o: ResolvedOptions;
  private readonly rawOptions: SpikeDetectorOptions;
  private readonly slots: number;
  private readonly topics = new Map<string, TopicState>();
  private windowStart: number | null = null;
  private lateEvents = 0;
  private windowsClosed = 0;

  constructor(options: SpikeDetectorOptions = {}) {
    const o = parseInput(OptionsSchema, options, 'spike detector options', 'CONFIG');
    this.rawOptions = JSON.parse(JSON.stringify(options)) as SpikeDetectorOptions;
    this.o = {
      window: o.window ?? 3_600_000,
      seasonality: o.seasonality ?? 'hour-of-week',
      offsetAt: resolveOffset(o.timeZone, o.utcOffsetMinutes),
      distribution: o.distribution ?? 'auto',
      fdr: o.fdr ?? 0.01,
      minCount: o.minCount ?? 5,
      minHistory: o.minHistory ?? 24,
      minSlotHistory: o.minSlotHistory ?? 2,
      baselineAlpha: o.baselineAlpha ?? 0.05,
      slotAlpha: o.slotAlpha ?? 0.3,
      minExpected: o.minExpected ?? 0.5,
      ewma: o.ewma ?? {},
      cusum: o.cusum ?? {},
      maxTopics: o.maxTopics ?? 10_000,
    };
    this.slots = this.o.seasonality === 'hour-of-week' ? WEEK_MS / this.o.window : 1;
  }

  /** Window length in ms. */
  get windowMs(): number {
    return this.o.window;
  }

  /** Start of the open window, or `null` before the first event. */
  get currentWindowStart(): number | null {
    return this.windowStart;
  }

  /** Counters: topics tracked, windows closed, late (dropped) events. */
  stats(): { topics: number; windowsClosed: number; lateEvents: number } {
    return { topics: this.topics.size, windowsClosed: this.windowsClosed, lateEvents: this.lateEvents };
  }

  /** Counts in the open window, per topic (topics with no events yet in it are omitted). */
  currentCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, t] of this.topics) if (t.count > 0) out[k] = t.count;
    return out;
  }

  /**
   * Counts `count` events of `topic` at `at`. Windows that end at or before `at` close first and
   * their alerts are returned. Events older than the open window cannot be counted any more:
   * they are tallied in `stats().lateEvents` and `observe` returns no alerts for them.
   */
  observe(topic: string, at: number | Date, count = 1): SpikeAlert[] {
    const t = typeof at === 'number' ? at : at.getTime();
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new ThreadlineError('VALIDATION', 'topic must be a non-empty string', {
        issues: [{ path: ['topic'], message: 'must be a non-empty string', code: 'custom' }],
      });
    }
    if (!Number.isFinite(t) || !Number.isFinite(count) || count < 0) {
      throw new ThreadlineError('VALIDATION', 'at and count must be finite (count ≥ 0)', {
        issues: [{ path: [Number.isFinite(t) ? 'count' : 'at'], message: 'must be finite', code: 'custom' }],
      });
    }
    if (this.windowStart === null) this.windowStart = Math.floor(t / this.o.window) * this.o.window;
    if (t < this.windowStart) {
      this.lateEvents += count;
      return [];
    }
    const alerts = this.closeWindowsUntil(t);
    let state = this.topics.get(topic);
    if (state === undefined) state = this.addTopic(topic);
    state.count += count;
    return alerts;
  }

  /** End of the open window (when it will close), or `null` before the first event. */
  nextDeadline(): number | null {
    return this.windowStart === null ? null : this.windowStart + this.o.window;
  }

  /**
   * Closes every window that ends at or before `now` and returns the alerts they raise. (Not
   * named `advanceTo`: Threadline engines' `advanceTo` returns nothing and reports through
   * subscribers; this is the pure, returning form.)
   */
  closeWindowsUntil(now: number | Date): SpikeAlert[] {
    const t = typeof now === 'number' ? now : now.getTime();
    const alerts: SpikeAlert[] = [];
    if (this.windowStart === null) return alerts;
    while (this.windowStart + this.o.window <= t) {
      this.closeWindow(this.windowStart, alerts);
      this.windowStart += this.o.window;
      this.windowsClosed++;
    }
    return alerts;
  }

  private addTopic(topic: string): TopicState {
    if (this.topics.size >= this.o.maxTopics) {
      throw new ThreadlineError('CAPACITY', `spike detector tracks at most ${this.o.maxTopics} topics`, {
        details: { topic },
      });
    }
    const state: TopicState = {
      count: 0,
      n: 0,
      mean: 0,
      variance: 0,
      slotMean: new Float64Array(this.slots),
      slotVar: new Float64Array(this.slots),
      slotN: new Uint32Array(this.slots),
      ewma: this.o.ewma === false ? null : new EwmaDetector(this.o.ewma),
      cusum: this.o.cusum === false ? null : new CusumDetector(this.o.cusum),
    };
    this.topics.set(topic, state);
    return state;
  }

  private slotOf(windowStart: number): number {
    if (this.slots === 1) return 0;
    const local = windowStart + this.o.offsetAt(windowStart);
    const w = (((local - MONDAY_SHIFT_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS;
    return Math.floor(w / this.o.window);
  }

  private closeWindow(start: number, alerts: SpikeAlert[]): void {
    const slot = this.slotOf(start);
    interface Tested {
      topic: string;
      state: TopicState;
      count: number;
      expected: number;
      variance: number;
      p: number;
      z: number;
      baseline: 'seasonal' | 'global';
      distribution: 'poisson' | 'negative-binomial';
      fired: SpikeDetectorKind[];
    }
    const tested: Tested[] = [];
    for (const [topic, s] of this.topics) {
      const x = s.count;
      if (s.n >= this.o.minHistory) {
        const seasonal = (s.slotN[slot] as number) >= this.o.minSlotHistory;
        const mean = Math.max(this.o.minExpected, seasonal ? (s.slotMean[slot] as number) : s.mean);
        const variance = Math.max(mean, seasonal ? (s.slotVar[slot] as number) : s.variance);
        let distribution: 'poisson' | 'negative-binomial' = 'poisson';
        let p: number;
        if (this.o.distribution !== 'poisson' && variance > mean * 1.05) {
          distribution = 'negative-binomial';
          p = negativeBinomialUpperTail(x, mean, (mean * mean) / (variance - mean));
        } else {
          p = poissonUpperTail(x, mean);
        }
        const z = (x - mean) / Math.sqrt(variance);
        const fired: SpikeDetectorKind[] = [];
        if (s.ewma?.update(z)) fired.push('ewma');
        if (s.cusum?.update(z)) fired.push('cusum');
        tested.push({
          topic,
          state: s,
          count: x,
          expected: mean,
          variance,
          p,
          z,
          baseline: seasonal ? 'seasonal' : 'global',
          distribution,
          fired,
        });
      }
    }
    const bh = bhUnchecked(
      tested.map((t) => t.p),
      this.o.fdr,
    );
    const flagged = new Set<TopicState>();
    for (let i = 0; i < tested.length; i++) {
      const t = tested[i]!;
      const detectors: SpikeDetectorKind[] = [];
      if (bh.rejected[i] && t.count >= this.o.minCount) detectors.push('tail');
      for (const f of t.fired) if (t.count > t.expected) detectors.push(f);
      if (detectors.length === 0) continue;
      if (detectors.includes('tail')) flagged.add(t.state);
      alerts.push({
        topic: t.topic,
        windowStart: start,
        windowEnd: start + this.o.window,
        count: t.count,
        expected: t.expected,
        variance: t.variance,
        pValue: t.p,
        qValue: bh.qValues[i]!,
        zScore: t.z,
        detectors,
        baseline: t.baseline,
        distribution: t.distribution,
      });
    }
    // Update baselines; a flagged spike is clipped so one burst does not become the new normal.
    for (const s of this.topics.values()) {
      let x = s.count;
      if (flagged.has(s)) x = Math.min(x, s.mean + 3 * Math.sqrt(Math.max(s.variance, s.mean, 1)));
      if (s.n === 0) {
        s.mean = x;
        s.variance = x;
      } else {
        const a = this.o.baselineAlpha;
        const d = x - s.mean;
        s.mean += a * d;
        s.variance = (1 - a) * (s.variance + a * d * d);
      }
      if (this.slots > 1) {
        const n = s.slotN[slot] as number;
        if (n === 0) {
          s.slotMean[slot] = x;
          s.slotVar[slot] = Math.max(x, s.variance);
        } else {
          const a = Math.max(this.o.slotAlpha, 1 / (n + 1));
          const d = x - (s.slotMean[slot] as number);
          s.slotMean[slot] = (s.slotMean[slot] as number) + a * d;
          s.slotVar[slot] = (1 - a) * ((s.slotVar[slot] as number) + a * d * d);
        }
        s.slotN[slot] = n + 1;
      }
      s.n++;
      s.count = 0;
    }
  }

  /** Plain JSON state: options, open window, per-topic counts, baselines and chart statistics. */
  toJSON(): SpikeDetectorState {
    const topics: Record<string, TopicStateJson> = {};
    for (const [k, s] of this.topics) {
      topics[k] = {
        count: s.count,
        n: s.n,
        mean: s.mean,
        variance: s.variance,
        slotMean: Array.from(s.slotMean),
        slotVar: Array.from(s.slotVar),
        slotN: Array.from(s.slotN),
        ewma: s.ewma ? s.ewma.statistic : null,
        cusum: s.cusum ? s.cusum.statistic : null,
      };
    }
    return {
      version: 1,
      options: this.rawOptions,
      windowStart: this.windowStart,
      lateEvents: this.lateEvents,
      windowsClosed: this.windowsClosed,
      topics,
    };
  }

  /** Restores a detector from {@link SpikeDetector.toJSON}; validates the state first. */
  static fromJSON(state: SpikeDetectorState): SpikeDetector {
    const s = parseInput(StateSchema, state, 'spike detector state');
    const d = new SpikeDetector(s.options as SpikeDetectorOptions);
    d.windowStart = s.windowStart;
    d.lateEvents = s.lateEvents;
    d.windowsClosed = s.windowsClosed;
    for (const [k, t] of Object.entries(s.topics)) {
      if (t.slotMean.length !== d.slots || t.slotVar.length !== d.slots || t.slotN.length !== d.slots) {
        throw new ThreadlineError(
          'VALIDATION',
          `spike detector state: topic "${k}" has ${t.slotN.length} slots`,
          {
            issues: [{ path: ['topics', k, 'slotN'], message: `expected ${d.slots} slots`, code: 'custom' }],
          },
        );
      }
      const ts = d.addTopic(k);
      ts.count = t.count;
      ts.n = t.n;
      ts.mean = t.mean;
      ts.variance = t.variance;
      ts.slotMean.set(t.slotMean);
      ts.slotVar.set(t.slotVar);
      ts.slotN.set(t.slotN);
      if (ts.ewma && t.ewma !== null) ts.ewma.statistic = t.ewma;
      if (ts.cusum && t.cusum !== null) ts.cusum.statistic = t.cusum;
    }
    return d;
  }
}
