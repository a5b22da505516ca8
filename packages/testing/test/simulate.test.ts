import { createMemoryStorage } from '@threadline/adapter-memory';
import { createRandom, isThreadlineError } from '@threadline/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildDayReport,
  buildPolicies,
  buildRoster,
  buildWorkflow,
  type Comparison,
  compareConfigurations,
  type DayOptions,
  type DayResult,
  diffReports,
  simulateDay,
} from '../src/index.js';

const SMALL = { agents: 12, interactions: 300, seed: 11 } as const satisfies DayOptions;

describe('simulateDay', () => {
  let day: DayResult;
  beforeAll(async () => {
    day = await simulateDay(SMALL);
  });

  it('runs a whole day on generated text and accounts for every contact', () => {
    expect(day.textSource.kind).toBe('generated');
    // Every drawn contact happened, or the outage notice's model removed it.
    expect(day.interactions.length + (day.outage?.modelDeflectedContacts ?? 0)).toBe(300);
    expect(day.traffic.arrivals).toHaveLength(300);
    for (const r of day.interactions) expect(r.outcome).toBeDefined();
    expect(day.counters.capacityViolations).toEqual([]);
    const report = buildDayReport(day);
    expect(report.setup).toMatchObject({
      agents: 12,
      interactions: day.interactions.length,
      seed: 11,
      text: 'generated',
    });
    expect(report.outcomes.completed + report.outcomes.contained + report.outcomes.abandoned).toBeGreaterThan(
      0,
    );
  });

  it('replays recorded traffic exactly: the same day gives the same report', async () => {
    const again = await simulateDay({ ...SMALL, traffic: day.traffic });
    expect(buildDayReport(again)).toEqual(buildDayReport(day));
  });

  it('rejects bad options with VALIDATION errors that name the field', async () => {
    for (const [options, path] of [
      [{ agents: 2 }, 'agents'],
      [{ interactions: 0 }, 'interactions'],
      [{ date: '2026-13-45' }, 'date'],
      [{ seed: 1.5 }, 'seed'],
      [{ conversationRetentionMs: -1 }, 'conversationRetentionMs'],
      [{ conversationRetentionMs: 0, storage: createMemoryStorage() }, 'conversationRetentionMs'],
    ] as const) {
      const error = await simulateDay(options).catch((e: unknown) => e);
      expect(isThreadlineError(error, 'VALIDATION'), JSON.stringify(options)).toBe(true);
      expect((error as { path?: unknown }).path).toEqual([path]);
    }
  });
});

describe('compareConfigurations', () => {
  let comparison: Comparison;
  beforeAll(async () => {
    // The candidate drops the expert steps of every topic ladder: anyone with the skill, at once.
    const workflow = buildWorkflow();
    const flat = {
      ...workflow,
      filters: (workflow.filters ?? []).map((f) =>
        f.targets.length === 4 ? { ...f, targets: f.targets.slice(2) } : f,
      ),
    };
    comparison = await compareConfigurations({
      day: SMALL,
      baseline: { name: 'today' },
      candidate: {
        name: 'flat ladder, two more agents',
        config: { workflow: flat },
        roster: buildRoster(14, createRandom(12)),
      },
    });
  });

  it('replays the same contacts under both configurations', () => {
    const ids = (d: DayResult) => d.interactions.map((r) => `${r.id}@${r.arrivedAt}:${r.channel}`);
    expect(ids(comparison.candidate.day)).toEqual(ids(comparison.baseline.day));
    expect(comparison.baseline.name).toBe('today');
    expect(comparison.candidate.report.setup.agents).toBe(14);
  });

  it('lists every KPI with both values, the delta and a verdict that follows the KPI direction', () => {
    const kpis = comparison.changes.map((c) => c.kpi);
    expect(kpis).toEqual(
      expect.arrayContaining(['voice.serviceLevel', 'chat.asaSeconds', 'sla.first_reply', 'csat']),
    );
    for (const c of comparison.changes) {
      if (c.baseline === null || c.candidate === null) {
        expect(c.delta).toBeNull();
        continue;
      }
      expect(c.delta).toBeCloseTo(c.candidate - c.baseline, 6);
      const expected =
        c.delta === 0 ? 'same' : (c.delta as number) > 0 === c.higherIsBetter ? 'improved' : 'worse';
      expect(c.verdict).toBe(expected);
    }
    // More people on the same traffic: calls wait less.
    const asa = comparison.changes.find((c) => c.kpi === 'voice.asaSeconds');
    expect(asa?.verdict).toBe('improved');
  });

  it('the same configuration on both sides changes nothing', async () => {
    const same = await compareConfigurations({
      day: SMALL,
      baseline: { config: { policies: buildPolicies() } },
      candidate: {},
    });
    expect(same.changes.every((c) => c.verdict === 'same')).toBe(true);
    expect(diffReports(same.baseline.report, same.candidate.report)).toEqual(same.changes);
  });
});
