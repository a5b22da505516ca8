import { DurationSchema, parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { CASE_PRIORITIES, type CasePriority, CasePrioritySchema } from './case.js';
import { type Condition, ConditionSchema, compileCondition } from './condition.js';
import { SLA_METRICS, type SlaMetricName } from './sla/metric.js';
import type { TimeMeasures } from './sla/time.js';

/** Zod schema for one escalation action (executed by the host when the event arrives). */
export const EscalationActionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('notify'),
      recipients: z
        .array(z.object({ id: z.string().min(1), calendar: z.string().min(1).optional() }).strict())
        .min(1),
      channel: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('reassign'),
      assignee: z.string().min(1).optional(),
      team: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ type: z.literal('raise_priority'), to: CasePrioritySchema.optional() }).strict(),
  z.object({ type: z.literal('add_team'), team: z.string().min(1) }).strict(),
]);

/** An escalation action as configured. */
export type EscalationActionInput = z.input<typeof EscalationActionSchema>;

/** Zod schema for an escalation ladder. */
export const EscalationLadderSchema = z
  .object({
    id: z.string().min(1).max(200),
    metric: z.enum(SLA_METRICS),
    /** Condition over `case.*` and `customer.*`, evaluated when the metric instance starts. */
    when: ConditionSchema.optional(),
    levels: z
      .array(
        z
          .object({
            /** Fire this long before the due instant. */
            before: DurationSchema.optional(),
            /** Fire this long after the due instant (omit both: at the breach). */
            after: DurationSchema.optional(),
            actions: z.array(EscalationActionSchema).min(1),
          })
          .strict()
          .refine((l) => l.before === undefined || l.after === undefined, {
            message: 'give before or after, not both',
          }),
      )
      .min(1),
  })
  .strict();

/** An escalation ladder as configured. */
export type EscalationLadderInput = z.input<typeof EscalationLadderSchema>;

/** A resolved action, as carried by `escalation.triggered`. */
export type EscalationAction =
  | {
      type: 'notify';
      channel?: string;
      /** Each recipient with the instant the notification should be delivered (their next business moment). */
      recipients: { id: string; calendar?: string; deliverAt: number }[];
    }
  | { type: 'reassign'; assignee?: string; team?: string }
  | { type: 'raise_priority'; from: CasePriority; to: CasePriority }
  | { type: 'add_team'; team: string };

/** A validated, compiled escalation ladder. */
export interface ResolvedLadder {
  id: string;
  metric: SlaMetricName;
  matches: Condition;
  /** Offsets from the due instant in ms (negative: before), non-decreasing. */
  offsets: number[];
  actions: z.output<typeof EscalationActionSchema>[][];
}

/**
 * Validates and compiles escalation ladders. Levels must be ordered by offset; recipient
 * calendars must exist. Throws `CONFIG` naming the bad field.
 *
 * @example
 * ```ts
 * resolveLadders([{ id: 'reply', metric: 'first_reply', levels: [{ before: { minutes: 15 }, actions: [{ type: 'notify', recipients: [{ id: 'lead' }] }] }] }], measures);
 * ```
 */
export function resolveLadders(input: unknown, measures: TimeMeasures): ResolvedLadder[] {
  const list = parseInput(z.array(EscalationLadderSchema), input, 'escalation ladders', 'CONFIG');
  return list.map((l, i) => {
    const offsets = l.levels.map((level) =>
      level.before !== undefined ? -level.before : (level.after ?? 0),
    );
    for (let k = 1; k < offsets.length; k++) {
      if ((offsets[k] as number) < (offsets[k - 1] as number)) {
        throw new ThreadlineError('CONFIG', `Escalation ladder "${l.id}": levels must be ordered by time`, {
          issues: [
            {
              path: ['escalations', i, 'levels', k],
              message: 'fires before the previous level',
              code: 'unordered',
            },
          ],
        });
      }
    }
    for (const [k, level] of l.levels.entries()) {
      for (const [j, a] of level.actions.entries()) {
        if (a.type !== 'notify') continue;
        for (const [n, r] of a.recipients.entries()) {
          if (r.calendar !== undefined && measures.calendar(r.calendar) === undefined) {
            throw new ThreadlineError('CONFIG', `Unknown calendar "${r.calendar}" in ladder "${l.id}"`, {
              issues: [
                {
                  path: ['escalations', i, 'levels', k, 'actions', j, 'recipients', n, 'calendar'],
                  message: `no calendar named "${r.calendar}"`,
                  code: 'unknown_calendar',
                },
              ],
            });
          }
        }
      }
    }
    return {
      id: l.id,
      metric: l.metric,
      matches: l.when === undefined ? () => true : compileCondition(l.when, ['escalations', i, 'when']),
      offsets,
      actions: l.levels.map((level) => level.actions),
    };
  });
}

/** Raises a priority by one step (capped at `urgent`). */
export function raisePriority(p: CasePriority): CasePriority {
  const i = CASE_PRIORITIES.indexOf(p);
  return CASE_PRIORITIES[Math.min(CASE_PRIORITIES.length - 1, i + 1)] as CasePriority;
}

/**
 * Turns a level's configured actions into the payload the host executes: notification delivery
 * instants respect each recipient's calendar (the next business moment at or after `at`).
 */
export function resolveActions(
  actions: readonly z.output<typeof EscalationActionSchema>[],
  at: number,
  priority: CasePriority,
  measures: TimeMeasures,
): EscalationAction[] {
  return actions.map((a): EscalationAction => {
    switch (a.type) {
      case 'notify': {
        const recipients = a.recipients.map((r) => {
          const cal = r.calendar === undefined ? undefined : measures.calendar(r.calendar);
          const deliverAt = cal === undefined ? at : cal.addBusinessTime(at, 0, 'seconds').getTime();
          return r.calendar === undefined
            ? { id: r.id, deliverAt }
            : { id: r.id, calendar: r.calendar, deliverAt };
        });
        return a.channel === undefined
          ? { type: 'notify', recipients }
          : { type: 'notify', channel: a.channel, recipients };
      }
      case 'reassign': {
        const out: EscalationAction = { type: 'reassign' };
        if (a.assignee !== undefined) out.assignee = a.assignee;
        if (a.team !== undefined) out.team = a.team;
        return out;
      }
      case 'raise_priority':
        return { type: 'raise_priority', from: priority, to: a.to ?? raisePriority(priority) };
      default:
        return { type: 'add_team', team: a.team };
    }
  });
}
