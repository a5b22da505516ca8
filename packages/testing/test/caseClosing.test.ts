// The helpdesk's auto-close (`closeSolvedAfterMs`): solved cases close after a quiet window and
// leave the case engine, folded for the report. Folding must not change the report: the same day
// with the closed cases kept in the engine (`keepClosedCases`) gives the same report byte for byte.
import type { Case, SlaMetricInstance } from '@threadline/cases';
import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { buildDayReport, simulateDay } from '../src/index.js';
import { emptyClosedCasesFold, FOLDED_BREACH_ROWS, foldClosedCase } from '../src/report/caseFold.js';

const HOUR = 3_600_000;
const json = (x: unknown) => JSON.stringify(x, null, 2);

describe('auto-closed cases', () => {
  for (const day of [
    { agents: 20, interactions: 800, seed: 2026, closeSolvedAfterMs: 4 * HOUR },
    { agents: 30, interactions: 1500, seed: 7, closeSolvedAfterMs: 2 * HOUR },
    { agents: 15, interactions: 700, seed: 11, closeSolvedAfterMs: HOUR / 2, outage: false as const },
  ]) {
    it(`leave the engine and the report is the same as with them kept (${day.agents}×${day.interactions} seed ${day.seed})`, {
      timeout: 240_000,
    }, async () => {
      const folded = await simulateDay(day);
      const kept = await simulateDay({ ...day, keepClosedCases: true });
      const fold = folded.closedCases;
      expect(fold).toBeDefined();
      expect(kept.closedCases).toBeUndefined();
      // Cases really left memory, and every one of them was folded.
      expect(folded.cases.stats().evicted).toBeGreaterThan(50);
      expect(fold?.cases).toBe(folded.cases.stats().evicted);
      expect(kept.cases.stats().evicted).toBe(0);
      expect(fold?.qa.size).toBeGreaterThan(0);
      const report = buildDayReport(folded);
      expect(json(report)).toBe(json(buildDayReport(kept)));
      // Closed cases count as solved, and QA samples from them.
      expect(report.cases.solved).toBeGreaterThanOrEqual(fold?.cases ?? 0);
      expect(report.qa.sampled).toBeGreaterThan(0);
    });
  }

  it('turn a return after the window into a new case instead of a reopen', { timeout: 240_000 }, async () => {
    const base = { agents: 20, interactions: 800, seed: 2026 };
    const open = buildDayReport(await simulateDay(base));
    const closing = buildDayReport(await simulateDay({ ...base, closeSolvedAfterMs: 0 }));
    expect(open.cases.reopened).toBeGreaterThan(0);
    // Closed at once: nothing can be reopened, every return about the issue opens a case.
    expect(closing.cases.reopened).toBe(0);
    expect(closing.cases.opened).toBeGreaterThan(open.cases.opened);
  });

  it('rejects a negative window with the field path', async () => {
    const error = await simulateDay({ agents: 5, interactions: 10, closeSolvedAfterMs: -1 }).catch(
      (e: unknown) => e,
    );
    expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
    expect((error as { path?: unknown }).path).toEqual(['closeSolvedAfterMs']);
  });
});

describe('the closed-case fold', () => {
  const closedCase = (id: string, at: number) =>
    ({ id, channel: 'voice', type: 'billing', closedAt: at, updatedAt: at }) as unknown as Case;
  const breachedMetric = (at: number): SlaMetricInstance =>
    ({
      metric: 'first_reply',
      state: 'breached',
      dueAt: at - 1,
      breachedAt: at,
      cycle: 1,
    }) as unknown as SlaMetricInstance;

  it('keeps the earliest breaches, in report order, however many cases close', () => {
    const fold = emptyClosedCasesFold();
    // Breach instants out of order, with ties broken by case id.
    const instants = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 500) * 1000);
    instants.forEach((at, i) => {
      foldClosedCase(
        fold,
        closedCase(`c${String(i).padStart(4, '0')}`, at + 10),
        [breachedMetric(at)],
        undefined,
      );
    });
    expect(fold.cases).toBe(1000);
    expect(fold.breachedInstances).toBe(1000);
    expect(fold.casesWithBreach).toBe(1000);
    const expected = instants
      .map((at, i) => ({ at, caseId: `c${String(i).padStart(4, '0')}` }))
      .sort((a, b) => a.at - b.at || (a.caseId < b.caseId ? -1 : 1))
      .slice(0, FOLDED_BREACH_ROWS);
    const kept = [...fold.breaches]
      .sort((a, b) => a.at - b.at || (a.caseId < b.caseId ? -1 : 1))
      .slice(0, FOLDED_BREACH_ROWS)
      .map(({ at, caseId }) => ({ at, caseId }));
    expect(kept).toEqual(expected);
    // Breached and never achieved before the close: measured and missed.
    expect(fold.attainment.get('first_reply')).toEqual({ met: 0, measured: 1000 });
    expect(fold.attainment.get('first_reply|voice')).toEqual({ met: 0, measured: 1000 });
  });
});
