import { ChannelSchema, DurationSchema } from '@threadline/core';
import { z } from 'zod';

const Id = z.string().min(1).max(200);
const Expr = z.string().min(1).max(10_000);
const Pattern = z.string().min(1).max(200);
const Patterns = z.union([Pattern, z.array(Pattern).min(1).max(100)]);
const Template = z.string().min(1).max(100_000);
/** A dotted path into an event (`payload.customerId`). */
const EventPath = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[A-Za-z_$][\w$]*(\.[\w$]+)*$/, 'expected a dotted path such as payload.customerId');

/** Zod schema for a journey's trigger: the event that enters a customer. */
export const JourneyTriggerSchema = z
  .object({
    /** Event types or patterns (`order.shipped`, `outage.*`). */
    on: Patterns,
    /** A condition in core's rule language over `{ event, payload }`. */
    when: Expr.optional(),
    /** Where the customer id is in the event (default `payload.customerId`). */
    customer: EventPath.default('payload.customerId'),
    /**
     * Values kept with the customer's journey, read from the trigger event: name → path
     * (`{ region: 'payload.region' }`). Branches read them as `data.region`, templates as
     * `{{data.region}}`. Keep this small: it is stored per customer.
     */
    capture: z.record(Id, EventPath).default({}),
  })
  .strict();

/** Zod schema for the goal: an event for the customer that ends the journey (converted). */
export const JourneyGoalSchema = z
  .object({
    on: Patterns,
    when: Expr.optional(),
    customer: EventPath.default('payload.customerId'),
  })
  .strict();

/** Zod schema for a send's content: text (a `{{path}}` template over `{ data, customerId, journey }`), optional subject. */
export const JourneyContentSchema = z
  .object({
    text: Template,
    subject: Template.optional(),
  })
  .strict();

/**
 * Zod schema for quiet hours: a send reached outside the open periods of a business calendar (the
 * hours sending is allowed) waits until the next opening, then sends.
 */
export const JourneyQuietHoursSchema = z
  .object({
    /** The sending hours: a name from the engine's `calendars`. Outside its open periods is quiet. */
    calendar: Id,
    /**
     * Where the customer's IANA time zone is, as a path over `{ data, customerId, journey }`
     * (`data.timeZone`, captured from the trigger). The calendar's hours then apply in that zone;
     * a missing or unknown zone keeps the calendar's own.
     */
    zoneFrom: EventPath.optional(),
  })
  .strict();

/** A wait's length: a duration, optionally counted on a named business calendar. */
const WaitDuration = z
  .object({
    type: z.literal('wait'),
    id: Id,
    /** Milliseconds or `{ days, hours, minutes, seconds }`. */
    duration: z.union([
      z.number().finite().nonnegative(),
      z
        .object({
          days: z.number().finite().nonnegative().optional(),
          hours: z.number().finite().nonnegative().optional(),
          minutes: z.number().finite().nonnegative().optional(),
          seconds: z.number().finite().nonnegative().optional(),
        })
        .strict(),
    ]),
    /**
     * Count the duration in business time on this calendar (a name from the engine's
     * `calendars`): `{ days: 2 }` is two business days at the same wall-clock time, hours and
     * minutes count open time only.
     */
    calendar: Id.optional(),
    next: Id.optional(),
  })
  .strict();

/** Zod schema for one journey step (discriminated by `type`). */
export const JourneyStepSchema = z.discriminatedUnion('type', [
  WaitDuration,
  z
    .object({
      type: z.literal('wait_for'),
      id: Id,
      /** The event (for the same customer) that ends the wait. */
      event: Patterns,
      when: Expr.optional(),
      customer: EventPath.default('payload.customerId'),
      /** How long to wait for it (ms or `{ days, hours, … }`). */
      timeout: DurationSchema,
      /** Where to go when the event arrives (default: the next step). */
      onEvent: Id.optional(),
      /** Where to go on timeout (default: the next step). */
      onTimeout: Id.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('send'),
      id: Id,
      /**
       * Channels in order of preference: the next is tried when a send fails, the customer has
       * no consent or address for it, or it is their quiet hours (`['whatsapp', 'sms', 'email']`).
       */
      channels: z.array(ChannelSchema).min(1).max(10),
      content: JourneyContentSchema,
      /** The consent purpose checked (default `marketing`). */
      purpose: z.string().min(1).max(100).default('marketing'),
      /** Quiet hours for this send (default: the journey's); `false`: none, even if the journey has them. */
      quietHours: z.union([JourneyQuietHoursSchema, z.literal(false)]).optional(),
      next: Id.optional(),
      /** Where to go when no channel could send (default: `next`). */
      onFailure: Id.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('branch'),
      id: Id,
      /** First case whose condition (rule language over `{ data, customerId, journey }`) holds wins. */
      cases: z
        .array(z.object({ when: Expr, next: Id }).strict())
        .min(1)
        .max(100),
      /** Where to go when no case holds (default: the next step). */
      otherwise: Id.optional(),
    })
    .strict(),
  z.object({ type: z.literal('exit'), id: Id }).strict(),
]);

/** Zod schema for an A/B split with a holdout. */
export const JourneySplitSchema = z
  .object({
    /** Seed of the deterministic assignment (same seed and customer id → same group). */
    seed: z.union([z.string().min(1).max(200), z.number().int()]),
    /** Share of entering customers held out (they receive nothing): 0–0.9. */
    holdout: z.number().min(0).max(0.9),
    /** Variants and their relative weights; each may start at its own step. */
    variants: z
      .array(
        z.object({ id: Id, weight: z.number().positive().max(1_000_000), start: Id.optional() }).strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

/** Zod schema for re-entry: may a customer who left the journey enter it again? */
export const JourneyReentrySchema = z.union([
  z.literal('never'),
  z.literal('after_exit'),
  z.object({ after: DurationSchema }).strict(),
]);

/** Zod schema for a journey definition (data, versioned). */
export const JourneyDefinitionSchema = z
  .object({
    id: Id,
    /** Positive integer; a new version takes new entries, customers already in keep theirs. */
    version: z.number().int().min(1).max(1_000_000),
    /** Only this tenant's events enter customers; without it, every tenant's do. */
    tenantId: z.string().min(1).max(200).optional(),
    trigger: JourneyTriggerSchema,
    goal: JourneyGoalSchema.optional(),
    /** `never` (default): once per customer and journey; `after_exit`; or `{ after }` a duration since the last entry. */
    reentry: JourneyReentrySchema.default('never'),
    split: JourneySplitSchema.optional(),
    /** Quiet hours for every send step that does not set its own. */
    quietHours: JourneyQuietHoursSchema.optional(),
    /** The first step (default: the first in `steps`). */
    start: Id.optional(),
    /** Steps; a step without `next` continues with the following one, the last one exits. */
    steps: z.array(JourneyStepSchema).min(1).max(1_000),
    enabled: z.boolean().default(true),
  })
  .strict();

/** A journey as written (see {@link JourneyDefinitionSchema}). */
export type JourneyDefinition = z.input<typeof JourneyDefinitionSchema>;
/** A journey after validation (defaults applied). */
export type ParsedJourneyDefinition = z.output<typeof JourneyDefinitionSchema>;
/** One step as written. */
export type JourneyStep = z.input<typeof JourneyStepSchema>;
/** Quiet hours as written. */
export type JourneyQuietHours = z.input<typeof JourneyQuietHoursSchema>;
/** One step after validation. */
export type ParsedJourneyStep = z.output<typeof JourneyStepSchema>;
