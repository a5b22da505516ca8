import {
  BusinessCalendar,
  type BusinessCalendarConfig,
  type Clock,
  type DeliveryErrorHandler,
  type DocumentStore,
  type EventBus,
  type IdGenerator,
  isThreadlineError,
  resolveDocumentStoreOption,
  type Telemetry,
  type TelemetryAttributes,
  TelemetrySchema,
  ThreadlineError,
  type ThreadlineStorage,
} from '@threadline/core';
import { z } from 'zod';
import { type EscalationLadderInput, resolveLadders } from '../escalation.js';
import type { CaseEngineEvent } from '../events.js';
import type { RoutingRuleInput } from '../routingRules.js';
import { resolvePolicies, type SlaPolicyInput } from '../sla/policy.js';
import { type CalendarLike, TimeMeasures } from '../sla/time.js';
import type { SlaRules } from '../sla/tracker.js';

/** Options of {@link createCaseEngine}. */
export interface CaseEngineOptions {
  /** Time source; the engine never reads the system time itself. */
  clock: Clock;
  /** Id generator for cases and events (default: time-ordered ids from `clock`). */
  ids?: IdGenerator;
  /**
   * Named business calendars: `BusinessCalendar` instances (or anything with the same two methods)
   * or their JSON configurations (`{ timeZone, hours, shifts?, breaks?, holidays? }`).
   */
  calendars: Record<string, CalendarLike | BusinessCalendarConfig>;
  /** SLA policies, ordered: the first whose condition matches applies. */
  policies: SlaPolicyInput[];
  /** Escalation ladders per metric, ordered: the first matching ladder applies. */
  escalations?: EscalationLadderInput[];
  /** Rule-triggered escalations to specialist teams, ordered: first match wins. */
  routingRules?: RoutingRuleInput[];
  /**
   * Where case documents are persisted (collection `cases` of its document store): the storage
   * bundle of `createMemoryStorage()` or `createPostgresStorage()`. State stays in memory either way.
   */
  storage?: ThreadlineStorage;
  /**
   * A document store alone, used as `storage.documents` would be.
   * @deprecated Pass `storage` (the `{ documents, events, outbox }` bundle) instead.
   */
  store?: DocumentStore;
  /**
   * Where events go; default an in-process bus (see `subscribe`). A publish that throws or
   * rejects never fails the command: it is counted in `stats().publishFailures` and passed to
   * `onError`.
   */
  bus?: EventBus;
  /**
   * Called when the bus refuses a publish or a subscriber throws or rejects, after the command
   * that produced the events has been applied. Failures never make a command throw nor stop
   * delivery to the other subscribers; they are also counted in `stats()`.
   */
  onError?: DeliveryErrorHandler<CaseEngineEvent>;
  /**
   * With a transactional `storage`: whether a closed case leaves memory once its closing change
   * committed (default `true`). It is then loaded on demand (`loadCase`, `readCase`, `readAudit`).
   * Without storage (or with a store alone) nothing is evicted: memory is the only copy.
   */
  evictClosed?: boolean;
  /**
   * Without transactional storage (memory only, or a store alone): whether a closed case stays in
   * memory (default `true`: memory is the only copy the sync reads see). `false` suits long
   * simulations and test harnesses: a closed case whose SLA is final (no deadline left) leaves
   * memory once its closing change is published (and, with a store, its document written), so
   * memory grows with open and solved cases, not with every case ever closed. `getCase` then
   * returns `undefined` for it, commands on it are `NOT_FOUND`, and `stats().evicted` counts it.
   * Ignored in durable mode (see `evictClosed`).
   */
  retainClosed?: boolean;
  /**
   * Names this engine among engines that share one tenant's storage, e.g. one per partition of
   * the cases (`'p3'`): its persisted counters (the metric sequence counter, `case_counters`) are
   * kept in rows of its own (`sla-seq:<engineId>`), so engines committing concurrently never
   * write, nor recover from, each other's counter. Letters, digits, `_`, `.`, `:` and `-`; default
   * none (row `sla-seq`). A recovering engine must be given the same `engineId` as the one it
   * replaces.
   */
  engineId?: string;
  /**
   * Tracing and metrics (default: none): a span and a `threadline.commands` count per command.
   * See `createTelemetry` in `@threadline/core`.
   */
  telemetry?: Telemetry;
  /** Attributes added to this engine's spans and metrics, e.g. `{ partition: 'p3' }`. */
  telemetryAttributes?: TelemetryAttributes;
}

const isCalendarLike = (v: unknown): v is CalendarLike =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as CalendarLike).addBusinessTime === 'function' &&
  typeof (v as CalendarLike).businessTimeBetween === 'function';

/** Zod schema of named calendars: instances or JSON configurations. */
export const CalendarsSchema = z.record(
  z.string().min(1),
  z.custom<CalendarLike | BusinessCalendarConfig>(
    (v) => isCalendarLike(v) || (typeof v === 'object' && v !== null),
    {
      message: 'expected a BusinessCalendar or a BusinessCalendar configuration',
    },
  ),
);

/** Builds `BusinessCalendar`s from JSON configurations; errors name `calendars.<name>.<field>`. */
export function toCalendars(
  input: Record<string, CalendarLike | BusinessCalendarConfig>,
): Record<string, CalendarLike> {
  const out: Record<string, CalendarLike> = {};
  for (const [name, value] of Object.entries(input)) {
    if (isCalendarLike(value)) {
      out[name] = value;
      continue;
    }
    try {
      out[name] = BusinessCalendar.from(value);
    } catch (error) {
      if (!isThreadlineError(error)) throw error;
      const issues = error.issues.map((i) => ({ ...i, path: ['calendars', name, ...i.path] }));
      throw new ThreadlineError('CONFIG', `Invalid calendar "${name}": ${error.message}`, {
        cause: error,
        issues,
      });
    }
  }
  return out;
}

/** Zod schema of {@link CaseEngineOptions}; rules stay `unknown` here and are resolved apart. */
export const OptionsSchema = z
  .object({
    clock: z.custom<Clock>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function',
      {
        message: 'expected a Clock with now()',
      },
    ),
    ids: z
      .custom<IdGenerator>(
        (v) => typeof v === 'object' && v !== null && typeof (v as IdGenerator).next === 'function',
        {
          message: 'expected an IdGenerator with next()',
        },
      )
      .optional(),
    calendars: CalendarsSchema,
    policies: z.array(z.unknown()),
    escalations: z.array(z.unknown()).optional(),
    routingRules: z.array(z.unknown()).optional(),
    evictClosed: z.boolean().optional(),
    retainClosed: z.boolean().optional(),
    engineId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'expected 1–200 letters, digits, `_`, `.`, `:` or `-`')
      .optional(),
    // Both are checked by resolveDocumentStore, which names every missing method at once.
    storage: z
      .custom<ThreadlineStorage>((v) => typeof v === 'object' && v !== null, {
        message: 'expected a storage bundle',
      })
      .optional(),
    store: z
      .custom<DocumentStore>((v) => typeof v === 'object' && v !== null, {
        message: 'expected a DocumentStore',
      })
      .optional(),
    bus: z
      .custom<EventBus>(
        (v) => typeof v === 'object' && v !== null && typeof (v as EventBus).publish === 'function',
        {
          message: 'expected an EventBus',
        },
      )
      .optional(),
    onError: z
      .custom<DeliveryErrorHandler<CaseEngineEvent>>((v) => typeof v === 'function', {
        message: 'expected a function',
      })
      .optional(),
    telemetry: TelemetrySchema.optional(),
    telemetryAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

/** Resolves calendars, policies and ladders into the rules the SLA tracker applies. */
export function buildRules(
  calendars: Record<string, CalendarLike>,
  policies: unknown,
  escalations: unknown,
): SlaRules {
  const measures = new TimeMeasures(new Map(Object.entries(calendars)));
  return {
    measures,
    policies: resolvePolicies(policies, measures),
    ladders: resolveLadders(escalations ?? [], measures),
  };
}

/** The document store of `storage` (or the deprecated `store`), checked once (core's rule). */
export function resolveDocumentStore(
  storage: ThreadlineStorage | undefined,
  store: DocumentStore | undefined,
): DocumentStore | undefined {
  return resolveDocumentStoreOption('case engine', storage, store);
}
