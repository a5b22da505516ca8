// What-if: the same day's traffic replayed under two configurations, and the KPIs compared —
// "test the routing change against yesterday's traffic before deploying it".
import type { AgentProfile } from './center/config.js';
import { simulateDay } from './day/simulate.js';
import type { DayOptions, DayResult } from './day/types.js';
import type { CenterConfiguration } from './day/wiring.js';
import { buildDayReport } from './report/data.js';
import type { DayReport } from './report/types.js';

/** One side of a comparison: a name, and what differs from the demo center's defaults. */
export interface Configuration {
  /** Shown in the diff (default `baseline` / `candidate`). */
  name?: string;
  /** Workflow, SLA policies, escalations, calendars (fields left out take the defaults). */
  config?: CenterConfiguration;
  /** The people and bots (default: the day's roster for `agents`). */
  roster?: readonly AgentProfile[];
}

/** Options of {@link compareConfigurations}. */
export interface CompareOptions {
  /** The day both configurations run: seed, size, date, zone, text, or recorded `traffic`. */
  day?: Omit<DayOptions, 'config' | 'roster' | 'onProgress'>;
  baseline: Configuration;
  candidate: Configuration;
}

/** One KPI under both configurations; `better` says which way is an improvement. */
export interface KpiChange {
  /** A dotted name, e.g. `voice.serviceLevel`, `sla.first_reply`, `csat`. */
  kpi: string;
  baseline: number | null;
  candidate: number | null;
  /** `candidate − baseline`, or `null` when either side has no value. */
  delta: number | null;
  /** Whether a higher value is better for this KPI. */
  higherIsBetter: boolean;
  /** `improved`, `worse` or `same` (also `same` when a side has no value). */
  verdict: 'improved' | 'worse' | 'same';
}

/** The result of {@link compareConfigurations}. */
export interface Comparison {
  baseline: { name: string; report: DayReport; day: DayResult };
  candidate: { name: string; report: DayReport; day: DayResult };
  /** Every compared KPI, in a stable order. */
  changes: KpiChange[];
}

/** The KPIs a comparison reads from a report, with the direction that counts as better. */
export function kpisOf(report: DayReport): { kpi: string; value: number | null; higherIsBetter: boolean }[] {
  const out: { kpi: string; value: number | null; higherIsBetter: boolean }[] = [];
  for (const c of report.channels) {
    out.push({ kpi: `${c.channel}.serviceLevel`, value: c.serviceLevel, higherIsBetter: true });
    out.push({ kpi: `${c.channel}.asaSeconds`, value: c.asaSeconds, higherIsBetter: false });
    out.push({ kpi: `${c.channel}.abandonment`, value: c.abandonment, higherIsBetter: false });
    out.push({ kpi: `${c.channel}.ahtSeconds`, value: c.ahtSeconds, higherIsBetter: false });
  }
  for (const [metric, value] of Object.entries(report.cases.attainment))
    out.push({ kpi: `sla.${metric}`, value, higherIsBetter: true });
  out.push({ kpi: 'cases.withBreach', value: report.cases.casesWithBreach, higherIsBetter: false });
  out.push({ kpi: 'outcomes.abandoned', value: report.outcomes.abandoned, higherIsBetter: false });
  out.push({ kpi: 'outcomes.carriedOver', value: report.outcomes.carried_over, higherIsBetter: false });
  out.push({ kpi: 'csat', value: report.insights.csat, higherIsBetter: true });
  out.push({ kpi: 'fcr', value: report.insights.fcr, higherIsBetter: true });
  out.push({ kpi: 'occupancy', value: report.insights.occupancy, higherIsBetter: true });
  return out;
}

/** Compares the KPIs of two reports. */
export function diffReports(baseline: DayReport, candidate: DayReport): KpiChange[] {
  const after = new Map(kpisOf(candidate).map((k) => [k.kpi, k.value]));
  return kpisOf(baseline).map(({ kpi, value, higherIsBetter }) => {
    const next = after.get(kpi) ?? null;
    const delta = value === null || next === null ? null : Number((next - value).toFixed(6));
    const verdict: KpiChange['verdict'] =
      delta === null || delta === 0 ? 'same' : delta > 0 === higherIsBetter ? 'improved' : 'worse';
    return { kpi, baseline: value, candidate: next, delta, higherIsBetter, verdict };
  });
}

/**
 * Replays one day's traffic under two configurations (workflow, SLA policies, roster …) and diffs
 * the KPIs. The baseline draws the day (or replays `day.traffic`); the candidate runs on exactly
 * the same contacts, text and seed, so every difference comes from the configuration.
 *
 * @example
 * ```ts
 * import { buildPolicies, compareConfigurations } from '@threadline/testing';
 *
 * const tighter = buildPolicies().map((p) => (p.id === 'chat' ? { ...p, warn: { percent: 50 } } : p));
 * const { changes } = await compareConfigurations({
 *   day: { agents: 20, interactions: 400 },
 *   baseline: { name: 'today' },
 *   candidate: { name: 'earlier warnings', config: { policies: tighter } },
 * });
 * changes.filter((c) => c.verdict !== 'same');
 * ```
 */
export async function compareConfigurations(options: CompareOptions): Promise<Comparison> {
  const dayOptions = options.day ?? {};
  const run = (side: Configuration, extra: Partial<DayOptions>) =>
    simulateDay({
      ...dayOptions,
      ...extra,
      ...(side.config ? { config: side.config } : {}),
      ...(side.roster ? { roster: side.roster } : {}),
    });
  const baseDay = await run(options.baseline, {});
  const candidateDay = await run(options.candidate, {
    traffic: baseDay.traffic,
    ...(dayOptions.text ? { text: dayOptions.text } : {}),
  });
  const baseReport = buildDayReport(baseDay);
  const candidateReport = buildDayReport(candidateDay);
  return {
    baseline: { name: options.baseline.name ?? 'baseline', report: baseReport, day: baseDay },
    candidate: { name: options.candidate.name ?? 'candidate', report: candidateReport, day: candidateDay },
    changes: diffReports(baseReport, candidateReport),
  };
}
