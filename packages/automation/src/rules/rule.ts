import { z } from 'zod';

const Template = z.string().min(1).max(10_000);

/** Zod schema for one automation action (discriminated by `type`). */
export const AutomationActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tag'), tags: z.array(z.string().min(1).max(200)).min(1).max(100) }).strict(),
  z
    .object({ type: z.literal('set_priority'), priority: z.number().int().min(-1_000_000).max(1_000_000) })
    .strict(),
  z.object({ type: z.literal('route'), queueId: z.string().min(1).max(200) }).strict(),
  z
    .object({
      type: z.literal('reply'),
      /** Text with `{{path}}` placeholders read from the rule context (`{{payload.subject}}`). */
      template: Template,
      channel: z.string().min(1).max(50).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('open_case'),
      subject: Template,
      priority: z.string().min(1).max(50).optional(),
      queueId: z.string().min(1).max(200).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('update_case'),
      /** Template of the case id (default: the event's aggregate id). */
      caseId: Template.optional(),
      /** Fields to change; string values are templates. */
      changes: z.record(z.string().min(1), z.unknown()),
    })
    .strict(),
  z
    .object({
      type: z.literal('escalate'),
      reason: z.string().min(1).max(2000).optional(),
      queueId: z.string().min(1).max(200).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('call'),
      /** Name of a host action given in the engine's `hostActions`. */
      action: z.string().min(1).max(200),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
]);

/** One action of an automation rule. */
export type AutomationAction = z.output<typeof AutomationActionSchema>;

/** Every action type. */
export type AutomationActionType = AutomationAction['type'];

/** Zod schema for an automation rule. */
export const AutomationRuleSchema = z
  .object({
    id: z.string().min(1).max(200),
    /** Only events of this tenant fire the rule; without it, every tenant's events do. */
    tenantId: z.string().min(1).max(200).optional(),
    /** Event types or patterns (`case.opened`, `case.*`, `*`) that trigger the rule. */
    on: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(100)]),
    /** A condition in the rule language over `{ event, payload }`; without it the rule always matches. */
    when: z.string().min(1).max(10_000).optional(),
    actions: z.array(AutomationActionSchema).min(1).max(50),
    /** When this rule fires, later rules are not evaluated for the same event. */
    stop: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .strict();

/** An automation rule as written (see {@link AutomationRuleSchema}). */
export type AutomationRule = z.input<typeof AutomationRuleSchema>;

/** An automation rule after validation (defaults applied). */
export type ParsedAutomationRule = z.output<typeof AutomationRuleSchema>;

/** True when an event type matches a rule pattern (`a.b`, `a.*`, `*`). */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
