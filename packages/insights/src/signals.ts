import { type Clock, type IdGenerator, parseInput, type Signal, SignalSchema } from '@threadline/core';
import type { SpikeAlert } from './detect/spikeDetector.js';
import type { FactorContribution, HealthBand, HealthScore } from './health/model.js';

/** The figures behind a spike signal (its `evidence`). */
export type SpikeEvidence = Pick<
  SpikeAlert,
  | 'windowStart'
  | 'windowEnd'
  | 'expected'
  | 'variance'
  | 'pValue'
  | 'qValue'
  | 'zScore'
  | 'detectors'
  | 'baseline'
  | 'distribution'
>;

/** The figures behind a health or churn-risk signal (its `evidence`). */
export type HealthEvidence = {
  score: number;
  band: HealthBand;
  contributions: { key: string; value: number | null; contribution: number; shortfall: number }[];
  trend?: { delta: number; direction: 'improving' | 'declining' | 'stable' };
};

/** A core `Signal` of kind `spike`: subject is the topic, value the count in the window. */
export type SpikeSignal = Omit<Signal, 'kind' | 'evidence'> & {
  kind: 'spike';
  subject: { type: 'topic'; id: string };
  evidence: SpikeEvidence;
};

/** A core `Signal` of kind `health` (value = score) or `churn_risk` (value = 100 − score). */
export type HealthSignal = Omit<Signal, 'kind' | 'evidence'> & {
  kind: 'health' | 'churn_risk';
  evidence: HealthEvidence;
};

/** Every signal insights emits, discriminated by `kind`. */
export type InsightsSignal = SpikeSignal | HealthSignal;

/** What signal builders need: the injected clock and id generator, and the tenant. */
export interface SignalDeps {
  clock: Clock;
  ids: IdGenerator;
  tenantId?: string;
}

/** The caller-supplied parts of a health signal, with the same paths as the full signal schema. */
const HealthSignalInputSchema = SignalSchema.pick({
  kind: true,
  subject: true,
  value: true,
  observedAt: true,
}).required({
  value: true,
});

const SUBJECT_TYPES: ReadonlySet<unknown> = new Set(SignalSchema.shape.subject.shape.type.options);

/**
 * The rule of `HealthSignalInputSchema` checked by hand for the common input (a plain subject
 * `{ type, id }`, a known kind, finite value, integer instant); zod decides and explains the rest.
 */
function isPlainHealthInput(x: {
  kind: string;
  subject: unknown;
  value: number;
  observedAt: number;
}): x is { kind: 'health' | 'churn_risk'; subject: Signal['subject']; value: number; observedAt: number } {
  const subject = x.subject as Record<string, unknown> | null;
  if (typeof subject !== 'object' || subject === null || Object.getPrototypeOf(subject) !== Object.prototype)
    return false;
  for (const key in subject) if (key !== 'type' && key !== 'id') return false;
  const id = subject.id;
  return (
    (x.kind === 'health' || x.kind === 'churn_risk') &&
    SUBJECT_TYPES.has(subject.type) &&
    typeof id === 'string' &&
    id.length >= 1 &&
    id.length <= 500 &&
    Number.isFinite(x.value) &&
    Number.isSafeInteger(x.observedAt)
  );
}

function base(deps: SignalDeps): Pick<Signal, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version'> {
  const now = deps.clock.now();
  return {
    id: deps.ids.next('sig'),
    tenantId: deps.tenantId ?? 'default',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Turns a {@link SpikeAlert} into a core `Signal` (`kind: 'spike'`, subject the topic, value the
 * count, confidence `1 − qValue`, the test figures as evidence).
 *
 * @example
 * ```ts
 * const signal = spikeSignal(alert, { clock, ids });
 * ```
 */
export function spikeSignal(alert: SpikeAlert, deps: SignalDeps): SpikeSignal {
  const signal = parseInput(
    SignalSchema,
    {
      ...base(deps),
      kind: 'spike',
      subject: { type: 'topic', id: alert.topic },
      value: alert.count,
      label: `Spike in "${alert.topic}": ${alert.count} vs ${alert.expected.toFixed(1)} expected`.slice(
        0,
        500,
      ),
      confidence: Math.min(1, Math.max(0, 1 - alert.qValue)),
      observedAt: alert.windowEnd,
      evidence: {
        windowStart: alert.windowStart,
        windowEnd: alert.windowEnd,
        expected: alert.expected,
        variance: alert.variance,
        pValue: alert.pValue,
        qValue: alert.qValue,
        zScore: alert.zScore,
        detectors: alert.detectors,
        baseline: alert.baseline,
        distribution: alert.distribution,
      },
    },
    'spike signal',
  );
  return signal as SpikeSignal;
}

/**
 * Turns a {@link HealthScore} into a core `Signal`: `kind: 'health'` (value = score, label = band),
 * or `kind: 'churn_risk'` with value `100 − score` when `kind` says so.
 *
 * @example
 * ```ts
 * healthSignal(model.score(values), { type: 'customer', id: 'cus_1' }, { clock, ids });
 * ```
 */
export function healthSignal(
  score: HealthScore,
  subject: Signal['subject'],
  deps: SignalDeps,
  kind: 'health' | 'churn_risk' = 'health',
  observedAt?: number,
): HealthSignal {
  // Only what the caller hands in is checked here (subject, instant, the score's value); the
  // evidence is built below from the score's own figures, so it is not parsed again — this runs
  // for every health reading of a streaming day.
  const input = {
    kind,
    subject,
    value: kind === 'health' ? score.score : 100 - score.score,
    observedAt: observedAt ?? deps.clock.now(),
  };
  const checked = isPlainHealthInput(input)
    ? input
    : parseInput(HealthSignalInputSchema, input, 'health signal');
  const contributions: HealthEvidence['contributions'] = new Array(score.contributions.length);
  for (let i = 0; i < contributions.length; i++) {
    const c = score.contributions[i] as FactorContribution;
    contributions[i] = { key: c.key, value: c.value, contribution: c.contribution, shortfall: c.shortfall };
  }
  const evidence: HealthSignal['evidence'] = { score: score.score, band: score.band, contributions };
  if (score.trend) evidence.trend = { delta: score.trend.delta, direction: score.trend.direction };
  // The fields of `base(deps)` written out: a spread of it cost more than the rest of the
  // signal on a streaming day (V8's generic object spread), and this runs per health reading.
  const now = deps.clock.now();
  return {
    id: deps.ids.next('sig'),
    tenantId: deps.tenantId ?? 'default',
    createdAt: now,
    updatedAt: now,
    version: 1,
    kind,
    subject: { type: checked.subject.type, id: checked.subject.id },
    value: checked.value as number,
    label: score.band,
    observedAt: checked.observedAt,
    evidence,
  };
}
