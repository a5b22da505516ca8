import { parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { type Case, caseRuleView } from './case.js';
import { type Condition, ConditionSchema, compileCondition } from './condition.js';

/**
 * Zod schema for a rule-triggered escalation to a specialist team, e.g.
 * `{ id: 'security', when: 'case.type == "security"', team: 'security', reason: 'security issue' }`.
 */
export const RoutingRuleSchema = z
  .object({
    id: z.string().min(1).max(200),
    /** Condition over `case.*` and `customer.*`. */
    when: ConditionSchema,
    /** The specialist team that takes ownership. */
    team: z.string().min(1).max(200),
    /** Why (recorded on the case, in the audit trail and in the event). */
    reason: z.string().min(1).max(2000),
    /** New assignee; default `null` (the team picks). */
    assignee: z.string().min(1).max(200).nullable().optional(),
  })
  .strict();

/** A routing rule as configured. */
export type RoutingRuleInput = z.input<typeof RoutingRuleSchema>;

/** A validated, compiled routing rule. */
export interface ResolvedRoutingRule {
  id: string;
  matches: Condition;
  team: string;
  reason: string;
  assignee: string | null;
}

/**
 * Validates and compiles routing rules (ordered; first match wins).
 *
 * @example
 * ```ts
 * resolveRoutingRules([{ id: 'sec', when: 'case.type == "security"', team: 'security', reason: 'security issue' }]);
 * ```
 */
export function resolveRoutingRules(input: unknown): ResolvedRoutingRule[] {
  const list = parseInput(z.array(RoutingRuleSchema), input, 'routing rules', 'CONFIG');
  const seen = new Set<string>();
  return list.map((r, i) => {
    if (seen.has(r.id)) {
      throw new ThreadlineError('CONFIG', `Duplicate routing rule id "${r.id}"`, {
        issues: [{ path: ['routingRules', i, 'id'], message: 'duplicate rule id', code: 'duplicate' }],
      });
    }
    seen.add(r.id);
    return {
      id: r.id,
      matches: compileCondition(r.when, ['routingRules', i, 'when']),
      team: r.team,
      reason: r.reason,
      assignee: r.assignee ?? null,
    };
  });
}

/**
 * The rule that should move this case now: the first matching rule that has not fired on the
 * case before and whose team differs from the current one. Each rule fires at most once per
 * case, so a later manual reassignment sticks.
 */
export function pickRoutingRule(
  rules: readonly ResolvedRoutingRule[],
  c: Case,
): ResolvedRoutingRule | undefined {
  if (rules.length === 0 || c.status === 'solved' || c.status === 'closed') return undefined;
  const ctx = { case: caseRuleView(c), customer: c.customer as Record<string, unknown> };
  for (const rule of rules) {
    if (!rule.matches(ctx)) continue;
    // First match wins: if it already fired or the case is already with that team, stop here.
    if (c.escalations.some((e) => e.rule === rule.id) || c.team === rule.team) return undefined;
    return rule;
  }
  return undefined;
}
