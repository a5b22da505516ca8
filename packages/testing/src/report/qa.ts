// QA for the report: sample solved cases people worked, assign reviewers, and review each sampled
// case with the scorecard, pre-filled from the insights QA signals of its transcript.
import {
  assignReviewers,
  type CaseSummary,
  createReview,
  sampleCases,
  suggestRatings,
} from '@threadline/cases';
import { createSequentialIds, ManualClock } from '@threadline/core';
import { analyzeQa, scoreQaRubric } from '@threadline/insights';
import { buildQa } from '../center/config.js';
import type { DayResult } from '../day/types.js';
import type { DayReport } from './types.js';
import { round } from './util.js';

/** Runs the day's QA: sampling, reviewer assignment and scorecard reviews. */
export function runQa(day: DayResult, caseBreached: Map<string, boolean>): DayReport['qa'] {
  const { rubric, scorecard } = buildQa();
  const csatByCase = new Map<string, number>();
  for (const r of day.interactions) if (r.csat !== undefined) csatByCase.set(r.caseId, r.csat);
  const summaries: CaseSummary[] = [];
  for (const [caseId, agentId] of day.caseAgent) {
    const c = day.cases.getCase(caseId);
    if (c === undefined) {
      // Auto-closed and folded: its summary was taken as it closed.
      const folded = day.closedCases?.qa.get(caseId);
      if (folded !== undefined) summaries.push(folded);
      continue;
    }
    // Solved, or solved and then closed by the auto-close.
    if (c.status !== 'solved' && c.status !== 'closed') continue;
    const score = csatByCase.get(caseId);
    summaries.push({
      id: caseId,
      agentId,
      breached: caseBreached.get(caseId) ?? false,
      escalated: day.escalatedCases.has(caseId),
      reopened: day.reopenedCases.has(caseId),
      ...(score === undefined ? {} : { csat: score }),
    });
  }
  const sample = sampleCases(summaries, {
    seed: day.options.seed,
    rules: [
      { type: 'escalated', limit: 60 },
      { type: 'breached', limit: 60 },
      { type: 'reopened', limit: 40 },
      { type: 'low_csat', max: 2, limit: 40 },
      { type: 'random', rate: 0.005 },
    ],
    perAgent: 2,
    limit: 250,
  });
  const reviewers = Array.from({ length: 8 }, (_, i) => ({ id: `qa-${i + 1}` }));
  const { assignments } = assignReviewers(
    sample.sampled.map((s) => ({
      caseId: s.caseId,
      ...(s.agentId === undefined ? {} : { agentId: s.agentId }),
    })),
    reviewers,
    { strategy: 'least_loaded' },
  );
  const ctx = { clock: new ManualClock(day.endedAt), ids: createSequentialIds() };
  let passed = 0;
  let scored = 0;
  let sum = 0;
  let critical = 0;
  for (const a of assignments) {
    const conversation = day.caseConversation.get(a.caseId);
    const messages = (conversation === undefined ? [] : (day.transcripts.get(conversation) ?? [])).map(
      (m) => ({ speaker: m.speaker, text: m.text, at: m.at }),
    );
    if (messages.length === 0 || a.agentId === undefined) continue;
    const card = scoreQaRubric(analyzeQa(messages), rubric);
    // QaEvidence is a plain object, but its interface lacks the index signature RubricSignal wants.
    const { ratings } = suggestRatings(
      scorecard,
      card.criteria.map((c) => ({
        criterionId: c.criterionId,
        met: c.met,
        evidence: c.evidence.map((e) => ({ ...e })),
      })),
    );
    const review = createReview(
      scorecard,
      { caseId: a.caseId, agentId: a.agentId, reviewerId: a.reviewerId, ratings },
      ctx,
    );
    scored++;
    if (review.result.passed) passed++;
    if (review.result.failedCritical.length > 0) critical++;
    sum += review.result.score ?? 0;
  }
  return {
    considered: sample.considered,
    sampled: sample.sampled.length,
    byRule: sample.byRule,
    reviewers: reviewers.length,
    passRate: scored === 0 ? null : round(passed / scored),
    meanScore: scored === 0 ? null : round(sum / scored, 1),
    criticalFailures: critical,
  };
}
