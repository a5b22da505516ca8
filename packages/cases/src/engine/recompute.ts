import {
  type BusinessCalendarConfig,
  type Instant,
  parseInput,
  TenantIdSchema,
  ThreadlineError,
  toMillis,
} from '@threadline/core';
import { z } from 'zod';
import type { EscalationLadderInput } from '../escalation.js';
import { type RoutingRuleInput, resolveRoutingRules } from '../routingRules.js';
import type { SlaMetricInstance } from '../sla/metric.js';
import type { SlaPolicyInput } from '../sla/policy.js';
import type { CalendarLike } from '../sla/time.js';
import { type CaseSla, type SlaEmit, type SlaFact, SlaTracker } from '../sla/tracker.js';
import { buildRules, CalendarsSchema, toCalendars } from './config.js';
import { commit, queue } from './outbox.js';
import { type CaseEntry, type EngineState, entryOf, historyOf } from './state.js';

/** Options of `recompute`. */
export interface RecomputeOptions {
  /** The case's tenant (default `'default'`). */
  tenantId?: string;
  /** Policies to use instead of the engine's. */
  policies?: SlaPolicyInput[];
  /** Calendars to use instead of the engine's (same names replace, others are kept). */
  calendars?: Record<string, CalendarLike | BusinessCalendarConfig>;
  /** Escalation ladders to use instead of the engine's. */
  escalations?: EscalationLadderInput[];
  /**
   * `true`: the rules applied from the case's first event (history replayed under them).
   * `false` (default): history replayed under the engine's rules, then the given rules applied
   * now, as a live policy change would (paused time survives).
   */
  backdate?: boolean;
  /** Replay up to this instant (default: the clock's now). */
  until?: Instant;
  /**
   * Replace the case's live SLA state with the result (only with the engine's own rules, i.e. after
   * `updateRules`; no `policies`/`calendars`/`escalations` may be given). Publishes `sla.recomputed`.
   */
  apply?: boolean;
}

/** The result of `recompute`. */
export interface RecomputeResult {
  caseId: string;
  /** Every metric instance as it would be. */
  metrics: SlaMetricInstance[];
  /** The SLA and escalation events the replay produced (not published). */
  events: { type: string; at: number; payload: unknown }[];
  applied: boolean;
}

/** The rules `updateRules` takes (each optional; absent ones are kept). */
export interface CaseEngineRules {
  policies?: SlaPolicyInput[];
  calendars?: Record<string, CalendarLike | BusinessCalendarConfig>;
  escalations?: EscalationLadderInput[];
  routingRules?: RoutingRuleInput[];
}

const RecomputeOptionsSchema = z
  .object({
    policies: z.array(z.unknown()).optional(),
    calendars: CalendarsSchema.optional(),
    escalations: z.array(z.unknown()).optional(),
    backdate: z.boolean().optional(),
    until: z.union([z.date(), z.number().finite()]).optional(),
    apply: z.boolean().optional(),
    tenantId: TenantIdSchema.optional(),
  })
  .strict();

const RulesSchema = z
  .object({
    policies: z.array(z.unknown()).optional(),
    calendars: CalendarsSchema.optional(),
    escalations: z.array(z.unknown()).optional(),
    routingRules: z.array(z.unknown()).optional(),
  })
  .strict();

/** `recompute`: replays the case's history through the SLA tracker under (new) rules. */
export function recompute(s: EngineState, caseId: string, options: RecomputeOptions = {}): RecomputeResult {
  const o = parseInput(RecomputeOptionsSchema, options, 'recompute options');
  const entry = entryOf(s, caseId, o.tenantId);
  const backdate = o.backdate ?? false;
  const changesRules = o.policies !== undefined || o.calendars !== undefined || o.escalations !== undefined;
  if (o.apply === true && changesRules) {
    throw new ThreadlineError(
      'VALIDATION',
      'recompute with apply uses the engine rules: call updateRules first',
      {
        issues: [
          {
            path: ['apply'],
            message: 'cannot be combined with policies, calendars or escalations',
            code: 'invalid_combination',
          },
        ],
      },
    );
  }
  const until = o.until === undefined ? s.clock.now() : toMillis(o.until, 'until');
  const live = s.tracker.rules;
  const next = changesRules
    ? buildRules(
        { ...s.calendars, ...toCalendars(o.calendars ?? {}) },
        o.policies ?? s.policies,
        o.escalations ?? s.escalations,
      )
    : live;
  const events: RecomputeResult['events'] = [];
  const emit: SlaEmit = (type, _state, at, payload) => {
    events.push({ type, at, payload });
  };
  const tracker = new SlaTracker(backdate ? next : live, null, emit);
  const [first, ...rest] = historyOf(entry);
  const state = tracker.open(first as SlaFact);
  for (const fact of rest) tracker.apply(state, fact);
  if (!backdate && next !== live) {
    tracker.rules = next;
    tracker.apply(state, { at: Math.max(until, state.lastAt), case: state.case });
  }
  tracker.catchUp(state, until);
  const metrics = state.records.map((r) => r.toInstance());
  if (o.apply === true) {
    for (const r of entry.sla.live) if (r !== undefined) s.index.remove(r);
    entry.sla = adopt(s, state, entry);
    queue(s, 'sla.recomputed', entry.sla, until, { metrics, backdate });
    commit(s, entry);
  }
  return { caseId, metrics, events, applied: o.apply === true };
}

/** Makes a replayed case state the live one (used by `recompute` with `apply`). */
function adopt(s: EngineState, state: CaseSla, entry: CaseEntry): CaseSla {
  state.case = entry.sla.case;
  state.events = entry.sla.events;
  state.lastAt = Math.max(state.lastAt, entry.sla.lastAt);
  const fired = Math.max(state.firedAt ?? state.lastAt, entry.sla.firedAt ?? entry.sla.lastAt);
  state.firedAt = fired > state.lastAt ? fired : undefined;
  for (const r of state.live) if (r !== undefined && r.nextAt !== undefined) s.index.upsert(r);
  return state;
}

/** `updateRules`: validates every new rule first, then swaps them in. */
export function updateRules(s: EngineState, rules: CaseEngineRules): void {
  const r = parseInput(RulesSchema, rules, 'rules', 'CONFIG');
  const calendars = { ...s.calendars, ...toCalendars(r.calendars ?? {}) };
  const policies = r.policies ?? s.policies;
  const escalations = r.escalations ?? s.escalations;
  // Build everything first so a bad rule changes nothing.
  const built = buildRules(calendars, policies, escalations);
  const routing = r.routingRules === undefined ? s.routing : resolveRoutingRules(r.routingRules);
  s.calendars = calendars;
  s.policies = policies;
  s.escalations = escalations;
  s.routing = routing;
  s.tracker.rules = built;
}
