import {
  type Clock,
  type DeliveryErrorHandler,
  type DocumentStore,
  type EventBus,
  type IdGenerator,
  isThreadlineError,
  parseInput,
  resolveBusOption,
  resolveDocumentStoreOption,
  type Telemetry,
  type TelemetryAttributes,
  TelemetrySchema,
  ThreadlineError,
  type ThreadlineStorage,
  validateAdapter,
} from '@threadline/core';
import { z } from 'zod';
import type { RoutingEvent } from './events.js';
import type { PersonRequestDetector } from './handoff/personRequest.js';
import {
  type ParsedJournalOptions,
  type RoutingJournalOptions,
  RoutingJournalOptionsSchema,
} from './journal/options.js';
import { type RoutingStrategy, STRATEGIES, type StrategyName } from './strategies/index.js';
import type { WorkflowConfig } from './workflow/definition.js';

/** A shift lookup: anything with `isBusinessTime` (core's `BusinessCalendar` fits). */
export interface ShiftCalendar {
  isBusinessTime(at: Date | number): boolean;
  /**
   * Open periods from `at` on, the first clipped at `at` (core's `BusinessCalendar` has it).
   * With it, shift starts and ends are deadlines (`nextDeadline()` / `advanceTo`); without it,
   * the engine re-checks the calendar's workers on every `advanceTo`.
   */
  periodsAfter?(at: Date | number): Iterable<{ start: Date | number; end: Date | number }>;
}

/** Options for {@link createRoutingEngine}. */
export interface RoutingEngineOptions {
  /** Time source; the engine never reads the wall clock itself. */
  clock: Clock;
  /**
   * Tracing and metrics (default: none): a span and a `threadline.commands` count per command, the
   * `threadline.routing.queue_depth` gauge. See `createTelemetry` in `@threadline/core`.
   */
  telemetry?: Telemetry;
  /** Attributes added to this engine's spans and metrics, e.g. `{ partition: 'p3' }`. */
  telemetryAttributes?: TelemetryAttributes;
  /** Id generator for reservations, generated task ids and event ids (default: sequential). */
  ids?: IdGenerator;
  /** The workflow: typed object or JSON (validated, `CONFIG` error on bad input). */
  workflow: WorkflowConfig;
  /** Worker choice: a built-in name or a {@link RoutingStrategy} (default longest idle). */
  strategy?: StrategyName | RoutingStrategy;
  /** How long an offer stays open before it times out (default 30 s). */
  reservationTimeoutMs?: number;
  /**
   * Optional storage bundle (`createMemoryStorage()`, `createPostgresStorage()`). The engine
   * journals its commands there (see `journal`) and `recover()` rebuilds from it; `save()` writes
   * a snapshot to its document store and `load()` reads it back.
   */
  storage?: ThreadlineStorage;
  /**
   * The command journal, on by default with `storage` (`false` turns it off: then `storage`
   * only serves `save()`/`load()`). Events reach subscribers and the bus only once their batch
   * committed; see {@link RoutingJournalOptions}.
   */
  journal?: RoutingJournalOptions | false;
  /**
   * A document store alone, used as `storage.documents` would be.
   * @deprecated Pass `storage` (the `{ documents, events, outbox }` bundle) instead.
   */
  store?: DocumentStore;
  /**
   * Optional bus (checked by core's `resolveBusOption`; `publish` is all routing needs). Without
   * a journal every routing event is also published there; a publish that throws or rejects never
   * reaches the caller: it is counted in `stats().publishFailures` and passed to `onError`. With a
   * journal (`storage` given) events commit to the outbox and reach the bus only through
   * `createOutboxRelay({ storage, bus })`: the engine never publishes to it itself.
   */
  bus?: EventBus;
  /**
   * Called when the bus refuses a publish or a subscriber throws or rejects, after the command
   * that produced the events has been applied. Failures never make a command throw nor stop
   * delivery to the other subscribers; they are also counted in `stats()`.
   */
  onError?: DeliveryErrorHandler<RoutingEvent>;
  /** Named shift calendars that `upsertWorker({ calendar })` refers to. */
  calendars?: Record<string, ShiftCalendar>;
  /** Attach a {@link DecisionTrace} to every `reservation.created` event (costs time; default false). */
  trace?: boolean;
  /** Tenant of the emitted events (default `'default'`). */
  tenantId?: string;
  /** Automatic bot→human handoff rules applied by `reportBotTurn`. */
  handoffRules?: HandoffRules;
  /**
   * Decides whether a customer's message asks for a person (`reportBotTurn`, rule
   * `onCustomerRequest`). Default: {@link createPersonRequestDetector}`()` (English, Spanish,
   * French, German, Portuguese).
   */
  personRequestDetector?: PersonRequestDetector;
}

/** When a bot conversation is handed to people automatically (see `reportBotTurn`). */
export interface HandoffRules {
  /** Hand off when the customer asks for a person (default true). */
  onCustomerRequest?: boolean;
  /** Hand off when sentiment falls below this (-1..1; default -0.5). */
  sentimentBelow?: number;
  /** Hand off when the bot's confidence falls below this (0..1; default 0.4). */
  confidenceBelow?: number;
  /** Hand off when a bot has held the task this long (ms); checked on `advanceTo`. */
  botTimeoutMs?: number;
}

/** Zod schema for {@link HandoffRules} (with defaults). */
export const HandoffRulesSchema = z
  .object({
    onCustomerRequest: z.boolean().default(true),
    sentimentBelow: z.number().min(-1).max(1).default(-0.5),
    confidenceBelow: z.number().min(0).max(1).default(0.4),
    botTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

/** The options schema (`CONFIG` error on bad input); strategies and ports are checked by shape. */
export const RoutingEngineOptionsSchema = z
  .object({
    clock: z.custom<Clock>((c) => typeof (c as Clock | undefined)?.now === 'function', 'expected a Clock'),
    ids: z
      .custom<IdGenerator>(
        (c) => typeof (c as IdGenerator | undefined)?.next === 'function',
        'expected an IdGenerator',
      )
      .optional(),
    workflow: z.unknown(),
    strategy: z
      .union([
        z.enum(Object.keys(STRATEGIES) as [StrategyName, ...StrategyName[]]),
        z.custom<RoutingStrategy>(
          (s) =>
            typeof s === 'object' &&
            s !== null &&
            typeof (s as RoutingStrategy).name === 'string' &&
            (typeof (s as RoutingStrategy).rank === 'function' ||
              typeof (s as RoutingStrategy).score === 'function'),
          'expected a strategy with a name and a rank or score function',
        ),
      ])
      .optional(),
    reservationTimeoutMs: z.number().int().positive().optional(),
    // Checked by validateAdapter in parseOptions, which names every missing method at once.
    storage: z
      .custom<ThreadlineStorage>((s) => typeof s === 'object' && s !== null, 'expected a storage bundle')
      .optional(),
    store: z
      .custom<DocumentStore>((s) => typeof s === 'object' && s !== null, 'expected a DocumentStore')
      .optional(),
    journal: z.union([z.literal(false), RoutingJournalOptionsSchema]).optional(),
    bus: z.custom<EventBus>((b) => typeof (b as EventBus | undefined)?.publish === 'function').optional(),
    onError: z
      .custom<DeliveryErrorHandler<RoutingEvent>>((f) => typeof f === 'function', 'expected a function')
      .optional(),
    calendars: z
      .record(
        z.string(),
        z.custom<ShiftCalendar>(
          (c) => typeof (c as ShiftCalendar | undefined)?.isBusinessTime === 'function',
          'expected isBusinessTime',
        ),
      )
      .optional(),
    trace: z.boolean().optional(),
    telemetry: TelemetrySchema.optional(),
    telemetryAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    tenantId: z.string().min(1).optional(),
    handoffRules: HandoffRulesSchema.optional(),
    personRequestDetector: z
      .custom<PersonRequestDetector>((d) => typeof d === 'function', 'expected a function')
      .optional(),
  })
  .strict();

/** Engine options after validation. */
export type ParsedRoutingOptions = Omit<z.output<typeof RoutingEngineOptionsSchema>, 'journal'> & {
  /** The journal's settings when the engine journals (storage given, journal not `false`). */
  journal?: ParsedJournalOptions;
  /** The bus as given: where a journaled engine hears `customer.erased` (it never publishes there). */
  erasureBus?: EventBus;
};

/** Validates the engine options once, at construction; `store` is the resolved document store. */
export function parseOptions(options: RoutingEngineOptions): ParsedRoutingOptions {
  const { journal, ...parsed } = parseInput(
    RoutingEngineOptionsSchema,
    options,
    'routing engine options',
    'CONFIG',
  );
  const store = resolveDocumentStoreOption('routing engine', parsed.storage, parsed.store);
  // Core's one rule: with a journal on a storage that commits events, the bus gets them only
  // through the outbox relay; the engine publishes to it itself only without one.
  const { publishTo } = resolveBusOption<EventBus>('routing engine', parsed.bus, {
    storage: parsed.storage,
    commitsEvents: journal !== false,
    port: 'EventPublisher',
  });
  const { bus: given, ...rest } = parsed;
  const withBus: ParsedRoutingOptions = publishTo === undefined ? rest : { ...rest, bus: publishTo };
  if (given !== undefined) withBus.erasureBus = given;
  const base: ParsedRoutingOptions = store === undefined ? withBus : { ...withBus, store };
  if (journal === false) return base;
  if (parsed.storage === undefined) {
    if (journal === undefined) return base;
    throw configError(
      ['journal'],
      'the journal needs the storage option (a { documents, events, outbox } bundle)',
    );
  }
  checkJournalStorage(parsed.storage);
  return { ...base, journal: journal ?? RoutingJournalOptionsSchema.parse({}) };
}

function configError(path: string[], message: string, cause?: unknown): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid routing engine options: ${path.join('.')}: ${message}`, {
    cause,
    issues: [{ path, message, code: 'custom' }],
  });
}

/** The journal appends to `storage.events` and the outbox inside `storage.documents.transaction`. */
function checkJournalStorage(storage: ThreadlineStorage): void {
  for (const [port, key] of [
    ['EventLog', 'events'],
    ['Outbox', 'outbox'],
  ] as const) {
    try {
      validateAdapter(port, storage[key]);
    } catch (error) {
      if (!isThreadlineError(error)) throw error;
      throw configError(['storage', key], error.message, error);
    }
  }
  if (storage.documents.capabilities.transactions !== true) {
    throw configError(
      ['storage', 'documents'],
      'the journal needs a document store with transactions (or pass journal: false)',
    );
  }
}
