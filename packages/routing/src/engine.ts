import {
  type Clock,
  type CompiledExpression,
  type HandoffPacket as CoreHandoffPacket,
  type DocumentStore,
  type EventBus,
  type EventEnvelope,
  type IdGenerator,
  type Instant,
  type Presence,
  parseInput,
  ThreadlineError,
  toMillis,
} from '@threadline/core';
import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import {
  ROUTING_EVENT_TYPES,
  type RoutingEvent,
  type RoutingEventMap,
  type RoutingEventOf,
  type RoutingEventType,
  type StepChangeReason,
} from './events.js';
import {
  type DecisionTrace,
  EXCLUSION_REASONS,
  type ExclusionReason,
  type RankedWorker,
  summarizeTrace,
} from './explain.js';
import { compileWorkflowExpression, taskReferences } from './expressions.js';
import {
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  normalizeHandoffPacket,
} from './handoff.js';
import { AttributeIndex } from './indexes/attributeIndex.js';
import { type Deadline, DeadlineQueue } from './indexes/deadlines.js';
import { HeapPositions } from './indexes/heap.js';
import { IdleHeap } from './indexes/idleHeap.js';
import { OfferIndex } from './indexes/offerIndex.js';
import { SkillIndex } from './indexes/skillIndex.js';
import { TaskHeap } from './indexes/taskHeap.js';
import {
  parseTaskInputFast,
  type TaskInput,
  TaskInputSchema,
  type TaskPatch,
  TaskPatchSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
import {
  type CompiledRequirement,
  checkRequirement,
  compileRequirement,
  meetsRequirement,
  mergeRequirements,
  type Requirement,
} from './requirements.js';
import { assertTransition, type ReservationInfo, type ReservationStatus } from './reservations.js';
import {
  longestIdle,
  type RoutingStrategy,
  STRATEGIES,
  type StrategyName,
  type TaskView,
  type WorkerView,
} from './strategies/index.js';
import {
  defineWorkflow,
  type FilterConfig,
  lintWorkflow,
  type QueueConfig,
  type StepConfig,
  type Workflow,
  type WorkflowConfig,
  type WorkflowLintIssue,
} from './workflow.js';

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
  /** Id generator for reservations, generated task ids and event ids (default: sequential). */
  ids?: IdGenerator;
  /** The workflow: typed object or JSON (validated, `CONFIG` error on bad input). */
  workflow: WorkflowConfig;
  /** Worker choice: a built-in name or a {@link RoutingStrategy} (default longest idle). */
  strategy?: StrategyName | RoutingStrategy;
  /** How long an offer stays open before it times out (default 30 s). */
  reservationTimeoutMs?: number;
  /** Optional document store: `save()` writes the snapshot there and `load()` reads it back. */
  store?: DocumentStore;
  /** Optional bus: every routing event is also published there. */
  bus?: EventBus;
  /** Named shift calendars that `upsertWorker({ calendar })` refers to. */
  calendars?: Record<string, ShiftCalendar>;
  /** Attach a {@link DecisionTrace} to every `reservation.created` event (costs time; default false). */
  trace?: boolean;
  /** Tenant of the emitted events (default `'default'`). */
  tenantId?: string;
  /** Automatic bot→human handoff rules applied by `reportBotTurn`. */
  handoffRules?: HandoffRules;
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

/** A bot turn reported to the engine so automatic handoff rules can fire. */
export interface BotTurn {
  /** The customer's last message (checked for "agent", "human", "person", "representative"). */
  customerText?: string;
  sentiment?: number;
  confidence?: number;
  intent?: string;
}

/** A worker as reported by the engine. */
export interface WorkerInfo {
  id: string;
  kind: 'human' | 'bot';
  status: Presence;
  reason?: string;
  draining: boolean;
  attributes: Record<string, unknown>;
  capacity: Record<string, { units: number; weight: number }>;
  /** Shared pool across channels, when configured. */
  totalCapacity?: number;
  used: Record<string, number>;
  activeTasks: number;
  idleSince: number;
  queues: string[];
}

/** Task lifecycle states inside the engine. */
export type TaskStatus = 'unrouted' | 'pending' | 'reserved' | 'assigned' | 'wrapping';

/** A task as reported by the engine. */
export interface TaskInfo {
  id: string;
  channel: string;
  priority: number;
  status: TaskStatus;
  attributes: Record<string, unknown>;
  requiredSkills: Record<string, number>;
  createdAt: number;
  filter: string | null;
  step: number;
  queue: string | null;
  workerId: string | null;
  reservations: string[];
}

/** Counters of what the engine has done. */
export interface RoutingStats {
  /** Routing decisions that produced at least one offer. */
  decisions: number;
  offers: number;
  waiting: number;
  workers: number;
  tasks: number;
}

/** A serialisable copy of the whole engine state. */
export interface RoutingSnapshot {
  version: 1;
  takenAt: number;
  counters: { offerSeq: number; workerOrder: number; taskSeq: number };
  /** Counters of the engine's own sequential id generator (absent when `ids` was injected). */
  idCounters?: Array<[string, number]>;
  workers: Array<
    WorkerInput & {
      order: number;
      idleSince: number;
      lastOfferSeq: number;
      draining: boolean;
      statusSince: number;
    }
  >;
  tasks: Array<
    Pick<
      TaskState,
      | 'id'
      | 'seq'
      | 'channel'
      | 'priority'
      | 'attributes'
      | 'requiredSkills'
      | 'preferredWorkerId'
      | 'deadline'
      | 'createdAt'
      | 'routedAt'
      | 'humanOnly'
      | 'handoffQueue'
      | 'status'
      | 'filterIdx'
      | 'stepIdx'
      | 'boosted'
      | 'assignedAt'
    > & { excluded: Array<[string, number]> }
  >;
  reservations: ReservationInfo[];
  sticky: Array<[string, string]>;
  deadlines: Array<{ at: number; kind: Deadline['kind']; ref: string }>;
}

// ---------------------------------------------------------------------------------------------
// Internal state

interface ChannelCap {
  units: number;
  weight: number;
  /** Units in use on the channel (kept beside its limits: one object for the room check). */
  used: number;
}

interface WorkerState extends WorkerView {
  id: string;
  kind: 'human' | 'bot';
  attributes: Record<string, unknown>;
  skills: Record<string, number>;
  idleSince: number;
  activeTasks: number;
  occupancy: number;
  lastOfferSeq: number;
  order: number;
  input: WorkerInput;
  status: Presence;
  reason: string | undefined;
  statusSince: number;
  calendar: ShiftCalendar | undefined;
  calendarName: string | undefined;
  inShift: boolean;
  draining: boolean;
  capacity: Map<number, ChannelCap>;
  /** `capacity` as an array indexed by channel number, for the hot path. */
  caps: Array<ChannelCap | undefined>;
  /** The lowest-numbered channel in `caps` and its entry (-1 / undefined when none). */
  firstCh: number;
  firstCap: ChannelCap | undefined;
  /** More than one entry in `caps`. */
  multiChannel: boolean;
  totalCapacity: number | undefined;
  capacityUnits: number;
  usedTotal: number;
  /** The worker's open offers (pending reservations), an intrusive list through `offerNext`. */
  offerHead: ReservationState | null;
  /** Set when the worker left the roster (a drained removal), so stale references can tell. */
  removed: boolean;
  queues: QueueRuntime[];
  entries: IdleEntry[];
  /** `entries[i].lane`, as a compact array for the free-worker scan. */
  lanes: Lane[];
  /** `lanes[i].idx` sits at `lanePool[laneStart + i]`: the scan reads one shared typed array. */
  laneStart: number;
  laneCount: number;
  /** How many of `entries` are currently in their idle heaps. */
  inHeaps: number;
  /** `worker.*` as rule expressions see it: attributes plus id and kind. */
  ctx: Record<string, unknown>;
}

interface IdleEntry {
  worker: WorkerState;
  queue: QueueRuntime;
  ch: number;
  lane: Lane;
  /** Row in the engine's idle-entry position table. */
  handle: number;
  inHeap: boolean;
  /** The keys the entry sits under in its lane heap (while `inHeap`). */
  rank: number;
  idle: number;
}

/** One queue on one channel: its idle workers (a heap) and its groups of waiting tasks. */
interface Lane {
  ch: number;
  /** Row of this lane in `table` (the dense copy of the fields the free-worker scan reads). */
  idx: number;
  table: LaneTable;
  idle: IdleHeap<IdleEntry>;
  groups: Map<string, Group>;
  /** The same groups as an array, for allocation-free iteration on the hot path. */
  list: Group[];
}

interface QueueRuntime {
  idx: number;
  config: QueueConfig;
  requirement: CompiledRequirement;
  expr: CompiledExpression | null;
  ratePerMs: number;
  members: Set<WorkerState>;
  /** Lanes by channel number (holes for channels not seen yet). */
  lanes: Array<Lane | undefined>;
}

interface Group {
  key: string;
  queue: QueueRuntime;
  ch: number;
  requirement: CompiledRequirement;
  humanOnly: boolean;
  pinnedWorkerId: string | null;
  heap: TaskHeap<TaskState>;
  /** The step's worker expression and the task context it is evaluated with. */
  expr: CompiledExpression | null;
  exprTask: Record<string, unknown> | null;
  /**
   * Cached head of `heap` (kept in step by join/leave) with its ordering key, so a free worker
   * ranks the heads of its ~30 queues without touching the tasks themselves.
   */
  head: TaskState | undefined;
  headBase: number;
  /** True when the head had no exclusions when it became head (exclusions only shrink while queued). */
  headClean: boolean;
  /** Members with an exclusion map: while 0, every head is clean without loading it. */
  excludedCount: number;
  /** True when every member of the queue may take the group's tasks (no requirement, expression or human-only rule). */
  open: boolean;
  /** `queue.ratePerMs`, copied for the hot path. */
  rate: number;
  /** The lane the group lives in (`null` for groups pinned to one worker). */
  lane: Lane | null;
  /** `lane.idx`, or -1 for pinned groups. */
  laneIdx: number;
  /** The lane table (`null` for pinned groups), so head changes update the scan row directly. */
  table: LaneTable | null;
  /** `queue.config.id`, copied for event payloads. */
  queueId: string;
  /**
   * A step's plain group (no task skills, expression, pin or human-only rule): kept in its bucket
   * while empty, so the steps that cache it in `plainGroups` always hold the bucket's object.
   */
  plain: boolean;
}

interface StepRuntime {
  config: StepConfig;
  queue: QueueRuntime;
  /** The step's own requirement, compiled once. */
  requirement: CompiledRequirement;
  expr: CompiledExpression | null;
  exprTaskPaths: (readonly (string | number)[])[];
  skipIf: CompiledExpression | null;
  /** The group key of a plain task in this step (no own skills, not human-only, not pinned, no expression). */
  plainKey: string;
  /** The step's plain group per channel number, once created (see `Group.plain`). */
  plainGroups: Array<Group | undefined>;
  /** The queue's SLA boost (0 when none), for the arrival path. */
  boost: number;
  /** `config.timeout`, `queue.config.id` and `config.offers`, copied for the arrival path. */
  timeout: number | undefined;
  queueId: string;
  offers: number;
  /** Name of the filter the step belongs to (`'default'` for the default filter). */
  filterName: string | null;
}

interface FilterRuntime {
  name: string | null;
  config: FilterConfig | null;
  /** The typed match's attribute part, compiled once. */
  match: CompiledRequirement | null;
  when: CompiledExpression | null;
  steps: StepRuntime[];
  /**
   * The match is one attribute condition and nothing else, so being found under the task's
   * (scalar) value in the sole filter index already proves the match.
   */
  indexOnly: boolean;
}

interface TaskState {
  id: string;
  seq: number;
  channel: string;
  ch: number;
  priority: number;
  attributes: Record<string, unknown>;
  requiredSkills: Record<string, number>;
  preferredWorkerId: string | null;
  deadline: number | null;
  createdAt: number;
  routedAt: number;
  humanOnly: boolean;
  handoffQueue: string | null;
  status: TaskStatus;
  filterIdx: number;
  stepIdx: number;
  /** The current step as `#enterStep` set it; `null` once filter, step or handoff queue change elsewhere. */
  route: StepRuntime | null;
  /** Group ordering key: effective priority minus aging × createdAt. */
  agedBase: number;
  boosted: boolean;
  group: Group | null;
  /** Row in the engine's `HeapPositions` (the task's place in its group heap). */
  handle: number;
  /** Workers that rejected or let an offer time out, until when; `null` while none (the common case). */
  excluded: Map<string, number> | null;
  pending: ReservationState[];
  assigned: ReservationState | null;
  assignedAt: number | null;
  stepDeadline: Deadline | undefined;
  boostDeadline: Deadline | undefined;
  /** Bot timeout (`handoffRules.botTimeoutMs`) while a bot holds the task. */
  botDeadline: Deadline | undefined;
  /** Cached `task.*` context for rule expressions (reset on change). */
  ctx: Record<string, unknown> | null;
}

interface ReservationState {
  id: string;
  task: TaskState;
  worker: WorkerState;
  status: ReservationStatus;
  createdAt: number;
  expiresAt: number;
  ch: number;
  weight: number;
  deadline: Deadline | undefined;
  /** The worker's channel entry the reservation holds capacity on; `undefined` once released. */
  cap: ChannelCap | undefined;
  /** Links in the worker's open-offer list (see `inOfferList`). */
  offerPrev: ReservationState | null;
  offerNext: ReservationState | null;
}

const NO_SKILLS: Readonly<Record<string, number>> = Object.freeze({});
/** Shared (frozen) empty id list of `TaskInfo.reservations`. */
const NO_IDS = Object.freeze([]) as unknown as string[];
/** Shared empty result of `#findWorkers` (callers never mutate it). */
const NO_WORKERS = Object.freeze([]) as unknown as WorkerState[];
/** The shared empty `pending` list of a task without open offers (replaced, never mutated). */
const NO_PENDING = Object.freeze([]) as unknown as ReservationState[];
const NO_OPTIONS: Readonly<{ wrapUpMs?: number }> = Object.freeze({});
const DEFAULT_FILTER = -1;
const NO_CANDIDATES: readonly number[] = [];
const NO_FILTER = -2;
const PERSON_REQUEST = /\b(agent|human|person|representative|someone real|real person|operator)\b/i;

const ResolveRejectSchema = z.object({ reason: z.string().min(1).max(500) }).strict();
const CompleteOptionsSchema = z.object({ wrapUpMs: z.number().int().nonnegative().optional() }).strict();
const StatusArgsSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(['available', 'busy', 'away', 'offline']),
    reason: z.string().max(500).optional(),
  })
  .strict();
const HandoffRulesSchema = z
  .object({
    onCustomerRequest: z.boolean().default(true),
    sentimentBelow: z.number().min(-1).max(1).default(-0.5),
    confidenceBelow: z.number().min(0).max(1).default(0.4),
    botTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();
const BotTurnSchema = z
  .object({
    customerText: z.string().max(20_000).optional(),
    sentiment: z.number().min(-1).max(1).optional(),
    confidence: z.number().min(0).max(1).optional(),
    intent: z.string().min(1).optional(),
  })
  .strict();

interface SequentialIds extends IdGenerator {
  counters: Map<string, number>;
}

function sequentialIds(): SequentialIds {
  const counters = new Map<string, number>();
  return {
    counters,
    next(prefix = 'id') {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}-${n}`;
    },
  };
}

function notFound(what: string, id: string): ThreadlineError {
  return new ThreadlineError('NOT_FOUND', `Unknown ${what} "${id}"`, { details: { [`${what}Id`]: id } });
}

function readPath(obj: Readonly<Record<string, unknown>>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur as object, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The routing engine: workers, tasks, workflows, reservations and events, all in memory,
 * driven by calls and by `advanceTo(now)`. Deterministic: the same calls at the same clock
 * times give the same offers and events.
 */
export class RoutingEngine {
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  /** Set when the engine made its own sequential ids: their counters travel in snapshots. */
  readonly #ownIds: SequentialIds | undefined;
  readonly #workflow: Workflow;
  readonly #workflowConfig: WorkflowConfig;
  readonly #strategy: RoutingStrategy;
  readonly #reservationTimeoutMs: number;
  readonly #store: DocumentStore | undefined;
  readonly #bus: EventBus | undefined;
  readonly #calendars: Record<string, ShiftCalendar>;
  readonly #trace: boolean;
  readonly #tenantId: string;
  readonly #handoffRules: z.output<typeof HandoffRulesSchema> | undefined;
  readonly #emitter = new EventEmitter();

  readonly #queues: QueueRuntime[] = [];
  readonly #queueById = new Map<string, QueueRuntime>();
  readonly #queuesBySkill = new Map<string, QueueRuntime[]>();
  readonly #queuesWithoutSkill: QueueRuntime[] = [];
  readonly #filters: FilterRuntime[] = [];
  readonly #defaultFilter: FilterRuntime | null;
  readonly #filterIndex = new Map<string, Map<unknown, number[]>>();
  readonly #unindexedFilters: number[] = [];
  /** Set when every filter is indexed under one and the same attribute (the fast path). */
  readonly #soleFilterIndex: { attr: string; byValue: Map<unknown, number[]> } | null;

  readonly #channels = new Map<string, number>();
  readonly #channelNames: string[] = [];
  readonly #workers = new Map<string, WorkerState>();
  readonly #laneTable = new LaneTable();
  /** Every worker's lane rows, back to back (see `#placeLanes`). */
  #lanePool = new Int32Array(1024);
  #lanePoolUsed = 0;
  readonly #taskPositions = new HeapPositions();
  /** Reused one-element worker list for single offers (never escapes `#routeTask`). */
  readonly #soloWorker: WorkerState[] = [];
  readonly #idlePositions = new HeapPositions<IdleEntry>();
  readonly #rankFn: (w: WorkerView) => number;
  /** Workers on calendars without `periodsAfter`: re-checked on every `advanceTo`. */
  readonly #calendarWorkers = new Set<WorkerState>();
  /** Workers by shift calendar (with `periodsAfter`): one deadline per calendar change. */
  readonly #shiftGroups = new Map<string, ShiftGroup>();
  readonly #skillIndex = new SkillIndex<WorkerState>();
  readonly #attributeIndex = new AttributeIndex<WorkerState>();
  readonly #tasks = new Map<string, TaskState>();
  /** Open offers by id: small and hot (offers are answered quickly). */
  readonly #reservations = new OfferIndex<ReservationState>();
  /**
   * Accepted (held) reservations by id, built on first use (`getReservation` of a held one, or an
   * answer to an offer that is no longer open) and kept up to date from then on. Until then the
   * hot path never pays for a map of every assignment.
   */
  #held: Map<string, ReservationState> | null = null;
  /** Reservations in wrap-up by id (their wrap-up deadlines name them), usually few. */
  readonly #wrapping = new Map<string, ReservationState>();
  readonly #pinnedGroups = new Map<string, Map<string, Group>>();
  readonly #sticky = new Map<string, string>();
  /** True when some step routes to the last agent (`knownWorker: 'last'`): only then is it recorded. */
  #usesSticky = false;
  readonly #deadlines = new DeadlineQueue();

  #offerSeq = 0;
  #workerOrder = 0;
  #taskSeq = 0;
  #decisions = 0;
  #waiting = 0;
  #timeOverride: number | undefined;
  #depth = 0;
  readonly #outbox: RoutingEvent[] = [];
  readonly #listenerCounts = new Map<string, number>();
  /** A bus is attached or someone listens to `*`: every event is wanted. */
  #wantsEverything = false;

  constructor(options: RoutingEngineOptions) {
    const opts = parseInput(
      z
        .object({
          clock: z.custom<Clock>(
            (c) => typeof (c as Clock | undefined)?.now === 'function',
            'expected a Clock',
          ),
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
          store: z.custom<DocumentStore>((s) => typeof s === 'object' && s !== null).optional(),
          bus: z
            .custom<EventBus>((b) => typeof (b as EventBus | undefined)?.publish === 'function')
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
          tenantId: z.string().min(1).optional(),
          handoffRules: HandoffRulesSchema.optional(),
        })
        .strict(),
      options,
      'routing engine options',
      'CONFIG',
    );
    this.#clock = opts.clock;
    this.#ownIds = opts.ids ? undefined : sequentialIds();
    this.#ids = opts.ids ?? (this.#ownIds as SequentialIds);
    this.#workflowConfig = opts.workflow as WorkflowConfig;
    this.#workflow = defineWorkflow(this.#workflowConfig);
    this.#strategy =
      typeof opts.strategy === 'string' ? STRATEGIES[opts.strategy] : (opts.strategy ?? longestIdle);
    // Idle heaps order by the strategy's rank; score strategies rank candidates themselves and
    // keep the heaps in longest-idle order.
    this.#rankFn = this.#strategy.rank ?? (longestIdle.rank as (w: WorkerView) => number);
    this.#reservationTimeoutMs = opts.reservationTimeoutMs ?? 30_000;
    this.#store = opts.store;
    this.#bus = opts.bus;
    this.#syncWantsEverything();
    this.#calendars = opts.calendars ?? {};
    this.#trace = opts.trace ?? false;
    this.#tenantId = opts.tenantId ?? 'default';
    this.#handoffRules = opts.handoffRules;

    this.#workflow.queues.forEach((config, idx) => {
      const q: QueueRuntime = {
        idx,
        config,
        requirement: compileRequirement(config.workers),
        expr:
          config.expression === undefined
            ? null
            : compileWorkflowExpression(config.expression, ['queues', idx, 'expression'], ['worker']),
        ratePerMs: config.agingPerMinute / 60_000,
        members: new Set(),
        lanes: [],
      };
      this.#queues.push(q);
      this.#queueById.set(config.id, q);
      const firstSkill = q.requirement.skillNames[0];
      if (firstSkill === undefined) this.#queuesWithoutSkill.push(q);
      else {
        const list = this.#queuesBySkill.get(firstSkill) ?? [];
        list.push(q);
        this.#queuesBySkill.set(firstSkill, list);
      }
    });
    const toSteps = (
      targets: StepConfig[],
      base: (string | number)[],
      filterName: string | null,
    ): StepRuntime[] =>
      targets.map((config, j) => {
        const expr =
          config.expression === undefined
            ? null
            : compileWorkflowExpression(config.expression, [...base, j, 'expression'], ['worker', 'task']);
        const requirement = compileRequirement(config.requires);
        if (config.knownWorker === 'last') this.#usesSticky = true;
        return {
          config,
          queue: this.#queueById.get(config.queue) as QueueRuntime,
          requirement,
          plainKey: `${requirement.key}||||`,
          plainGroups: [],
          boost: this.#queueById.get(config.queue)?.config.slaBoost?.boost ?? 0,
          timeout: config.timeout,
          queueId: config.queue,
          offers: config.offers,
          filterName,
          expr,
          exprTaskPaths: expr ? taskReferences(expr) : [],
          skipIf:
            config.skipIf === undefined
              ? null
              : compileWorkflowExpression(config.skipIf, [...base, j, 'skipIf'], ['task', 'workers']),
        };
      });
    this.#workflow.filters.forEach((f, idx) => {
      const match = f.match?.attributes ? compileRequirement({ attributes: f.match.attributes }) : null;
      const when =
        f.when === undefined ? null : compileWorkflowExpression(f.when, ['filters', idx, 'when'], ['task']);
      const cal = f.match?.businessHours?.calendar;
      if (cal !== undefined && !Object.hasOwn(this.#calendars, cal)) {
        throw new ThreadlineError(
          'CONFIG',
          `Invalid workflow: filters[${idx}].match.businessHours.calendar: unknown calendar "${cal}"`,
          {
            issues: [
              {
                path: ['filters', idx, 'match', 'businessHours', 'calendar'],
                message: `unknown calendar "${cal}"`,
                code: 'invalid_value',
              },
            ],
          },
        );
      }
      const m = f.match;
      this.#filters.push({
        name: f.name,
        config: f,
        match,
        when,
        indexOnly:
          m !== undefined &&
          match !== null &&
          match.attributeNames.length === 1 &&
          m.channel === undefined &&
          m.minPriority === undefined &&
          m.businessHours === undefined &&
          when === null,
        steps: toSteps(f.targets, ['filters', idx, 'targets'], f.name),
      });
      // Index the filter under its first attribute's accepted values so a task only checks
      // filters that can match it (first match still wins: candidates are checked in order).
      const attr = match?.attributeNames[0];
      if (match && attr !== undefined) {
        let byValue = this.#filterIndex.get(attr);
        if (!byValue) {
          byValue = new Map();
          this.#filterIndex.set(attr, byValue);
        }
        for (const v of match.accepted[0] ?? []) {
          const list = byValue.get(v) ?? [];
          list.push(idx);
          byValue.set(v, list);
        }
      } else {
        this.#unindexedFilters.push(idx);
      }
    });
    const soleAttr = this.#filterIndex.size === 1 ? [...this.#filterIndex.keys()][0] : undefined;
    this.#soleFilterIndex =
      soleAttr !== undefined && this.#unindexedFilters.length === 0
        ? { attr: soleAttr, byValue: this.#filterIndex.get(soleAttr) as Map<unknown, number[]> }
        : null;
    this.#defaultFilter = this.#workflow.defaultFilter
      ? {
          name: 'default',
          config: null,
          match: null,
          when: null,
          indexOnly: false,
          steps: toSteps(this.#workflow.defaultFilter.targets, ['defaultFilter', 'targets'], 'default'),
        }
      : null;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /**
   * Subscribes to one event type (or `'*'` for all); returns the unsubscribe function. Handlers
   * run after the operation that caused the event has finished, so they may call the engine.
   */
  on<T extends RoutingEventType>(type: T | '*', handler: (event: RoutingEventOf<T>) => void): () => void {
    if (typeof handler !== 'function') {
      throw new ThreadlineError('VALIDATION', 'Event handler must be a function', {
        issues: [{ path: ['handler'], message: 'expected a function', code: 'invalid_type' }],
      });
    }
    if (type !== '*' && !(ROUTING_EVENT_SET as Set<string>).has(type)) {
      throw new ThreadlineError('VALIDATION', `Unknown routing event type "${String(type)}"`, {
        issues: [{ path: ['type'], message: 'unknown event type', code: 'invalid_value' }],
      });
    }
    this.#emitter.on(type, handler);
    this.#listenerCounts.set(type, (this.#listenerCounts.get(type) ?? 0) + 1);
    this.#syncWantsEverything();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#emitter.off(type, handler);
      this.#listenerCounts.set(type, (this.#listenerCounts.get(type) ?? 1) - 1);
      this.#syncWantsEverything();
    };
  }

  #syncWantsEverything(): void {
    this.#wantsEverything = this.#bus !== undefined || (this.#listenerCounts.get('*') ?? 0) > 0;
  }

  /** True when an event of `type` would be delivered (a bus, or a listener for it or for `*`). */
  #wants(type: RoutingEventType): boolean {
    return this.#wantsEverything || (this.#listenerCounts.get(type) ?? 0) > 0;
  }

  #emit<T extends RoutingEventType>(
    type: T,
    aggregateType: string,
    aggregateId: string,
    payload: RoutingEventMap[T],
  ): void {
    if (!this.#wants(type)) return;
    const event = {
      id: this.#ids.next('evt'),
      type,
      tenantId: this.#tenantId,
      aggregateId,
      aggregateType,
      version: 0,
      occurredAt: this.#now(),
      payload,
    } as EventEnvelope<T, RoutingEventMap[T]>;
    this.#outbox.push(event as unknown as RoutingEvent);
  }

  #run<R>(fn: () => R): R {
    this.#depth++;
    try {
      return fn();
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#flush();
    }
  }

  #flush(): void {
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0);
      if (this.#bus) void this.#bus.publish(batch);
      for (const event of batch) {
        this.#emitter.emit(event.type, event);
        this.#emitter.emit('*', event);
      }
    }
  }

  #now(): number {
    return this.#timeOverride ?? this.#clock.now();
  }

  #channelIndex(channel: string): number {
    let ch = this.#channels.get(channel);
    if (ch === undefined) {
      ch = this.#channelNames.length;
      this.#channels.set(channel, ch);
      this.#channelNames.push(channel);
    }
    return ch;
  }

  // -------------------------------------------------------------------------------------------
  // Workers

  /**
   * Adds or replaces a worker. Existing offers and assignments are kept; capacity, skills and
   * status take effect for the next offer. A draining worker is revived.
   *
   * @example
   * ```ts
   * engine.upsertWorker({
   *   id: 'ana', status: 'available',
   *   attributes: { skills: { billing: 7 }, languages: ['en', 'fr'] },
   *   capacity: { voice: 1, chat: { units: 3, weight: 1 } },
   * });
   * ```
   */
  upsertWorker(input: WorkerInput): WorkerInfo {
    const data = parseInput(WorkerInputSchema, input, 'worker');
    if (data.calendar !== undefined && !Object.hasOwn(this.#calendars, data.calendar)) {
      throw new ThreadlineError('VALIDATION', `Invalid worker: unknown calendar "${data.calendar}"`, {
        issues: [
          { path: ['calendar'], message: `unknown calendar "${data.calendar}"`, code: 'invalid_value' },
        ],
      });
    }
    return this.#run(() => {
      const w = this.#upsertWorkerState(data, undefined);
      this.#dispatchWorker(w);
      return this.#workerInfo(w);
    });
  }

  #upsertWorkerState(
    data: z.output<typeof WorkerInputSchema>,
    restored:
      | { order: number; idleSince: number; lastOfferSeq: number; draining: boolean; statusSince: number }
      | undefined,
  ): WorkerState {
    const now = this.#now();
    let w = this.#workers.get(data.id);
    const previousStatus = w?.status ?? null;
    if (w) {
      this.#unindexWorker(w);
    } else {
      w = {
        id: data.id,
        kind: data.kind,
        attributes: {},
        skills: {},
        idleSince: now,
        activeTasks: 0,
        occupancy: 0,
        lastOfferSeq: -1,
        order: this.#workerOrder++,
        input: data,
        status: data.status,
        reason: data.reason,
        statusSince: now,
        calendar: undefined,
        calendarName: undefined,
        inShift: true,
        draining: false,
        capacity: new Map(),
        caps: [],
        firstCh: -1,
        firstCap: undefined,
        multiChannel: false,
        totalCapacity: undefined,
        capacityUnits: 0,
        usedTotal: 0,
        offerHead: null,
        removed: false,
        queues: [],
        entries: [],
        lanes: [],
        laneStart: 0,
        laneCount: 0,
        inHeaps: 0,
        ctx: {},
      };
      this.#workers.set(w.id, w);
    }
    if (restored) {
      w.order = restored.order;
      w.idleSince = restored.idleSince;
      w.lastOfferSeq = restored.lastOfferSeq;
      w.statusSince = restored.statusSince;
      this.#workerOrder = Math.max(this.#workerOrder, restored.order + 1);
    }
    w.kind = data.kind;
    w.input = data;
    w.attributes = data.attributes as Record<string, unknown>;
    w.skills = (data.attributes.skills ?? {}) as Record<string, number>;
    w.ctx = { ...w.attributes, id: w.id, kind: w.kind };
    w.draining = restored?.draining ?? false;
    if (w.status !== data.status) {
      if (data.status === 'available' && w.activeTasks === 0) w.idleSince = now;
      w.statusSince = now;
    }
    w.status = data.status;
    w.reason = data.reason;
    const previous = w.caps;
    w.capacity = new Map();
    w.caps = [];
    w.capacityUnits = 0;
    for (const [channel, entry] of Object.entries(data.capacity)) {
      const ch = this.#channelIndex(channel);
      // Channel objects are updated in place: held reservations point at them.
      const cap: ChannelCap = previous[ch] ?? { units: 0, weight: 1, used: 0 };
      cap.units = typeof entry === 'number' ? entry : entry.units;
      cap.weight = typeof entry === 'number' ? 1 : entry.weight;
      w.capacity.set(ch, cap);
      w.caps[ch] = cap;
      w.capacityUnits += cap.units;
    }
    // A channel dropped while tasks on it are still held keeps their usage (no room, no offers).
    previous.forEach((cap, ch) => {
      if (cap !== undefined && cap.used > 0 && w.caps[ch] === undefined) {
        cap.units = 0;
        w.caps[ch] = cap;
      }
    });
    setFirstCap(w);
    w.totalCapacity = data.totalCapacity;
    if (w.totalCapacity !== undefined) w.capacityUnits = Math.min(w.capacityUnits, w.totalCapacity);
    this.#leaveShiftGroup(w);
    w.calendarName = data.calendar;
    w.calendar = data.calendar === undefined ? undefined : this.#calendars[data.calendar];
    if (w.calendar && data.calendar !== undefined) {
      w.inShift = w.calendar.isBusinessTime(now);
      if (typeof w.calendar.periodsAfter === 'function') this.#joinShiftGroup(w, data.calendar, w.calendar);
      else this.#calendarWorkers.add(w);
    } else {
      w.inShift = true;
    }
    this.#updateOccupancy(w);
    this.#indexWorker(w);
    if (!restored && previousStatus !== data.status) {
      this.#emit('worker.status_changed', 'worker', w.id, {
        workerId: w.id,
        from: previousStatus,
        to: data.status,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
      });
    }
    if (!this.#offerable(w)) this.#rescindWorkerOffers(w, 'worker_unavailable');
    return w;
  }

  #indexWorker(w: WorkerState): void {
    this.#skillIndex.add(w, w.skills);
    this.#attributeIndex.add(w, w.attributes);
    const seen = new Set<QueueRuntime>();
    const consider = (q: QueueRuntime) => {
      if (seen.has(q)) return;
      seen.add(q);
      if (meetsRequirement(q.requirement, w) && (!q.expr || q.expr.evaluate({ worker: w.ctx }))) {
        w.queues.push(q);
        q.members.add(w);
      }
    };
    for (const skill of Object.keys(w.skills))
      for (const q of this.#queuesBySkill.get(skill) ?? []) consider(q);
    for (const q of this.#queuesWithoutSkill) consider(q);
    w.queues.sort((a, b) => a.idx - b.idx);
    for (const q of w.queues) {
      for (const ch of w.capacity.keys()) {
        const entry: IdleEntry = {
          worker: w,
          queue: q,
          ch,
          lane: this.#lane(q, ch),
          handle: -1,
          inHeap: false,
          rank: 0,
          idle: 0,
        };
        entry.handle = this.#idlePositions.alloc(entry);
        w.entries.push(entry);
        w.lanes.push(entry.lane);
      }
    }
    this.#placeLanes(w);
    this.#refreshWorker(w);
  }

  /** Copies the worker's lane rows into the shared pool the free-worker scan reads. */
  #placeLanes(w: WorkerState): void {
    const n = w.lanes.length;
    if (this.#lanePoolUsed + n > this.#lanePool.length) {
      // Compact away rows of re-indexed or removed workers, then grow if still short.
      let live = 0;
      for (const x of this.#workers.values()) live += x === w ? 0 : x.laneCount;
      const size = Math.max(1024, 2 ** Math.ceil(Math.log2((live + n) * 2)));
      const pool = new Int32Array(size);
      let at = 0;
      for (const x of this.#workers.values()) {
        if (x === w || x.laneCount === 0) continue;
        pool.set(this.#lanePool.subarray(x.laneStart, x.laneStart + x.laneCount), at);
        x.laneStart = at;
        at += x.laneCount;
      }
      this.#lanePool = pool;
      this.#lanePoolUsed = at;
    }
    w.laneStart = this.#lanePoolUsed;
    w.laneCount = n;
    for (let i = 0; i < n; i++) this.#lanePool[w.laneStart + i] = (w.lanes[i] as Lane).idx;
    this.#lanePoolUsed += n;
  }

  #unindexWorker(w: WorkerState): void {
    this.#skillIndex.remove(w, w.skills);
    this.#attributeIndex.remove(w, w.attributes);
    for (const e of w.entries) {
      if (e.inHeap) {
        e.lane.idle.remove(e);
        e.inHeap = false;
        (this.#laneTable.idle[e.lane.idx] as number)--;
      }
      this.#idlePositions.release(e.handle);
    }
    w.inHeaps = 0;
    for (const q of w.queues) q.members.delete(w);
    w.entries = [];
    w.lanes = [];
    w.laneCount = 0;
    w.queues = [];
  }

  #lane(q: QueueRuntime, ch: number): Lane {
    let lane = q.lanes[ch];
    if (!lane) {
      lane = {
        idle: new IdleHeap<IdleEntry>(this.#idlePositions),
        ch,
        idx: this.#laneTable.add(ch),
        table: this.#laneTable,
        groups: new Map(),
        list: [],
      };
      q.lanes[ch] = lane;
    }
    return lane;
  }

  /** Puts the worker's idle entries in or out of the per-queue heaps and re-sorts them. */
  #refreshWorker(w: WorkerState): void {
    const present = w.status === 'available' && !w.draining;
    // A worker out of every heap that wants none (the common case right after it takes a task
    // under load) has nothing to do: skip touching its ~30 entries.
    if (w.inHeaps === 0 && (!present || !this.#hasAnyRoom(w))) return;
    // The worker's keys, computed once: every lane heap re-sorts on numbers it keeps itself.
    const rank = present ? this.#rankOf(w) : 0;
    const idle = w.idleSince;
    const counts = this.#laneTable.idle;
    for (const e of w.entries) {
      const want = present && this.#hasRoom(w, e.ch);
      if (want) {
        if (!e.inHeap) {
          e.lane.idle.push(e, rank, idle, w.order);
          e.inHeap = true;
          w.inHeaps++;
          (counts[e.lane.idx] as number)++;
        } else if (e.rank !== rank || e.idle !== idle) e.lane.idle.update(e, rank, idle);
        e.rank = rank;
        e.idle = idle;
      } else if (e.inHeap) {
        e.lane.idle.remove(e);
        e.inHeap = false;
        w.inHeaps--;
        (counts[e.lane.idx] as number)--;
      }
    }
  }

  /** The worker's idle-heap rank (a custom rank returning `NaN` sorts last). */
  #rankOf(w: WorkerState): number {
    const r = this.#rankFn(w);
    return Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
  }

  #offerable(w: WorkerState): boolean {
    return w.status === 'available' && !w.draining && w.inShift;
  }

  #hasRoom(w: WorkerState, ch: number): boolean {
    // Most workers have one channel: its entry sits on the worker itself.
    const cap = capOf(w, ch);
    if (cap === undefined) return false;
    if (cap.used + cap.weight > cap.units) return false;
    return w.totalCapacity === undefined || w.usedTotal + cap.weight <= w.totalCapacity;
  }

  #updateOccupancy(w: WorkerState): void {
    w.occupancy = w.capacityUnits > 0 ? Math.min(1, w.usedTotal / w.capacityUnits) : 1;
  }

  /**
   * Changes a worker's presence. Leaving `available` rescinds the worker's open offers (their
   * tasks re-route at once); assigned tasks stay with the worker.
   *
   * @example
   * ```ts
   * engine.setWorkerStatus('ana', 'away', 'lunch');
   * ```
   */
  setWorkerStatus(id: string, status: Presence, reason?: string): WorkerInfo {
    const args = parseInput(
      StatusArgsSchema,
      reason === undefined ? { id, status } : { id, status, reason },
      'worker status',
    );
    const w = this.#workers.get(args.id);
    if (!w) throw notFound('worker', args.id);
    return this.#run(() => {
      const from = w.status;
      const now = this.#now();
      if (from !== args.status) {
        w.status = args.status;
        w.statusSince = now;
        if (args.status === 'available' && w.activeTasks === 0) w.idleSince = now;
      }
      w.reason = args.reason;
      w.input = {
        ...w.input,
        status: args.status,
        ...(args.reason === undefined ? {} : { reason: args.reason }),
      };
      if (args.reason === undefined) delete w.input.reason;
      this.#emit('worker.status_changed', 'worker', w.id, {
        workerId: w.id,
        from,
        to: args.status,
        ...(args.reason === undefined ? {} : { reason: args.reason }),
      });
      if (!this.#offerable(w)) this.#rescindWorkerOffers(w, 'worker_unavailable');
      this.#refreshWorker(w);
      this.#dispatchWorker(w);
      return this.#workerInfo(w);
    });
  }

  /**
   * Removes a worker by draining it: no new offers, open offers are rescinded, assigned tasks
   * finish normally; the worker disappears when its last task completes.
   *
   * @example
   * ```ts
   * engine.removeWorker('ana');
   * ```
   */
  removeWorker(id: string): void {
    const key = parseInput(z.string().min(1), id, 'worker id');
    const w = this.#workers.get(key);
    if (!w) throw notFound('worker', key);
    this.#run(() => {
      w.draining = true;
      this.#rescindWorkerOffers(w, 'worker_removed');
      this.#refreshWorker(w);
      this.#purgeIfDrained(w);
    });
  }

  #purgeIfDrained(w: WorkerState): void {
    if (!w.draining || w.activeTasks > 0) return;
    this.#unindexWorker(w);
    this.#workers.delete(w.id);
    w.removed = true;
    this.#leaveShiftGroup(w);
  }

  #leaveShiftGroup(w: WorkerState): void {
    this.#calendarWorkers.delete(w);
    if (w.calendarName !== undefined) this.#shiftGroups.get(w.calendarName)?.workers.delete(w);
  }

  #joinShiftGroup(w: WorkerState, name: string, calendar: ShiftCalendar): void {
    let group = this.#shiftGroups.get(name);
    if (!group) {
      group = { calendar, workers: new Set(), deadline: undefined };
      this.#shiftGroups.set(name, group);
    }
    group.workers.add(w);
    if (group.deadline === undefined) this.#scheduleShift(name, group, this.#now());
  }

  #scheduleShift(name: string, group: ShiftGroup, from: number): void {
    const next = nextShiftChange(group.calendar, from);
    group.deadline = next === null ? undefined : this.#deadlines.add(next, 'shift', name, 0);
  }

  /** A shift calendar opened or closed: its workers come on or go off shift. */
  #fireShift(d: Deadline): void {
    const group = this.#shiftGroups.get(d.ref);
    if (!group || group.deadline !== d) return;
    group.deadline = undefined;
    if (group.workers.size === 0) return;
    const inShift = group.calendar.isBusinessTime(d.at);
    for (const w of [...group.workers]) this.#setInShift(w, inShift);
    this.#scheduleShift(d.ref, group, d.at);
  }

  #setInShift(w: WorkerState, inShift: boolean): void {
    if (inShift === w.inShift) return;
    w.inShift = inShift;
    if (!inShift) this.#rescindWorkerOffers(w, 'shift_ended');
    else this.#dispatchWorker(w);
  }

  #rescindWorkerOffers(w: WorkerState, reason: string): void {
    const offers: ReservationState[] = [];
    for (let r = w.offerHead; r !== null; r = r.offerNext) offers.push(r);
    for (const r of offers) this.#endPending(r, 'rescinded', reason);
  }

  /** A worker's current state, or `undefined`. */
  getWorker(id: string): WorkerInfo | undefined {
    const w = this.#workers.get(id);
    return w ? this.#workerInfo(w) : undefined;
  }

  #workerInfo(w: WorkerState): WorkerInfo {
    const capacity: Record<string, { units: number; weight: number }> = {};
    const used: Record<string, number> = {};
    for (const [ch, cap] of w.capacity) {
      const name = this.#channelNames[ch] as string;
      capacity[name] = { units: cap.units, weight: cap.weight };
      used[name] = cap.used;
    }
    return {
      id: w.id,
      kind: w.kind,
      status: w.status,
      ...(w.reason === undefined ? {} : { reason: w.reason }),
      draining: w.draining,
      attributes: w.attributes,
      capacity,
      ...(w.totalCapacity === undefined ? {} : { totalCapacity: w.totalCapacity }),
      used,
      activeTasks: w.activeTasks,
      idleSince: w.idleSince,
      queues: w.queues.map((q) => q.config.id),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Tasks

  /**
   * Submits a task: the first matching filter picks its step ladder, the task waits in the
   * step's queue and is offered as soon as an eligible worker is free.
   *
   * @example
   * ```ts
   * engine.submitTask({ id: 't1', channel: 'chat', priority: 5, attributes: { language: 'fr' } });
   * ```
   */
  submitTask(input: TaskInput): TaskInfo {
    // Hot path: `submitTask`, `completeTask` and `acceptReservation` open-code `#run` (depth,
    // try/finally, flush) instead of passing it a closure per call.
    const data = parseTaskInputFast(input) ?? parseInput(TaskInputSchema, input, 'task');
    const id = data.id ?? this.#ids.next('task');
    if (this.#tasks.has(id)) {
      throw new ThreadlineError('CONFLICT', `Task "${id}" already exists`, { details: { taskId: id } });
    }
    this.#depth++;
    try {
      const now = this.#now();
      const createdAt = data.createdAt === undefined ? now : toMillis(data.createdAt, 'createdAt');
      const t: TaskState = {
        id,
        seq: this.#taskSeq++,
        channel: data.channel,
        ch: this.#channelIndex(data.channel),
        priority: data.priority,
        attributes: data.attributes,
        requiredSkills: data.requiredSkills ?? NO_SKILLS,
        preferredWorkerId: data.preferredWorkerId ?? null,
        deadline: data.deadline ?? null,
        createdAt,
        routedAt: now,
        humanOnly: false,
        handoffQueue: null,
        status: 'pending',
        filterIdx: NO_FILTER,
        stepIdx: 0,
        route: null,
        agedBase: 0,
        boosted: false,
        group: null,
        handle: this.#taskPositions.alloc(),
        excluded: null,
        pending: NO_PENDING,
        assigned: null,
        assignedAt: null,
        stepDeadline: undefined,
        boostDeadline: undefined,
        botDeadline: undefined,
        ctx: null,
      };
      this.#tasks.set(id, t);
      this.#scheduleBoost(t);
      this.#enterWorkflow(t, null);
      return this.#taskInfo(t);
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#flush();
    }
  }

  /**
   * Updates a task and re-evaluates it: a waiting task re-runs the filters (keeping its step
   * when the same filter still matches); a reserved or assigned task only stores the change.
   *
   * @example
   * ```ts
   * engine.updateTask('t1', { priority: 9, attributes: { tier: 'vip' } });
   * ```
   */
  updateTask(id: string, patch: TaskPatch): TaskInfo {
    const t = this.#tasks.get(id);
    if (!t) throw notFound('task', String(id));
    const data = parseInput(TaskPatchSchema, patch, 'task patch');
    return this.#run(() => {
      t.ctx = null;
      if (data.priority !== undefined) t.priority = data.priority;
      if (data.attributes !== undefined) t.attributes = { ...t.attributes, ...data.attributes };
      if (data.requiredSkills !== undefined) t.requiredSkills = data.requiredSkills;
      if (data.preferredWorkerId !== undefined) t.preferredWorkerId = data.preferredWorkerId;
      if (data.deadline !== undefined) {
        t.deadline = data.deadline;
        this.#deadlines.cancel(t.boostDeadline);
        t.boostDeadline = undefined;
        t.boosted = false;
        this.#scheduleBoost(t);
      }
      if (t.status === 'pending' || t.status === 'unrouted') {
        this.#leaveGroup(t);
        const previousFilter = t.filterIdx;
        this.#enterWorkflow(t, previousFilter);
      } else if (t.status === 'reserved' && this.#offersNoLongerFit(t)) {
        // The open offers no longer fit the task: rescind them and route it afresh.
        for (const r of [...t.pending]) this.#endPending(r, 'rescinded', 'task_updated', false);
        if (t.status === 'reserved' && t.pending.length === 0 && this.#tasks.get(t.id) === t) {
          t.status = 'pending';
          this.#enterWorkflow(t, t.filterIdx);
        }
      }
      return this.#taskInfo(t);
    });
  }

  /** After an update: does another filter match now, or has an offered worker stopped qualifying? */
  #offersNoLongerFit(t: TaskState): boolean {
    if (t.handoffQueue !== null) return false;
    if (this.#matchFilter(t) !== t.filterIdx) return true;
    const step = this.#currentStep(t);
    if (!step) return true;
    const g = this.#groupFor(t, step);
    for (const r of t.pending) {
      if (!groupAdmits(g, r.worker)) return true;
      if (g.pinnedWorkerId !== null && g.pinnedWorkerId !== r.worker.id) return true;
    }
    return false;
  }

  /**
   * Cancels a task in any state: open offers are rescinded and any held capacity is freed.
   *
   * @example
   * ```ts
   * engine.cancelTask('t1', 'customer_hung_up');
   * ```
   */
  cancelTask(id: string, reason: string): void {
    const t = this.#tasks.get(id);
    if (!t) throw notFound('task', String(id));
    const why = parseInput(z.string().min(1).max(500), reason, 'cancel reason');
    this.#run(() => {
      this.#leaveGroup(t);
      for (const r of [...t.pending]) this.#endPending(r, 'canceled', 'task_canceled', false);
      const held = t.assigned;
      if (held) {
        assertTransition(held.id, held.status, 'canceled');
        held.status = 'canceled';
        this.#releaseReservation(held);
      }
      this.#forgetTask(t);
      this.#emit('task.canceled', 'task', t.id, { taskId: t.id, reason: why });
      if (held) this.#afterFree(held.worker);
    });
  }

  /**
   * Completes an assigned task. With `wrapUpMs`, the worker's capacity frees only after the
   * wrap-up time (fired by `advanceTo`).
   *
   * @example
   * ```ts
   * engine.completeTask('t1', { wrapUpMs: 30_000 });
   * ```
   */
  completeTask(id: string, options?: { wrapUpMs?: number }): void {
    const t = this.#tasks.get(id);
    if (!t) throw notFound('task', String(id));
    // The common call has no options: skip the schema on that path.
    const opts: { wrapUpMs?: number } =
      options === undefined || (options !== null && typeof options === 'object' && !hasKeys(options))
        ? NO_OPTIONS
        : parseInput(CompleteOptionsSchema, options, 'complete options');
    const r = t.assigned;
    if (t.status !== 'assigned' || !r) {
      throw new ThreadlineError('ILLEGAL_TRANSITION', `Task "${id}" is ${t.status}, not assigned`, {
        details: { taskId: id, status: t.status },
      });
    }
    this.#depth++;
    try {
      const now = this.#now();
      const wrap = opts.wrapUpMs ?? 0;
      // Hot-path events build their payloads only when someone listens.
      if (this.#wants('task.completed'))
        this.#emit('task.completed', 'task', t.id, {
          taskId: t.id,
          workerId: r.worker.id,
          wrapUpUntil: now + wrap,
        });
      if (wrap > 0) {
        assertTransition(r.id, r.status, 'wrapping');
        r.status = 'wrapping';
        t.status = 'wrapping';
        this.#wrapping.set(r.id, r);
        this.#forgetBotTask(t);
        r.deadline = this.#deadlines.add(now + wrap, 'wrapup', r.id, 0);
      } else {
        this.#finish(r);
      }
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#flush();
    }
  }

  #finish(r: ReservationState): void {
    assertTransition(r.id, r.status, 'completed');
    r.status = 'completed';
    this.#releaseReservation(r);
    this.#forgetTask(r.task);
    this.#afterFree(r.worker);
  }

  /** A task's current state, or `undefined` once completed or canceled. */
  getTask(id: string): TaskInfo | undefined {
    const t = this.#tasks.get(id);
    return t ? this.#taskInfo(t) : undefined;
  }

  #taskInfo(t: TaskState): TaskInfo {
    // The step `#enterStep` recorded spares loading the filter and its step list.
    const route = t.route;
    const filter = route === null ? this.#filterOf(t) : null;
    const step = route ?? filter?.steps[t.stepIdx];
    return {
      id: t.id,
      channel: t.channel,
      priority: t.priority,
      status: t.status,
      attributes: t.attributes,
      requiredSkills: t.requiredSkills,
      createdAt: t.createdAt,
      filter: route === null ? (filter?.name ?? null) : route.filterName,
      step: t.stepIdx,
      queue: t.handoffQueue ?? step?.queueId ?? null,
      workerId: t.assigned?.worker.id ?? null,
      reservations: t.pending.length === 0 ? NO_IDS : t.pending.map((r) => r.id),
    };
  }

  #forgetTask(t: TaskState): void {
    this.#deadlines.cancel(t.stepDeadline);
    this.#deadlines.cancel(t.boostDeadline);
    t.stepDeadline = undefined;
    t.boostDeadline = undefined;
    this.#tasks.delete(t.id);
    if (t.botDeadline !== undefined) this.#forgetBotTask(t);
    this.#taskPositions.release(t.handle);
  }

  // -------------------------------------------------------------------------------------------
  // Workflow

  #taskCtx(t: TaskState): Record<string, unknown> {
    if (!t.ctx) {
      t.ctx = {
        ...t.attributes,
        id: t.id,
        channel: t.channel,
        priority: t.priority,
        requiredSkills: t.requiredSkills,
        preferredWorkerId: t.preferredWorkerId,
        deadline: t.deadline,
        createdAt: t.createdAt,
      };
    }
    return t.ctx;
  }

  #filterOf(t: TaskState): FilterRuntime | null {
    if (t.filterIdx === DEFAULT_FILTER) return this.#defaultFilter;
    if (t.filterIdx < 0) return null;
    return this.#filters[t.filterIdx] ?? null;
  }

  /** Indexed filter candidates for `t` (plus the unindexed filters), in filter order. */
  #indexedCandidates(t: TaskState): number[] {
    const found: number[] = [...this.#unindexedFilters];
    for (const [attr, byValue] of this.#filterIndex) {
      const value = t.attributes[attr];
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        const list = byValue.get(v);
        if (list) for (const i of list) found.push(i);
      }
    }
    if (found.length > 1) found.sort((a, b) => a - b);
    return found;
  }

  #matchFilter(t: TaskState): number {
    let candidates: readonly number[] = this.#unindexedFilters;
    const sole = this.#soleFilterIndex;
    const soleValue = sole === null ? undefined : t.attributes[sole.attr];
    if (sole !== null && !Array.isArray(soleValue)) {
      // One indexed attribute, no unindexed filters and a scalar value: its list (in filter
      // order, without duplicates) is already the candidate set.
      candidates = sole.byValue.get(soleValue) ?? NO_CANDIDATES;
      const first = candidates[0];
      if (first !== undefined && (this.#filters[first] as FilterRuntime).indexOnly) return first;
    } else if (this.#filterIndex.size > 0) {
      candidates = this.#indexedCandidates(t);
    }
    for (const i of candidates) {
      const filter = this.#filters[i] as FilterRuntime;
      const match = filter.config?.match;
      if (!match) {
        if (filter.when && !filter.when.evaluate({ task: this.#taskCtx(t) })) continue;
        return i;
      }
      if (match.channel !== undefined) {
        const channels = Array.isArray(match.channel) ? match.channel : [match.channel];
        if (!channels.includes(t.channel)) continue;
      }
      if (match.minPriority !== undefined && t.priority < match.minPriority) continue;
      if (filter.match && !meetsRequirement(filter.match, { skills: NO_SKILLS, attributes: t.attributes }))
        continue;
      if (match.businessHours) {
        const cal = this.#calendars[match.businessHours.calendar] as ShiftCalendar;
        if (cal.isBusinessTime(this.#now()) !== match.businessHours.open) continue;
      }
      if (filter.when && !filter.when.evaluate({ task: this.#taskCtx(t) })) continue;
      return i;
    }
    return this.#defaultFilter ? DEFAULT_FILTER : NO_FILTER;
  }

  #enterWorkflow(t: TaskState, previousFilter: number | null): void {
    const idx = this.#matchFilter(t);
    if (previousFilter !== null && idx === previousFilter && idx !== NO_FILTER) {
      this.#enterStep(t, t.stepIdx, 'updated', true);
      return;
    }
    t.filterIdx = idx;
    t.route = null;
    if (idx === NO_FILTER) {
      t.status = 'unrouted';
      return;
    }
    t.status = 'pending';
    this.#enterStep(t, 0, null, false);
  }

  /** Moves a pending task into step `i` (skipping steps that cannot apply) and routes it. */
  #enterStep(t: TaskState, i: number, reason: StepChangeReason | null, stay: boolean): void {
    const filter = this.#filterOf(t);
    if (!filter) return;
    const now = this.#now();
    const from = t.stepIdx;
    let why = reason;
    let idx = i;
    const last = filter.steps.length - 1;
    for (;;) {
      const step = filter.steps[idx] as StepRuntime;
      if (idx < last && !stay) {
        const timeoutAt = step.timeout === undefined ? null : t.routedAt + step.timeout;
        if (timeoutAt !== null && timeoutAt <= now) {
          idx++;
          why = 'timeout';
          continue;
        }
        if (step.config.knownWorker && this.#knownWorkerId(t, step.config) === null) {
          idx++;
          why = 'no_known_worker';
          continue;
        }
        if (step.skipIf) {
          const group = this.#groupFor(t, step);
          const available = this.#countAvailable(t, group, Number.POSITIVE_INFINITY);
          const members = group.pinnedWorkerId === null ? step.queue.members.size : available;
          if (step.skipIf.evaluate({ task: this.#taskCtx(t), workers: { available, members } })) {
            idx++;
            why = 'skipped';
            continue;
          }
        }
        if (step.config.skipIfAvailableBelow !== undefined) {
          const group = this.#groupFor(t, step);
          if (
            this.#countAvailable(t, group, step.config.skipIfAvailableBelow) <
            step.config.skipIfAvailableBelow
          ) {
            idx++;
            why = 'skipped';
            continue;
          }
        }
      }
      break;
    }
    stay = false;
    t.stepIdx = idx;
    t.route = t.handoffQueue === null ? (filter.steps[idx] as StepRuntime) : null;
    const step = filter.steps[idx] as StepRuntime;
    if (t.stepDeadline !== undefined) {
      this.#deadlines.cancel(t.stepDeadline);
      t.stepDeadline = undefined;
    }
    if (idx < last && step.timeout !== undefined)
      t.stepDeadline = this.#deadlines.add(Math.max(t.routedAt + step.timeout, now), 'step', t.id, 0);
    if (why !== null && (from !== idx || why === 'handoff')) {
      this.#emit('task.step_changed', 'task', t.id, {
        taskId: t.id,
        filter: filter.name,
        fromStep: from,
        toStep: idx,
        queue: t.handoffQueue ?? step.queueId,
        reason: why,
      });
    }
    this.#joinGroup(t, this.#groupFor(t, step), step);
    if (this.#wants('task.queued'))
      this.#emit('task.queued', 'task', t.id, {
        taskId: t.id,
        filter: filter.name,
        step: idx,
        queue: t.handoffQueue ?? step.queueId,
        priority: this.#basePriority(t),
      });
    this.#routeTask(t, undefined, step);
  }

  #knownWorkerId(t: TaskState, step: StepConfig): string | null {
    if (step.knownWorker === 'preferred') return t.preferredWorkerId;
    if (step.knownWorker === 'last') {
      const key = t.attributes[this.#workflow.stickyKey];
      if (typeof key !== 'string' && typeof key !== 'number') return null;
      return this.#sticky.get(String(key)) ?? null;
    }
    return null;
  }

  #currentStep(t: TaskState): StepRuntime | undefined {
    const step = this.#filterOf(t)?.steps[t.stepIdx];
    if (!step || t.handoffQueue === null) return step;
    return { ...step, queue: this.#queueById.get(t.handoffQueue) ?? step.queue };
  }

  #basePriority(t: TaskState): number {
    const step = this.#currentStep(t);
    const slaBoost = t.boosted ? (step?.queue.config.slaBoost?.boost ?? 0) : 0;
    return (step?.config.priority ?? t.priority) + slaBoost;
  }

  #scheduleBoost(t: TaskState): void {
    if (t.deadline === null) return;
    // The boost window is per queue; schedule at the widest window, re-checked when it fires.
    let within = 0;
    for (const q of this.#queues) within = Math.max(within, q.config.slaBoost?.within ?? 0);
    if (within === 0) return;
    const at = t.deadline - within;
    if (at <= this.#now()) t.boosted = true;
    else t.boostDeadline = this.#deadlines.add(at, 'boost', t.id, 0);
  }

  #groupFor(t: TaskState, step: StepRuntime): Group {
    const plain =
      t.handoffQueue === null &&
      step.expr === null &&
      step.config.knownWorker === undefined &&
      !t.humanOnly &&
      !hasKeys(t.requiredSkills);
    if (plain) {
      const cached = step.plainGroups[t.ch];
      if (cached !== undefined) return cached;
    }
    const queue = t.handoffQueue ? (this.#queueById.get(t.handoffQueue) ?? step.queue) : step.queue;
    const pinned = step.config.knownWorker ? this.#knownWorkerId(t, step.config) : null;
    // Most tasks carry no skills of their own: the step's requirement, compiled once, is the merge.
    const requirement = hasKeys(t.requiredSkills)
      ? mergeRequirements([step.config.requires, { skills: t.requiredSkills } as Requirement])
      : step.requirement;
    let exprKey = '';
    if (step.expr) {
      const ctx = this.#taskCtx(t);
      exprKey = JSON.stringify(step.exprTaskPaths.map((path) => readSegments(ctx, path) ?? null));
    }
    const key =
      requirement === step.requirement && !t.humanOnly && pinned === null && !step.expr
        ? step.plainKey
        : `${requirement.key}|${t.humanOnly ? 'h' : ''}|${pinned ?? ''}|${step.expr ? step.expr.source : ''}|${exprKey}`;
    const bucket = pinned === null ? this.#lane(queue, t.ch).groups : this.#pinnedGroupMap(pinned);
    const fullKey = pinned === null ? key : `${queue.idx}|${t.ch}|${key}`;
    let group = bucket.get(fullKey);
    if (!group) {
      const lifo = queue.config.lifo;
      group = {
        key: fullKey,
        queue,
        ch: t.ch,
        requirement,
        humanOnly: t.humanOnly,
        pinnedWorkerId: pinned,
        // Higher aged priority first, then age (LIFO: newest), then submission order.
        heap: new TaskHeap<TaskState>(this.#taskPositions, lifo === true),
        expr: step.expr,
        exprTask: step.expr ? this.#taskCtx(t) : null,
        head: undefined,
        headBase: 0,
        headClean: true,
        excludedCount: 0,
        open:
          !t.humanOnly &&
          step.expr === null &&
          requirement.skillNames.length === 0 &&
          requirement.attributeNames.length === 0,
        rate: queue.ratePerMs,
        lane: pinned === null ? this.#lane(queue, t.ch) : null,
        laneIdx: pinned === null ? this.#lane(queue, t.ch).idx : -1,
        table: pinned === null ? this.#laneTable : null,
        queueId: queue.config.id,
        plain: key === step.plainKey && pinned === null,
      };
    }
    if (plain && group.plain) step.plainGroups[t.ch] = group;
    return group;
  }

  #pinnedGroupMap(workerId: string): Map<string, Group> {
    let m = this.#pinnedGroups.get(workerId);
    if (!m) {
      m = new Map();
      this.#pinnedGroups.set(workerId, m);
    }
    return m;
  }

  #groupBucket(g: Group): Map<string, Group> {
    return g.pinnedWorkerId === null
      ? this.#lane(g.queue, g.ch).groups
      : this.#pinnedGroupMap(g.pinnedWorkerId);
  }

  /** Queues `t` in `g`. `step`, when given, is `t`'s current step (spares looking it up). */
  #joinGroup(t: TaskState, g: Group, step?: StepRuntime): void {
    const base =
      step !== undefined && t.handoffQueue === null
        ? (step.config.priority ?? t.priority) + (t.boosted ? step.boost : 0)
        : this.#basePriority(t);
    t.agedBase = base - g.rate * t.createdAt;
    t.group = g;
    if (t.excluded !== null) g.excludedCount++;
    if (g.heap.size === 0) {
      if (!g.plain) this.#groupBucket(g).set(g.key, g);
      // A group has a lane unless it is pinned to one worker.
      const lane = g.lane;
      if (lane !== null) {
        lane.list.push(g);
        setLaneGroups(lane);
      }
    }
    g.heap.push(t);
    // Most arrivals queue behind the current head: then the head, its key and the lane's scan
    // row are unchanged.
    if (g.heap.peek() !== g.head) syncHead(g);
    this.#waiting++;
  }

  #leaveGroup(t: TaskState): void {
    const g = t.group;
    if (!g) return;
    g.heap.remove(t);
    if (t.excluded !== null) g.excludedCount--;
    if (t === g.head) syncHead(g);
    t.group = null;
    this.#waiting--;
    if (g.heap.size === 0) {
      // Plain groups stay in their bucket while empty (steps cache them): nothing to look up.
      if (!g.plain || g.pinnedWorkerId !== null) {
        const bucket = this.#groupBucket(g);
        if (!g.plain) bucket.delete(g.key);
        if (g.pinnedWorkerId !== null && bucket.size === 0) this.#pinnedGroups.delete(g.pinnedWorkerId);
      }
      const lane = g.lane;
      if (lane !== null) {
        const list = lane.list;
        const at = list.indexOf(g);
        if (at >= 0) {
          list[at] = list[list.length - 1] as Group;
          list.pop();
        }
        setLaneGroups(lane);
        syncLaneRow(lane.table, lane.idx);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Matching

  #eligible(w: WorkerState, t: TaskState, g: Group): boolean {
    if (!this.#offerable(w) || !this.#hasRoom(w, t.ch)) return false;
    if (!groupAdmits(g, w) || !this.#taskAllowsWorker(t, w)) return false;
    for (const r of t.pending) if (r.worker === w) return false;
    return true;
  }

  /** Finds up to `k` workers for `t`, best first. */
  #findWorkers(t: TaskState, g: Group, k: number, step: StepConfig): WorkerState[] {
    if (g.pinnedWorkerId !== null) {
      const w = this.#workers.get(g.pinnedWorkerId);
      return w && g.queue.members.has(w) && this.#eligible(w, t, g) ? [w] : [];
    }
    // Nobody idle in the lane (the common case under load): answered from the lane table.
    if (g.laneIdx >= 0 && this.#laneTable.idle[g.laneIdx] === 0) return NO_WORKERS;
    const heap = (g.lane as Lane).idle;
    if (heap.size === 0) return NO_WORKERS;
    const enumerate = this.#strategy.score !== undefined || step.orderBy !== undefined;
    // Pick the smallest candidate source: the queue's idle heap, or a skill bucket of the
    // step's extra requirements.
    let bucketSkill: string | undefined;
    let bucketLevel = 0;
    let bucketSize = heap.size;
    const req = g.requirement;
    for (let i = 0; i < req.skillNames.length; i++) {
      const n = this.#skillIndex.count(req.skillNames[i] as string, req.minLevels[i] as number);
      if (n < bucketSize) {
        bucketSize = n;
        bucketSkill = req.skillNames[i];
        bucketLevel = req.minLevels[i] as number;
      }
    }
    if (!enumerate && bucketSkill === undefined) {
      const found: WorkerState[] = [];
      heap.findInOrder((e) => {
        if (this.#eligible(e.worker, t, g)) found.push(e.worker);
        return found.length >= k;
      });
      return found;
    }
    const candidates: WorkerState[] = [];
    if (bucketSkill !== undefined) {
      const qIdx = g.queue.idx;
      this.#skillIndex.forEach(bucketSkill, bucketLevel, (w) => {
        if (!w.queues.some((q) => q.idx === qIdx)) return;
        if (this.#eligible(w, t, g)) candidates.push(w);
      });
    } else {
      heap.forEach((e) => {
        if (this.#eligible(e.worker, t, g)) candidates.push(e.worker);
      });
    }
    if (candidates.length === 0) return candidates;
    candidates.sort(this.#workerComparator(t, g, step));
    return candidates.slice(0, k);
  }

  #workerComparator(t: TaskState, g: Group, step: StepConfig): (a: WorkerState, b: WorkerState) => number {
    const strategy = this.#strategy;
    const view = this.#taskView(t, g);
    const rank = strategy.rank;
    const score = strategy.score;
    const orderBy = step.orderBy ?? [];
    return (a, b) => {
      for (const key of orderBy) {
        const va = readPath(a.attributes, key.attribute);
        const vb = readPath(b.attributes, key.attribute);
        const c = compareValues(va, vb);
        if (c !== 0) return key.direction === 'asc' ? c : -c;
      }
      if (score) {
        const d = score(b, view) - score(a, view);
        if (d !== 0) return d;
      }
      if (rank) {
        const d = rank(a) - rank(b);
        if (d !== 0) return d;
      }
      if (a.idleSince !== b.idleSince) return a.idleSince - b.idleSince;
      return a.order - b.order;
    };
  }

  #taskView(t: TaskState, g: Group): TaskView {
    const requiredSkills: Record<string, number> = {};
    g.requirement.skillNames.forEach((s, i) => {
      requiredSkills[s] = g.requirement.minLevels[i] as number;
    });
    return {
      id: t.id,
      channel: t.channel,
      priority: this.#basePriority(t),
      attributes: t.attributes,
      requiredSkills,
    };
  }

  #countAvailable(t: TaskState, g: Group, atLeast: number): number {
    if (g.pinnedWorkerId !== null) {
      const w = this.#workers.get(g.pinnedWorkerId);
      return w && this.#eligible(w, t, g) ? 1 : 0;
    }
    let n = 0;
    this.#lane(g.queue, t.ch).idle.findInOrder((e) => {
      if (this.#eligible(e.worker, t, g)) n++;
      return n >= atLeast;
    });
    return n;
  }

  /** Offers a pending task to the best available workers, if any. */
  #routeTask(t: TaskState, first?: WorkerState, current?: StepRuntime): boolean {
    const g = t.group;
    if (t.status !== 'pending' || !g) return false;
    let workers: WorkerState[];
    if (first !== undefined && t.route !== null && t.route.offers === 1) {
      // A freed worker taking a single-offer task (the common case): no step lookup, no list.
      this.#soloWorker[0] = first;
      workers = this.#soloWorker;
    } else {
      const step = current !== undefined && t.handoffQueue === null ? current : this.#currentStep(t);
      if (!step) return false;
      const k = step.config.offers;
      if (first) {
        workers = [first];
        if (k > 1)
          for (const w of this.#findWorkers(t, g, k, step.config))
            if (w !== first && workers.length < k) workers.push(w);
      } else {
        workers = this.#findWorkers(t, g, k, step.config);
      }
    }
    if (workers.length === 0) return false;
    const trace = this.#trace ? this.#explain(t) : undefined;
    this.#leaveGroup(t);
    t.status = 'reserved';
    this.#decisions++;
    const now = this.#now();
    for (const w of workers) {
      const cap = capOf(w, t.ch) as ChannelCap;
      const r: ReservationState = {
        id: this.#ids.next('res'),
        task: t,
        worker: w,
        status: 'pending',
        createdAt: now,
        expiresAt: now + this.#reservationTimeoutMs,
        ch: t.ch,
        weight: cap.weight,
        deadline: undefined,
        cap: undefined,
        offerPrev: null,
        offerNext: null,
      };
      r.deadline = this.#deadlines.add(r.expiresAt, 'reservation', r.id, 0);
      this.#reservations.add(r);
      if (t.pending === NO_PENDING) t.pending = [r];
      else t.pending.push(r);
      this.#holdCapacity(w, r);
      w.lastOfferSeq = this.#offerSeq++;
      // A worker dispatching for itself refreshes once when it is done (`#dispatchWorker`).
      if (w !== first) this.#refreshWorker(w);
      if (this.#wants('reservation.created')) {
        // A plain literal (no spread): the payload is built once per offer on the hot path.
        const payload: RoutingEventMap['reservation.created'] = {
          reservationId: r.id,
          taskId: t.id,
          workerId: w.id,
          queue: g.queueId,
          expiresAt: r.expiresAt,
        };
        if (trace !== undefined) payload.trace = trace;
        this.#emit('reservation.created', 'reservation', r.id, payload);
      }
    }
    return true;
  }

  #holdCapacity(w: WorkerState, r: ReservationState): void {
    let cap = capOf(w, r.ch);
    if (cap === undefined) {
      // A restored reservation on a channel the worker no longer lists.
      cap = { units: 0, weight: r.weight, used: 0 };
      w.caps[r.ch] = cap;
      setFirstCap(w);
    }
    cap.used += r.weight;
    r.cap = cap;
    w.usedTotal += r.weight;
    w.activeTasks++;
    if (r.status === 'pending') {
      r.offerNext = w.offerHead;
      if (w.offerHead !== null) w.offerHead.offerPrev = r;
      w.offerHead = r;
    }
    this.#updateOccupancy(w);
  }

  #releaseReservation(r: ReservationState): void {
    const w = r.worker;
    this.#deadlines.cancel(r.deadline);
    r.deadline = undefined;
    // The channel entry the offer was counted on (kept by reference: no worker array to load).
    const cap = r.cap;
    if (cap === undefined) return;
    r.cap = undefined;
    if (inOfferList(r)) unlinkOffer(r);
    cap.used -= r.weight;
    w.usedTotal -= r.weight;
    w.activeTasks--;
    if (w.activeTasks === 0) w.idleSince = this.#now();
    this.#updateOccupancy(w);
    // Open offers sit in the small offers index; a held one only in the held index (if built).
    this.#reservations.delete(r);
    if (this.#held !== null) this.#held.delete(r.id);
    if (this.#wrapping.size > 0) this.#wrapping.delete(r.id);
  }

  /** After capacity frees on a worker: refresh its heaps, drop it if draining, look for work. */
  #afterFree(w: WorkerState): void {
    this.#purgeIfDrained(w);
    if (w.removed) return;
    // Look for work before re-entering the idle heaps: a worker that takes a task at once
    // (the common case under load) never touches them. Dispatch refreshes the worker last.
    this.#dispatchWorker(w);
  }

  /** A free worker looks at the heads of its eligible queues (and its pinned tasks). */
  #dispatchWorker(w: WorkerState): void {
    // Offers made here skip the worker's heap refresh in `#routeTask`: one refresh at the end
    // covers them all (cheap when the worker ends up full, the common case under load).
    try {
      this.#dispatchLoop(w);
    } finally {
      this.#refreshWorker(w);
    }
  }

  /** Offers the worker the best heads it may take while it has room; true when it made an offer. */
  #dispatchLoop(w: WorkerState): boolean {
    let offered = false;
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.#offerable(w) || w.removed) return offered;
      const now = this.#now();
      let best: TaskState | undefined;
      let bestEff = 0;
      let room = false;
      let lastCh = -1;
      let lastRoom = false;
      // The scan reads the lane table's typed arrays (a few KB, cache-resident) and touches a
      // lane object only for lanes without a fast head.
      const table = this.#laneTable;
      const states = table.state;
      const chans = table.ch;
      const bases = table.base;
      const rates = table.rate;
      const heads = table.head;
      const pool = this.#lanePool;
      const start = w.laneStart;
      const count = w.laneCount;
      for (let i = 0; i < count; i++) {
        const li = pool[start + i] as number;
        const state = states[li] as number;
        if (state === LANE_EMPTY) continue;
        const ch = chans[li] as number;
        if (ch !== lastCh) {
          lastCh = ch;
          lastRoom = this.#hasRoom(w, ch);
          if (lastRoom) room = true;
        }
        if (!lastRoom) continue;
        if (state === LANE_FAST) {
          const eff = (bases[li] as number) + (rates[li] as number) * now;
          if (best === undefined || eff > bestEff) {
            best = heads[li];
            bestEff = eff;
          } else if (eff === bestEff) {
            const fast = heads[li] as TaskState;
            if (isOlder(fast, best)) best = fast;
          }
          continue;
        }
        const list = (w.lanes[i] as Lane).list;
        for (let k = 0; k < list.length; k++) {
          const g = list[k] as Group;
          // Fast path: an open group whose head has no exclusions needs no checks at all.
          const t = g.open && g.headClean ? g.head : this.#headFor(g, w);
          if (!t) continue;
          const eff = (t === g.head ? g.headBase : t.agedBase) + g.rate * now;
          if (!best || eff > bestEff || (eff === bestEff && isOlder(t, best))) {
            best = t;
            bestEff = eff;
          }
        }
      }
      const pinned = this.#pinnedGroups.size === 0 ? undefined : this.#pinnedGroups.get(w.id);
      if (pinned) {
        for (const g of pinned.values()) {
          if (!w.queues.includes(g.queue) || !this.#hasRoom(w, g.ch)) continue;
          room = true;
          const t = this.#headFor(g, w);
          if (!t) continue;
          const eff = (t === g.head ? g.headBase : t.agedBase) + g.queue.ratePerMs * now;
          if (!best || eff > bestEff || (eff === bestEff && isOlder(t, best))) {
            best = t;
            bestEff = eff;
          }
        }
      }
      if (!best || !room) return offered;
      if (this.#routeTask(best, w)) offered = true;
      if (!this.#hasAnyRoom(w)) return offered;
    }
    return offered;
  }

  #hasAnyRoom(w: WorkerState): boolean {
    if (!w.multiChannel) return w.firstCap !== undefined && this.#hasRoom(w, w.firstCh);
    const caps = w.caps;
    for (let ch = 0; ch < caps.length; ch++) if (caps[ch] !== undefined && this.#hasRoom(w, ch)) return true;
    return false;
  }

  /** The first task of group `g` that worker `w` may take, or undefined. */
  #headFor(g: Group, w: WorkerState): TaskState | undefined {
    const head = g.head;
    if (head === undefined || !groupAdmits(g, w)) return undefined;
    if (g.headClean || this.#taskAllowsWorker(head, w)) return head;
    return g.heap.findInOrder((x) => this.#taskAllowsWorker(x, w));
  }

  #taskAllowsWorker(t: TaskState, w: WorkerState): boolean {
    if (t.excluded === null || t.excluded.size === 0) return true;
    const until = t.excluded.get(w.id);
    return until === undefined || until <= this.#now();
  }

  // -------------------------------------------------------------------------------------------
  // Reservations

  /**
   * Accepts an open offer: the task is assigned to the worker and any other offers for the
   * same task (multi-offer) are rescinded.
   *
   * @example
   * ```ts
   * engine.on('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
   * ```
   */
  acceptReservation(id: string): TaskInfo {
    const r = this.#reservations.get(id) ?? this.#findReservation(id);
    if (!r) throw notFound('reservation', String(id));
    assertTransition(r.id, r.status, 'accepted');
    this.#depth++;
    try {
      const t = r.task;
      this.#deadlines.cancel(r.deadline);
      r.deadline = undefined;
      r.status = 'accepted';
      if (inOfferList(r)) unlinkOffer(r);
      this.#reservations.delete(r);
      if (this.#held !== null) this.#held.set(r.id, r);
      // Single offer (the common case): nothing else to rescind and no array to copy.
      if (t.pending.length === 1 && t.pending[0] === r) t.pending = NO_PENDING;
      else {
        t.pending = t.pending.filter((x) => x !== r);
        for (const other of [...t.pending]) this.#endPending(other, 'rescinded', 'accepted_elsewhere', false);
      }
      t.status = 'assigned';
      t.assigned = r;
      t.assignedAt = this.#now();
      this.#deadlines.cancel(t.stepDeadline);
      t.stepDeadline = undefined;
      if (this.#usesSticky) {
        const key = t.attributes[this.#workflow.stickyKey];
        if ((typeof key === 'string' || typeof key === 'number') && r.worker.kind === 'human')
          this.#sticky.set(String(key), r.worker.id);
      }
      if (r.worker.kind === 'bot') this.#trackBotTask(t);
      if (this.#wants('reservation.accepted'))
        this.#emit('reservation.accepted', 'reservation', r.id, {
          reservationId: r.id,
          taskId: t.id,
          workerId: r.worker.id,
        });
      if (this.#wants('task.assigned'))
        this.#emit('task.assigned', 'task', t.id, {
          taskId: t.id,
          workerId: r.worker.id,
          reservationId: r.id,
        });
      return this.#taskInfo(t);
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#flush();
    }
  }

  /**
   * Rejects an open offer. The worker is not offered the same task again within the workflow's
   * exclusion window; the task re-routes.
   *
   * @example
   * ```ts
   * engine.rejectReservation('res-1', { reason: 'on another call' });
   * ```
   */
  rejectReservation(id: string, options: { reason: string }): void {
    const r = this.#reservations.get(id) ?? this.#findReservation(id);
    if (!r) throw notFound('reservation', String(id));
    const opts = parseInput(ResolveRejectSchema, options, 'reject options');
    assertTransition(r.id, r.status, 'rejected');
    this.#run(() => this.#endPending(r, 'rejected', opts.reason));
  }

  /** Ends a pending reservation (rejected, timeout, rescinded, canceled), freeing the worker and re-routing the task. */
  #endPending(
    r: ReservationState,
    status: 'rejected' | 'timeout' | 'rescinded' | 'canceled',
    reason: string,
    reroute = true,
  ): void {
    assertTransition(r.id, r.status, status);
    r.status = status;
    const t = r.task;
    const w = r.worker;
    this.#releaseReservation(r);
    t.pending = t.pending.filter((x) => x !== r);
    if (status === 'rejected' || status === 'timeout') {
      const until = this.#now() + this.#workflow.exclusionWindow;
      (t.excluded ??= new Map()).set(w.id, until);
      this.#deadlines.add(until, 'exclusion', t.id, 0);
    }
    const payload = { reservationId: r.id, taskId: t.id, workerId: w.id };
    if (status === 'rejected')
      this.#emit('reservation.rejected', 'reservation', r.id, { ...payload, reason });
    else if (status === 'timeout') this.#emit('reservation.timeout', 'reservation', r.id, payload);
    else this.#emit('reservation.rescinded', 'reservation', r.id, { ...payload, reason });
    if (reroute && t.status === 'reserved' && t.pending.length === 0 && this.#tasks.get(t.id) === t) {
      t.status = 'pending';
      const step = this.#currentStep(t);
      if (step) {
        this.#joinGroup(t, this.#groupFor(t, step));
        this.#routeTask(t);
      }
    }
    this.#afterFree(w);
  }

  /** Open and held reservations of a task or worker, for inspection. */
  getReservation(id: string): ReservationInfo | undefined {
    const r = this.#findReservation(id);
    return r ? this.#reservationInfo(r) : undefined;
  }

  /** An open or held reservation by id (builds the held index on first use). */
  #findReservation(id: string): ReservationState | undefined {
    const open = this.#reservations.get(id);
    if (open !== undefined) return open;
    if (this.#held === null) {
      this.#held = new Map();
      for (const t of this.#tasks.values())
        if (t.assigned !== null) this.#held.set(t.assigned.id, t.assigned);
    }
    return this.#held.get(id);
  }

  #reservationInfo(r: ReservationState): ReservationInfo {
    return {
      id: r.id,
      taskId: r.task.id,
      workerId: r.worker.id,
      status: r.status,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      channel: this.#channelNames[r.ch] as string,
      weight: r.weight,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** The earliest instant at which the engine has work (offer timeout, step timeout, wrap-up end …), or `null`. */
  nextDeadline(): number | null {
    return this.#deadlines.next();
  }

  /**
   * Fires everything due at or before `now`, in deadline order: offer timeouts, step timeouts,
   * SLA boosts, wrap-up ends, exclusion ends; then re-checks workers whose shift started or ended.
   *
   * @example
   * ```ts
   * const scheduler = new Scheduler({ clock, targets: [engine] });
   * engine.advanceTo(clock.now());
   * ```
   */
  advanceTo(now: Instant): void {
    const until = toMillis(now, 'now');
    this.#run(() => {
      for (;;) {
        const d = this.#deadlines.popDue(until);
        if (!d) break;
        this.#timeOverride = d.at;
        try {
          this.#fire(d);
        } finally {
          this.#timeOverride = undefined;
        }
      }
      if (this.#calendarWorkers.size > 0) {
        this.#timeOverride = until;
        try {
          this.#checkShifts();
        } finally {
          this.#timeOverride = undefined;
        }
      }
    });
  }

  #fire(d: Deadline): void {
    if (d.kind === 'bot') {
      const t = this.#tasks.get(d.ref);
      if (t && t.botDeadline === d && t.status === 'assigned') {
        t.botDeadline = undefined;
        this.#handoff(t, parseInput(HandoffPacketSchema, { reason: 'bot_timeout' }, 'handoff packet'));
      }
      return;
    }
    if (d.kind === 'shift') {
      this.#fireShift(d);
      return;
    }
    if (d.kind === 'reservation') {
      const r = this.#reservations.get(d.ref);
      if (r && r.deadline === d && r.status === 'pending') this.#endPending(r, 'timeout', 'timeout');
    } else if (d.kind === 'wrapup') {
      const r = this.#wrapping.get(d.ref);
      if (r && r.deadline === d && r.status === 'wrapping') this.#finish(r);
    } else if (d.kind === 'step') {
      const t = this.#tasks.get(d.ref);
      if (!t || t.stepDeadline !== d) return;
      t.stepDeadline = undefined;
      const filter = this.#filterOf(t);
      if (!filter || t.stepIdx >= filter.steps.length - 1) return;
      if (t.status === 'pending') {
        this.#leaveGroup(t);
        this.#enterStep(t, t.stepIdx + 1, 'timeout', false);
      } else if (t.status === 'reserved') {
        // The offers stay open; the task continues from the next step if they all fail.
        t.stepIdx++;
        t.route = null;
        const next = filter.steps[t.stepIdx] as StepRuntime;
        this.#emit('task.step_changed', 'task', t.id, {
          taskId: t.id,
          filter: filter.name,
          fromStep: t.stepIdx - 1,
          toStep: t.stepIdx,
          queue: next.queue.config.id,
          reason: 'timeout',
        });
        if (next.config.timeout !== undefined && t.stepIdx < filter.steps.length - 1) {
          t.stepDeadline = this.#deadlines.add(
            Math.max(t.routedAt + next.config.timeout, d.at),
            'step',
            t.id,
            0,
          );
        }
      }
    } else if (d.kind === 'boost') {
      const t = this.#tasks.get(d.ref);
      if (!t || t.boostDeadline !== d) return;
      t.boostDeadline = undefined;
      t.boosted = true;
      if (t.status === 'pending' && t.group) {
        const g = t.group;
        this.#leaveGroup(t);
        this.#joinGroup(t, g);
      }
    } else {
      const t = this.#tasks.get(d.ref);
      if (!t) return;
      const excluded = t.excluded;
      if (excluded !== null) {
        for (const [wid, until] of excluded) if (until <= d.at) excluded.delete(wid);
        if (excluded.size === 0) {
          t.excluded = null;
          if (t.group !== null) t.group.excludedCount--;
        }
      }
      if (t.status === 'pending') this.#routeTask(t);
    }
  }

  #checkShifts(): void {
    if (this.#calendarWorkers.size === 0) return;
    const now = this.#now();
    for (const w of [...this.#calendarWorkers])
      this.#setInShift(w, (w.calendar as ShiftCalendar).isBusinessTime(now));
  }

  /** A bot holds the task: with `botTimeoutMs`, its timeout is a deadline like any other. */
  #trackBotTask(t: TaskState): void {
    const limit = this.#handoffRules?.botTimeoutMs;
    this.#deadlines.cancel(t.botDeadline);
    t.botDeadline =
      limit === undefined
        ? undefined
        : this.#deadlines.add((t.assignedAt ?? this.#now()) + limit, 'bot', t.id, 0);
  }

  #forgetBotTask(t: TaskState): void {
    this.#deadlines.cancel(t.botDeadline);
    t.botDeadline = undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Bot-first handoff

  /**
   * Hands a task (typically held by a bot) to people: the bot's reservation completes at once,
   * the packet is attached as `task.attributes.handoff`, `packet.targetSkills` become required
   * skills, bots are excluded, and the task re-routes (to `packet.targetQueue` if given, else
   * through the workflow filters with the updated attributes). The task id stays the same.
   *
   * @example
   * ```ts
   * engine.requestHandoff('t1', { reason: 'customer_request', intent: 'refund', targetSkills: { billing: 3 } });
   * ```
   */
  requestHandoff(taskId: string, packet: HandoffPacketInput | CoreHandoffPacket): TaskInfo {
    const t = this.#tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    const data = normalizeHandoffPacket(packet);
    if (data.targetQueue !== undefined && !this.#queueById.has(data.targetQueue)) {
      throw new ThreadlineError('VALIDATION', `Invalid handoff packet: unknown queue "${data.targetQueue}"`, {
        issues: [
          { path: ['targetQueue'], message: `unknown queue "${data.targetQueue}"`, code: 'invalid_value' },
        ],
      });
    }
    if (t.status === 'wrapping') {
      throw new ThreadlineError(
        'ILLEGAL_TRANSITION',
        `Task "${taskId}" is wrapping up and cannot be handed off`,
        {
          details: { taskId, status: t.status },
        },
      );
    }
    return this.#run(() => {
      this.#handoff(t, data);
      return this.#taskInfo(t);
    });
  }

  /**
   * Reports a bot turn on a task the bot holds; when a `handoffRules` rule matches (customer
   * asks for a person, negative sentiment, low confidence), the task is handed off and the
   * packet returned, else `null`.
   *
   * @example
   * ```ts
   * engine.reportBotTurn('t1', { customerText: 'let me talk to a human', confidence: 0.9 });
   * ```
   */
  reportBotTurn(taskId: string, turn: BotTurn): HandoffPacket | null {
    const t = this.#tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    const data = parseInput(BotTurnSchema, turn, 'bot turn');
    const rules = this.#handoffRules ?? HandoffRulesSchema.parse({});
    let reason: HandoffPacket['reason'] | null = null;
    if (rules.onCustomerRequest && data.customerText !== undefined && PERSON_REQUEST.test(data.customerText))
      reason = 'customer_request';
    else if (data.sentiment !== undefined && data.sentiment < rules.sentimentBelow)
      reason = 'negative_sentiment';
    else if (data.confidence !== undefined && data.confidence < rules.confidenceBelow)
      reason = 'low_confidence';
    if (reason === null) return null;
    const packet = parseInput(
      HandoffPacketSchema,
      {
        reason,
        transcript: data.customerText === undefined ? [] : [{ author: 'customer', text: data.customerText }],
        ...(data.intent === undefined ? {} : { intent: data.intent }),
        ...(data.sentiment === undefined ? {} : { sentiment: data.sentiment }),
        ...(data.confidence === undefined ? {} : { confidence: data.confidence }),
      },
      'handoff packet',
    );
    return this.#run(() => {
      this.#handoff(t, packet);
      return packet;
    });
  }

  #handoff(t: TaskState, packet: HandoffPacket): void {
    const from = t.assigned?.worker.id ?? t.pending[0]?.worker.id ?? null;
    this.#leaveGroup(t);
    for (const r of [...t.pending]) this.#endPending(r, 'rescinded', 'handoff', false);
    const held = t.assigned;
    t.assigned = null;
    t.assignedAt = null;
    this.#forgetBotTask(t);
    if (held) {
      held.status = 'completed';
      this.#releaseReservation(held);
    }
    t.humanOnly = true;
    t.ctx = null;
    t.attributes = { ...t.attributes, handoff: packet };
    if (packet.targetSkills) t.requiredSkills = { ...t.requiredSkills, ...packet.targetSkills };
    t.handoffQueue = packet.targetQueue ?? null;
    t.routedAt = this.#now();
    this.#emit('handoff.requested', 'task', t.id, { taskId: t.id, fromWorkerId: from, packet });
    t.status = 'pending';
    const idx = this.#matchFilter(t);
    t.filterIdx = idx;
    t.route = null;
    if (idx === NO_FILTER) t.status = 'unrouted';
    else this.#enterStep(t, 0, 'handoff', false);
    if (held) this.#afterFree(held.worker);
  }

  // -------------------------------------------------------------------------------------------
  // Explanations

  /**
   * Explains why a task is still waiting: its filter and step, the queue's workers grouped by
   * the reason each is excluded, the eligible workers ranked, and a one-line summary.
   *
   * @example
   * ```ts
   * engine.explainWaiting('t1').summary; // 'No eligible worker in queue billing: 2 capacity, 1 presence.'
   * ```
   */
  explainWaiting(taskId: string): DecisionTrace {
    const t = this.#tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    return this.#explain(t);
  }

  #explain(t: TaskState): DecisionTrace {
    const now = this.#now();
    const filter = this.#filterOf(t);
    const step = this.#currentStep(t);
    const g = step ? (t.group ?? this.#groupFor(t, step)) : null;
    const excluded: Partial<Record<ExclusionReason, string[]>> = {};
    const eligible: RankedWorker[] = [];
    let members: WorkerState[] = [];
    if (g) {
      if (g.pinnedWorkerId !== null) {
        const w = this.#workers.get(g.pinnedWorkerId);
        members = w ? [w] : [];
      } else {
        members = [...g.queue.members].sort((a, b) => a.order - b.order);
      }
    }
    const eligibleWorkers: WorkerState[] = [];
    if (g && step) {
      for (const w of members) {
        const reason = this.#exclusionReason(w, t, g);
        if (reason) (excluded[reason] ??= []).push(w.id);
        else eligibleWorkers.push(w);
      }
      eligibleWorkers.sort(this.#workerComparator(t, g, step.config));
      const view = this.#taskView(t, g);
      for (const w of eligibleWorkers) {
        const ranked: RankedWorker = { workerId: w.id };
        if (this.#strategy.rank) ranked.rank = this.#strategy.rank(w);
        if (this.#strategy.score) ranked.score = this.#strategy.score(w, view);
        eligible.push(ranked);
      }
    }
    let ahead = 0;
    if (g && t.status === 'pending') {
      const eff = t.agedBase;
      const groups = g.pinnedWorkerId === null ? [...this.#lane(g.queue, t.ch).list] : [g];
      for (const other of groups) {
        for (const x of other.heap.items) {
          if (x === t) continue;
          if (
            x.agedBase > eff ||
            (x.agedBase === eff &&
              (x.createdAt < t.createdAt || (x.createdAt === t.createdAt && x.seq < t.seq)))
          )
            ahead++;
        }
      }
    }
    const ordered: Partial<Record<ExclusionReason, string[]>> = {};
    for (const reason of EXCLUSION_REASONS) if (excluded[reason]) ordered[reason] = excluded[reason];
    const base: Omit<DecisionTrace, 'summary'> = {
      taskId: t.id,
      status: t.status,
      filter: filter?.name ?? null,
      step: t.stepIdx,
      queue: g?.queue.config.id ?? null,
      knownWorkerId: g?.pinnedWorkerId ?? null,
      strategy: this.#strategy.name,
      effectivePriority: g ? t.agedBase + g.queue.ratePerMs * now : this.#basePriority(t),
      waitingMs: Math.max(0, now - t.createdAt),
      stepTimeoutAt: t.stepDeadline?.at ?? null,
      queueMembers: members.length,
      excluded: ordered,
      eligible,
      ahead,
    };
    return { ...base, summary: summarizeTrace(base) };
  }

  #exclusionReason(w: WorkerState, t: TaskState, g: Group): ExclusionReason | undefined {
    if (w.status !== 'available') return 'presence';
    if (!w.inShift) return 'shift';
    if (w.draining) return 'draining';
    if (!w.capacity.has(t.ch)) return 'channel';
    for (const r of t.pending) if (r.worker === w) return 'offered';
    if (!this.#hasRoom(w, t.ch)) return 'capacity';
    const failure = checkRequirement(g.requirement, w);
    if (failure) return failure.reason;
    if (g.expr && !g.expr.evaluate({ worker: w.ctx, task: g.exprTask })) return 'expression';
    if (g.humanOnly && w.kind === 'bot') return 'kind';
    const until = t.excluded?.get(w.id);
    if (until !== undefined && until > this.#now()) return 'rejected';
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  /**
   * Lints the engine's workflow against the current roster (see {@link lintWorkflow}).
   *
   * @example
   * ```ts
   * for (const issue of engine.lint()) console.warn(issue.code, issue.path.join('.'), issue.message);
   * ```
   */
  lint(): WorkflowLintIssue[] {
    const workers = [...this.#workers.values()]
      .filter((w) => !w.draining)
      .map((w) => ({ id: w.id, kind: w.kind, attributes: w.attributes }));
    return lintWorkflow(this.#workflowConfig, { workers });
  }

  /** Counters for monitoring and benchmarks. */
  stats(): RoutingStats {
    return {
      decisions: this.#decisions,
      offers: this.#offerSeq,
      waiting: this.#waiting,
      workers: this.#workers.size,
      tasks: this.#tasks.size,
    };
  }

  /**
   * A JSON-serialisable copy of the whole state. `restore(snapshot)` on an engine with the same
   * workflow continues exactly where this one stopped.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(engine.snapshot());
   * const copy = createRoutingEngine({ clock, workflow });
   * copy.restore(JSON.parse(saved));
   * ```
   */
  snapshot(): RoutingSnapshot {
    const workers = [...this.#workers.values()]
      .sort((a, b) => a.order - b.order)
      .map((w) => ({
        ...structuredClone(w.input),
        order: w.order,
        idleSince: w.idleSince,
        lastOfferSeq: w.lastOfferSeq,
        draining: w.draining,
        statusSince: w.statusSince,
      }));
    const tasks = [...this.#tasks.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((t) => ({
        id: t.id,
        seq: t.seq,
        channel: t.channel,
        priority: t.priority,
        attributes: structuredClone(t.attributes),
        requiredSkills: { ...t.requiredSkills },
        preferredWorkerId: t.preferredWorkerId,
        deadline: t.deadline,
        createdAt: t.createdAt,
        routedAt: t.routedAt,
        humanOnly: t.humanOnly,
        handoffQueue: t.handoffQueue,
        status: t.status,
        filterIdx: t.filterIdx,
        stepIdx: t.stepIdx,
        boosted: t.boosted,
        assignedAt: t.assignedAt,
        excluded: t.excluded === null ? [] : [...t.excluded.entries()],
      }));
    const all = [...this.#reservations.values()];
    for (const t of this.#tasks.values()) if (t.assigned !== null) all.push(t.assigned);
    // Offer order (creation instant, then id) whatever map each one sits in.
    all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const reservations = all.map((r) => this.#reservationInfo(r));
    // Bot timeouts and shift changes are derived (from assignments and calendars) and
    // re-derived on restore; the rest are state.
    const deadlines = [...this.#deadlines.all()]
      .filter((d) => d.kind !== 'bot' && d.kind !== 'shift')
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((d) => ({ at: d.at, kind: d.kind, ref: d.ref }));
    return {
      version: 1,
      takenAt: this.#now(),
      counters: { offerSeq: this.#offerSeq, workerOrder: this.#workerOrder, taskSeq: this.#taskSeq },
      ...(this.#ownIds ? { idCounters: [...this.#ownIds.counters.entries()] } : {}),
      workers,
      tasks,
      reservations,
      sticky: [...this.#sticky.entries()],
      deadlines,
    };
  }

  /**
   * Replaces the engine's state with a snapshot taken by {@link RoutingEngine.snapshot}. The
   * engine must be empty (no workers or tasks) so nothing is half-merged.
   *
   * @example
   * ```ts
   * engine.restore(snapshot);
   * ```
   */
  restore(snapshot: RoutingSnapshot): void {
    const snap = parseInput(SnapshotSchema, snapshot, 'routing snapshot') as RoutingSnapshot;
    if (this.#workers.size > 0 || this.#tasks.size > 0) {
      throw new ThreadlineError('CONFLICT', 'restore() needs an empty engine (no workers or tasks)');
    }
    this.#run(() => {
      for (const ws of snap.workers) {
        const { order, idleSince, lastOfferSeq, draining, statusSince, ...input } = ws;
        const data = parseInput(WorkerInputSchema, input, 'routing snapshot worker');
        if (data.calendar !== undefined && !Object.hasOwn(this.#calendars, data.calendar)) {
          throw new ThreadlineError(
            'VALIDATION',
            `Snapshot worker ${data.id} uses unknown calendar "${data.calendar}"`,
          );
        }
        this.#upsertWorkerState(data, { order, idleSince, lastOfferSeq, draining, statusSince });
      }
      const byRes = new Map<string, ReservationInfo[]>();
      for (const r of snap.reservations) byRes.set(r.taskId, [...(byRes.get(r.taskId) ?? []), r]);
      for (const ts of snap.tasks) {
        const t: TaskState = {
          ...ts,
          ch: this.#channelIndex(ts.channel),
          route: null,
          agedBase: 0,
          group: null,
          handle: this.#taskPositions.alloc(),
          excluded: ts.excluded.length === 0 ? null : new Map(ts.excluded),
          pending: NO_PENDING,
          assigned: null,
          stepDeadline: undefined,
          boostDeadline: undefined,
          botDeadline: undefined,
          ctx: null,
        };
        this.#tasks.set(t.id, t);
        for (const ri of byRes.get(t.id) ?? []) {
          const w = this.#workers.get(ri.workerId);
          if (!w)
            throw new ThreadlineError(
              'VALIDATION',
              `Snapshot reservation ${ri.id} names unknown worker ${ri.workerId}`,
            );
          const r: ReservationState = {
            id: ri.id,
            task: t,
            worker: w,
            status: ri.status,
            createdAt: ri.createdAt,
            expiresAt: ri.expiresAt,
            ch: this.#channelIndex(ri.channel),
            weight: ri.weight,
            deadline: undefined,
            cap: undefined,
            offerPrev: null,
            offerNext: null,
          };
          if (r.status === 'pending') this.#reservations.add(r);
          else if (r.status === 'wrapping') this.#wrapping.set(r.id, r);
          this.#holdCapacity(w, r);
          if (r.status === 'pending') t.pending = [...t.pending, r];
          else t.assigned = r;
        }
        if (t.status === 'assigned' && t.assigned?.worker.kind === 'bot') this.#trackBotTask(t);
        if (t.status === 'pending') {
          const step = this.#currentStep(t);
          if (step) this.#joinGroup(t, this.#groupFor(t, step));
        }
      }
      for (const w of this.#workers.values()) {
        this.#updateOccupancy(w);
        this.#refreshWorker(w);
      }
      for (const d of snap.deadlines) {
        const dl = this.#deadlines.add(d.at, d.kind, d.ref, 0);
        if (d.kind === 'reservation' || d.kind === 'wrapup') {
          const r = d.kind === 'reservation' ? this.#reservations.get(d.ref) : this.#wrapping.get(d.ref);
          if (r) r.deadline = dl;
        } else if (d.kind === 'step') {
          const t = this.#tasks.get(d.ref);
          if (t) t.stepDeadline = dl;
        } else if (d.kind === 'boost') {
          const t = this.#tasks.get(d.ref);
          if (t) t.boostDeadline = dl;
        }
      }
      for (const [k, v] of snap.sticky) this.#sticky.set(k, v);
      this.#offerSeq = snap.counters.offerSeq;
      this.#workerOrder = Math.max(this.#workerOrder, snap.counters.workerOrder);
      this.#taskSeq = snap.counters.taskSeq;
      if (this.#ownIds && snap.idCounters)
        for (const [k, v] of snap.idCounters) this.#ownIds.counters.set(k, v);
    });
  }

  /**
   * Writes the snapshot to the `store` given in the options (collection `routing_snapshots`,
   * document id `engine`).
   *
   * @example
   * ```ts
   * await engine.save();
   * ```
   */
  async save(id = 'engine'): Promise<void> {
    const store = this.#requireStore();
    await store.put('routing_snapshots', { id, tenantId: this.#tenantId, snapshot: this.snapshot() });
  }

  /**
   * Restores the engine from the snapshot last written by `save()`; returns false when there is none.
   *
   * @example
   * ```ts
   * await engine.load();
   * ```
   */
  async load(id = 'engine'): Promise<boolean> {
    const store = this.#requireStore();
    const doc = await store.get('routing_snapshots', id, { tenantId: this.#tenantId });
    if (!doc) return false;
    this.restore(doc.snapshot as RoutingSnapshot);
    return true;
  }

  #requireStore(): DocumentStore {
    if (!this.#store) throw new ThreadlineError('CONFIG', 'This routing engine was created without a store');
    return this.#store;
  }
}

const ROUTING_EVENT_SET = new Set<string>(ROUTING_EVENT_TYPES);

const SnapshotSchema = z.object({
  version: z.literal(1),
  takenAt: z.number(),
  counters: z.object({
    offerSeq: z.number().int(),
    workerOrder: z.number().int(),
    taskSeq: z.number().int(),
  }),
  idCounters: z.array(z.tuple([z.string(), z.number().int()])).optional(),
  workers: z.array(z.record(z.string(), z.unknown())),
  tasks: z.array(
    z
      .object({
        id: z.string().min(1),
        seq: z.number().int(),
        channel: z.string().min(1),
        status: z.enum(['unrouted', 'pending', 'reserved', 'assigned', 'wrapping']),
        filterIdx: z.number().int(),
        stepIdx: z.number().int().nonnegative(),
        excluded: z.array(z.tuple([z.string(), z.number()])),
      })
      .passthrough(),
  ),
  reservations: z.array(
    z.object({
      id: z.string().min(1),
      taskId: z.string().min(1),
      workerId: z.string().min(1),
      status: z.enum(['pending', 'accepted', 'wrapping']),
      channel: z.string().min(1),
      weight: z.number().int().positive(),
      createdAt: z.number(),
      expiresAt: z.number(),
    }),
  ),
  sticky: z.array(z.tuple([z.string(), z.string()])),
  deadlines: z.array(
    z.object({
      at: z.number(),
      kind: z.enum(['reservation', 'step', 'boost', 'wrapup', 'exclusion']),
      ref: z.string(),
    }),
  ),
});

function readSegments(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** Refreshes a group's cached head (and its lane's fast head) after its heap changed. */
function syncHead(g: Group): void {
  const head = g.heap.peek();
  g.head = head;
  if (head !== undefined) {
    // Read from the heap's key array: no load of the head task itself on the common path.
    g.headBase = g.heap.peekBase();
    g.headClean = g.excludedCount === 0 || head.excluded === null;
  }
  if (g.table !== null) syncLaneRow(g.table, g.laneIdx);
}

/** Whether a group's own rules (human-only, requirement, worker expression) admit `w`. */
function groupAdmits(g: Group, w: WorkerState): boolean {
  if (g.humanOnly && w.kind === 'bot') return false;
  if (!meetsRequirement(g.requirement, w)) return false;
  return g.expr === null || g.expr.evaluate({ worker: w.ctx, task: g.exprTask }) === true;
}

/** Records the worker's first channel entry and whether it has more than one. */
function setFirstCap(w: WorkerState): void {
  w.firstCh = w.caps.findIndex((c) => c !== undefined);
  w.firstCap = w.firstCh < 0 ? undefined : w.caps[w.firstCh];
  w.multiChannel = w.caps.filter((c) => c !== undefined).length > 1;
}

/** A worker's entry for channel `ch` (most workers have one channel: no array load). */
function capOf(w: WorkerState, ch: number): ChannelCap | undefined {
  return ch === w.firstCh ? w.firstCap : w.caps[ch];
}

/** Removes a reservation from its worker's open-offer list. */
function unlinkOffer(r: ReservationState): void {
  if (r.offerPrev !== null) r.offerPrev.offerNext = r.offerNext;
  else r.worker.offerHead = r.offerNext;
  if (r.offerNext !== null) r.offerNext.offerPrev = r.offerPrev;
  r.offerPrev = null;
  r.offerNext = null;
}

/** Whether `r` is in its worker's open-offer list. */
function inOfferList(r: ReservationState): boolean {
  return r.offerPrev !== null || r.worker.offerHead === r;
}

interface ShiftGroup {
  calendar: ShiftCalendar;
  workers: Set<WorkerState>;
  deadline: Deadline | undefined;
}

/** The next instant after `now` at which `calendar` opens or closes, or `null` (never). */
function nextShiftChange(calendar: ShiftCalendar, now: number): number | null {
  let seen = 0;
  for (const p of calendar.periodsAfter?.(now) ?? []) {
    const start = +p.start;
    const end = +p.end;
    if (start > now) return start;
    if (end > now) return end;
    // A period ending at `now` (or an empty one): look at the next; give up after a few.
    if (++seen >= 8) break;
  }
  return null;
}

/** Records a lane's group count and solo group in its table row (after its list changed). */
function setLaneGroups(lane: Lane): void {
  const n = lane.list.length;
  lane.table.groups[lane.idx] = n;
  lane.table.solo[lane.idx] = n === 1 ? lane.list[0] : undefined;
}

/** Rewrites a lane's scan row from its solo group's head (reads only the table and the group). */
function syncLaneRow(table: LaneTable, i: number): void {
  const g = table.solo[i];
  if (g?.open && g.headClean && g.head !== undefined) {
    table.state[i] = LANE_FAST;
    table.head[i] = g.head;
    table.base[i] = g.headBase;
    table.rate[i] = g.rate;
  } else {
    table.state[i] = table.groups[i] === 0 ? LANE_EMPTY : LANE_SLOW;
    table.head[i] = undefined;
  }
}

const LANE_EMPTY = 0;
const LANE_FAST = 1;
const LANE_SLOW = 2;

/**
 * Dense, typed copies of every lane's scan fields (state, channel, fast head with its ordering
 * key and aging rate), indexed by `lane.idx`. A free worker reads ~30 lanes per decision; as
 * objects they are ~30 cache misses, as rows of these arrays they stay in cache.
 */
class LaneTable {
  state = new Uint8Array(64);
  ch = new Int32Array(64);
  base = new Float64Array(64);
  rate = new Float64Array(64);
  /** Entries in the lane's idle-worker heap. */
  idle = new Int32Array(64);
  /** Groups in the lane's list, and the group when there is exactly one. */
  groups = new Int32Array(64);
  solo: Array<Group | undefined> = [];
  head: Array<TaskState | undefined> = [];
  size = 0;

  add(ch: number): number {
    if (this.size === this.state.length) {
      const grow = <A extends Uint8Array | Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.state = grow(this.state, (n) => new Uint8Array(n));
      this.ch = grow(this.ch, (n) => new Int32Array(n));
      this.base = grow(this.base, (n) => new Float64Array(n));
      this.rate = grow(this.rate, (n) => new Float64Array(n));
      this.idle = grow(this.idle, (n) => new Int32Array(n));
      this.groups = grow(this.groups, (n) => new Int32Array(n));
    }
    const i = this.size++;
    this.state[i] = LANE_EMPTY;
    this.ch[i] = ch;
    this.head.push(undefined);
    this.solo.push(undefined);
    return i;
  }
}

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

function isOlder(a: TaskState, b: TaskState): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.seq < b.seq);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * Creates a routing engine.
 *
 * @example
 * ```ts
 * const engine = createRoutingEngine({
 *   clock: new ManualClock(0),
 *   workflow: {
 *     queues: [{ id: 'support' }],
 *     defaultFilter: { targets: [{ queue: 'support' }] },
 *   },
 * });
 * engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 2 } });
 * engine.on('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
 * engine.submitTask({ id: 't1', channel: 'chat' });
 * ```
 */
export function createRoutingEngine(options: RoutingEngineOptions): RoutingEngine {
  return new RoutingEngine(options);
}
