import { createRandom, issuesFromZod, parseInput, validationError } from '@threadline/core';
import { z } from 'zod';

/**
 * What sampling needs to know about a case. Extra fields are allowed and ignored, so the engine's
 * case documents (or any host projection) can be passed as they are.
 */
export const CaseSummarySchema = z
  .object({
    id: z.string().min(1),
    /** The agent whose work would be reviewed. */
    agentId: z.string().min(1).optional(),
    breached: z.boolean().optional(),
    escalated: z.boolean().optional(),
    /** Customer satisfaction rating (any scale; rules compare it to their own threshold). */
    csat: z.number().finite().optional(),
    reopened: z.boolean().optional(),
  })
  .loose();

/** What sampling needs to know about a case (extra fields allowed). */
export type CaseSummary = z.input<typeof CaseSummarySchema>;

const RuleBase = {
  /** Name reported in the sample's reasons; defaults to the rule type. */
  id: z.string().min(1).optional(),
  /** At most this many cases are sampled because of this rule. */
  limit: z.number().int().nonnegative().optional(),
};

/** One sampling rule (JSON form). */
export const SamplingRuleSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('random'),
      ...RuleBase,
      /** Probability (0–1) that any one case is drawn. Give `rate` or `count`. */
      rate: z.number().min(0).max(1).optional(),
      /** Draw exactly this many cases (or all when fewer): the ones with the lowest draws. */
      count: z.number().int().nonnegative().optional(),
      /** Seed for this rule; defaults to the plan's seed. */
      seed: z.number().int().optional(),
    })
    .strict()
    .refine((r) => (r.rate === undefined) !== (r.count === undefined), {
      message: 'give exactly one of rate or count',
      path: ['rate'],
    }),
  z.object({ type: z.literal('breached'), ...RuleBase }).strict(),
  z.object({ type: z.literal('escalated'), ...RuleBase }).strict(),
  z.object({ type: z.literal('reopened'), ...RuleBase }).strict(),
  z
    .object({
      type: z.literal('low_csat'),
      ...RuleBase,
      /** Cases whose `csat` is at most this value are sampled (e.g. 2 on a 1–5 scale). */
      max: z.number().finite(),
    })
    .strict(),
]);

/** A sampling plan: rules (a case is sampled when any rule picks it), a seed and limits. */
export const SamplingPlanSchema = z
  .object({
    rules: z.array(SamplingRuleSchema).min(1),
    /** Seed of `random` rules without their own seed. Default 0. */
    seed: z.number().int().default(0),
    /** At most this many cases in total. */
    limit: z.number().int().nonnegative().optional(),
    /** At most this many cases per agent. */
    perAgent: z.number().int().nonnegative().optional(),
    /** Case ids never sampled (e.g. already reviewed). */
    exclude: z.array(z.string()).default([]),
  })
  .strict();

/** One sampling rule. */
export type SamplingRule = z.input<typeof SamplingRuleSchema>;
/** A sampling plan (JSON form). */
export type SamplingPlan = z.input<typeof SamplingPlanSchema>;

/** Why a case was sampled: the rule and a human-readable explanation. */
export interface SampleReason {
  /** The rule's `id` (or its type). */
  readonly rule: string;
  readonly type: SamplingRule['type'];
  readonly detail: string;
}

/** A sampled case with every rule that picked it. */
export interface SampledCase {
  readonly caseId: string;
  readonly agentId?: string;
  readonly reasons: readonly SampleReason[];
}

/** A case some rule picked but a limit left out. */
export interface SkippedCase {
  readonly caseId: string;
  readonly reasons: readonly SampleReason[];
  readonly skippedBecause: 'limit' | 'per_agent' | 'rule_limit';
}

/** The outcome of {@link sampleCases}. */
export interface SampleResult {
  /** Sampled cases in input order. */
  readonly sampled: readonly SampledCase[];
  /** Cases a rule picked but a limit dropped, so nothing vanishes unexplained. */
  readonly skipped: readonly SkippedCase[];
  /** Cases considered (input minus excluded). */
  readonly considered: number;
  /** Sampled-case count per rule name (a case picked by two rules counts for both). */
  readonly byRule: Readonly<Record<string, number>>;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash of a case id. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The random draw of one case under a seed: a number in [0, 1) that depends only on the seed and the
 * case id, so it does not change with input order or with which other cases are in the batch.
 *
 * @example
 * ```ts
 * sampleDraw(42, 'case-1') < 0.05; // is case-1 in a 5 % sample with seed 42?
 * ```
 */
export function sampleDraw(seed: number, caseId: string): number {
  return createRandom((Math.imul(seed | 0, 0x9e3779b1) ^ hashString(caseId)) >>> 0).next();
}

const fmt = (x: number) => (Math.round(x * 10_000) / 10_000).toString();

/**
 * Picks cases for QA review. Rules compose as a union: a case is sampled when any rule picks it, and
 * its `reasons` list every rule that did, in rule order. Rules: `random` (a `rate` or an exact
 * `count`, seeded — same seed, same sample, whatever the input order), `breached`, `escalated`,
 * `low_csat` (`csat <= max`), `reopened`. Limits apply in rule order (earlier rules win), then by
 * draw: `limit` per rule, `perAgent`, total `limit`. Deterministic. Bad input is a `VALIDATION` error
 * naming the field (`['cases', 3, 'id']`, `['rules', 0, 'rate']`).
 *
 * @example
 * ```ts
 * const { sampled } = sampleCases(closedCases, {
 *   seed: 2026,
 *   rules: [{ type: 'breached' }, { type: 'low_csat', max: 2 }, { type: 'random', rate: 0.05 }],
 *   perAgent: 5,
 * });
 * sampled[0]; // { caseId: 'c-17', agentId: 'a-3', reasons: [{ rule: 'breached', type: 'breached', detail: 'SLA breached' }] }
 * ```
 */
export function sampleCases(cases: readonly CaseSummary[], plan: SamplingPlan): SampleResult {
  const p = parseInput(SamplingPlanSchema, plan, 'sampling plan');
  const parsedCases = z.array(CaseSummarySchema).safeParse(cases);
  if (!parsedCases.success)
    throw validationError('cases', issuesFromZod(parsedCases.error.issues, ['cases']));
  const list = parsedCases.data;
  const excluded = new Set(p.exclude);
  const rules = p.rules.map((r, i) => ({ ...r, name: r.id ?? r.type, index: i }));
  const nameCounts = new Map<string, number>();
  for (const r of rules) nameCounts.set(r.name, (nameCounts.get(r.name) ?? 0) + 1);
  // Two rules with the same name would be indistinguishable in reasons and byRule: suffix them.
  for (const r of rules) if ((nameCounts.get(r.name) ?? 0) > 1) r.name = `${r.name}#${r.index}`;

  const ruleByName = new Map(rules.map((r) => [r.name, r]));
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (seen.has(c.id)) {
      throw validationError('cases', [
        { path: ['cases', i, 'id'], message: `duplicate case id "${c.id}"`, code: 'duplicate_id' },
      ]);
    }
    seen.add(c.id);
  });
  const considered = list.filter((c) => !excluded.has(c.id));
  // Exact-count random rules pick the `count` lowest draws.
  const countCutoff = new Map<number, Set<string>>();
  for (const r of rules) {
    if (r.type !== 'random' || r.count === undefined) continue;
    const seed = r.seed ?? p.seed;
    const ranked = considered
      .map((c) => ({ id: c.id, d: sampleDraw(seed, c.id) }))
      .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    countCutoff.set(r.index, new Set(ranked.slice(0, r.count).map((x) => x.id)));
  }

  interface Candidate {
    position: number;
    c: (typeof considered)[number];
    reasons: SampleReason[];
    firstRule: number;
    draw: number;
  }
  const candidates: Candidate[] = [];
  considered.forEach((c, position) => {
    const reasons: SampleReason[] = [];
    let firstRule = -1;
    for (const r of rules) {
      let detail: string | undefined;
      switch (r.type) {
        case 'random': {
          const d = sampleDraw(r.seed ?? p.seed, c.id);
          if (r.count !== undefined) {
            if (countCutoff.get(r.index)?.has(c.id))
              detail = `random draw ${fmt(d)} among the ${r.count} lowest`;
          } else if (d < (r.rate ?? 0)) {
            detail = `random draw ${fmt(d)} < rate ${r.rate}`;
          }
          break;
        }
        case 'breached':
          if (c.breached === true) detail = 'SLA breached';
          break;
        case 'escalated':
          if (c.escalated === true) detail = 'escalated';
          break;
        case 'reopened':
          if (c.reopened === true) detail = 'reopened';
          break;
        case 'low_csat':
          if (c.csat !== undefined && c.csat <= r.max) detail = `CSAT ${c.csat} <= ${r.max}`;
          break;
      }
      if (detail !== undefined) {
        if (firstRule < 0) firstRule = r.index;
        reasons.push({ rule: r.name, type: r.type, detail });
      }
    }
    if (reasons.length > 0)
      candidates.push({ position, c, reasons, firstRule, draw: sampleDraw(p.seed, c.id) });
  });

  // Limits: earlier rules first, then by the plan-seed draw (a fair, input-order-free tiebreak).
  const ordered = [...candidates].sort(
    (a, b) =>
      a.firstRule - b.firstRule || a.draw - b.draw || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0),
  );
  const ruleTaken = new Map<string, number>();
  const agentTaken = new Map<string, number>();
  const accepted = new Set<Candidate>();
  const skipped: { cand: Candidate; because: SkippedCase['skippedBecause'] }[] = [];
  for (const cand of ordered) {
    // Rule limits: keep only the reasons whose rule still has room; drop the case if none do.
    const kept = cand.reasons.filter((reason) => {
      const rule = ruleByName.get(reason.rule)!;
      return rule.limit === undefined || (ruleTaken.get(rule.name) ?? 0) < rule.limit;
    });
    if (kept.length === 0) {
      skipped.push({ cand, because: 'rule_limit' });
      continue;
    }
    if (p.perAgent !== undefined && cand.c.agentId !== undefined) {
      if ((agentTaken.get(cand.c.agentId) ?? 0) >= p.perAgent) {
        skipped.push({ cand, because: 'per_agent' });
        continue;
      }
    }
    if (p.limit !== undefined && accepted.size >= p.limit) {
      skipped.push({ cand, because: 'limit' });
      continue;
    }
    cand.reasons = kept;
    accepted.add(cand);
    for (const reason of kept) ruleTaken.set(reason.rule, (ruleTaken.get(reason.rule) ?? 0) + 1);
    if (cand.c.agentId !== undefined)
      agentTaken.set(cand.c.agentId, (agentTaken.get(cand.c.agentId) ?? 0) + 1);
  }

  const sampled = candidates
    .filter((cand) => accepted.has(cand))
    .map((cand) => ({
      caseId: cand.c.id,
      ...(cand.c.agentId === undefined ? {} : { agentId: cand.c.agentId }),
      reasons: cand.reasons,
    }));
  const byRule: Record<string, number> = {};
  for (const r of rules) byRule[r.name] = ruleTaken.get(r.name) ?? 0;
  return {
    sampled,
    skipped: skipped
      .sort((a, b) => a.cand.position - b.cand.position)
      .map(({ cand, because }) => ({ caseId: cand.c.id, reasons: cand.reasons, skippedBecause: because })),
    considered: considered.length,
    byRule,
  };
}
