import {
  type Clock,
  type CompiledExpression,
  type DocumentStore,
  type EventBus,
  type IdGenerator,
  type Presence,
  ThreadlineError,
} from '@threadline/core';
import { EventEmitter } from 'eventemitter3';
import type { z } from 'zod';
import type { RoutingEvent } from './events.js';
import { createPersonRequestDetector, type PersonRequestDetector } from './handoff/personRequest.js';
import { AdmittedIndex, type AdmittedSet } from './indexes/admittedIndex.js';
import { AttributeIndex } from './indexes/attributeIndex.js';
import { type Deadline, DeadlineQueue } from './indexes/deadlines.js';
import { HeapPositions } from './indexes/heap.js';
import { type IdleLane, IdleLinks } from './indexes/idleLane.js';
import { LaneTable } from './indexes/laneTable.js';
import { OfferIndex } from './indexes/offerIndex.js';
import type { RingFamily } from './indexes/ringFamily.js';
import { SkillIndex } from './indexes/skillIndex.js';
import type { TaskHeap } from './indexes/taskHeap.js';
import type { WorkerInput } from './inputs.js';
import type { RoutingJournal } from './journal/journal.js';
import { type DeliveryCounters, syncWanted } from './notifications.js';
import type { HandoffRulesSchema, ParsedRoutingOptions, ShiftCalendar } from './options.js';
import type { CompiledRequirement } from './requirements.js';
import type { ReservationStatus } from './reservations.js';
import type { ShiftGroup } from './roster/shifts.js';
import { longestIdle, type RoutingStrategy, STRATEGIES, type WorkerView } from './strategies/index.js';
import type { TaskStatus } from './views.js';
import type { AdmitTable } from './workflow/admitTable.js';
import { compileWorkflow } from './workflow/compile.js';
import {
  defineWorkflow,
  type FilterConfig,
  type QueueConfig,
  type StepConfig,
  type Workflow,
  type WorkflowConfig,
} from './workflow/definition.js';

/**
 * Everything a running engine holds, in one object the modules share (passed explicitly).
 * Every field is initialised in {@link createState}, so all states have one hidden class.
 */
export interface RoutingState {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Set when the engine made its own sequential ids: their counters travel in snapshots. */
  readonly ownIds: SequentialIds | undefined;
  readonly workflow: Workflow;
  readonly workflowConfig: WorkflowConfig;
  readonly strategy: RoutingStrategy;
  readonly reservationTimeoutMs: number;
  readonly store: DocumentStore | undefined;
  readonly bus: EventBus | undefined;
  readonly calendars: Record<string, ShiftCalendar>;
  readonly trace: boolean;
  readonly tenantId: string;
  readonly handoffRules: z.output<typeof HandoffRulesSchema> | undefined;
  readonly personRequest: PersonRequestDetector;
  readonly emitter: EventEmitter;
  /** Delivery failures so far and where to report them (see `notifications.ts`). */
  readonly delivery: DeliveryCounters;

  readonly queues: QueueRuntime[];
  readonly queueById: Map<string, QueueRuntime>;
  readonly queuesBySkill: Map<string, QueueRuntime[]>;
  readonly queuesWithoutSkill: QueueRuntime[];
  readonly filters: FilterRuntime[];
  defaultFilter: FilterRuntime | null;
  readonly filterIndex: Map<string, Map<unknown, number[]>>;
  readonly unindexedFilters: number[];
  /** Set when every filter is indexed under one and the same attribute (the fast path). */
  soleFilterIndex: { attr: string; byValue: Map<unknown, number[]> } | null;

  readonly channels: Map<string, number>;
  readonly channelNames: string[];
  readonly workers: Map<string, WorkerState>;
  readonly laneTable: LaneTable;
  /** Every worker's lane rows, back to back (see `placeLanes`). */
  lanePool: Int32Array;
  lanePoolUsed: number;
  readonly taskPositions: HeapPositions;
  /** Reused one-element worker list for single offers (never escapes `routeTask`). */
  readonly soloWorker: WorkerState[];
  /** Reused one-element result of `findWorkers` for single offers (read before the next search). */
  readonly soloFound: WorkerState[];
  readonly idlePositions: HeapPositions<IdleEntry>;
  /** List links and keys of idle entries by handle, shared by every lane's {@link IdleLane}. */
  readonly idleLinks: IdleLinks;
  /** Idle workers by skill and channel in level buckets, for single-skill lanes (see `RingFamily`). */
  readonly families: Map<string, RingFamily<IdleEntry>>;
  /** Step-expression answer tables by `Group.admitKey` (bounded; see `admitTableFor`). */
  readonly admitTables: Map<string, AdmitTable>;
  /** Idle entries of a family that a selective step expression admits (see `AdmittedIndex`). */
  readonly admitted: AdmittedIndex;
  /** The last worker attribute stamp given out (`WorkerState.attrStamp`). */
  attrStamps: number;
  readonly rankFn: (w: WorkerView) => number;
  /** Workers on calendars without `periodsAfter`: re-checked on every `advanceTo`. */
  readonly calendarWorkers: Set<WorkerState>;
  /** Workers by shift calendar (with `periodsAfter`): one deadline per calendar change. */
  readonly shiftGroups: Map<string, ShiftGroup>;
  readonly skillIndex: SkillIndex<WorkerState>;
  readonly attributeIndex: AttributeIndex<WorkerState>;
  readonly tasks: Map<string, TaskState>;
  /** Open offers by id: small and hot (offers are answered quickly). */
  readonly reservations: OfferIndex<ReservationState>;
  /**
   * Accepted (held) reservations by id, built on first use (`getReservation` of a held one, or an
   * answer to an offer that is no longer open) and kept up to date from then on. Until then the
   * hot path never pays for a map of every assignment.
   */
  held: Map<string, ReservationState> | null;
  /** Reservations in wrap-up by id (their wrap-up deadlines name them), usually few. */
  readonly wrapping: Map<string, ReservationState>;
  readonly pinnedGroups: Map<string, Map<string, Group>>;
  readonly sticky: Map<string, string>;
  /** True when some step routes to the last agent (`knownWorker: 'last'`): only then is it recorded. */
  usesSticky: boolean;
  readonly deadlines: DeadlineQueue;

  offerSeq: number;
  workerOrder: number;
  taskSeq: number;
  decisions: number;
  waiting: number;
  timeOverride: number | undefined;
  depth: number;
  readonly outbox: RoutingEvent[];
  readonly listenerCounts: Map<string, number>;
  /** A bus is attached or someone listens to `*`: every event is wanted. */
  wantsEverything: boolean;
  /** Event types with a subscriber of their own or of their prefix (see `syncWanted`). */
  readonly wanted: Set<string>;
  /** The latest `advanceTo` instant: an earlier one is a no-op. */
  lastAdvance: number;
  /** The command journal (with `storage`): events wait for their batch to commit. */
  journal: RoutingJournal | null;
}

/**
 * A fresh, empty state for validated options (the workflow compiled anew: its runtime parts
 * hold members and cached groups). With `previous` (a state being replaced by `restore`), the
 * subscriptions and the engine's own id counters carry over.
 */
export function createState(opts: ParsedRoutingOptions, previous?: RoutingState): RoutingState {
  const ownIds = opts.ids ? undefined : sequentialIds();
  if (ownIds && previous?.ownIds) for (const [k, v] of previous.ownIds.counters) ownIds.counters.set(k, v);
  const workflowConfig = opts.workflow as WorkflowConfig;
  const strategy =
    typeof opts.strategy === 'string' ? STRATEGIES[opts.strategy] : (opts.strategy ?? longestIdle);
  const idleLinks = new IdleLinks();
  const s: RoutingState = {
    clock: opts.clock,
    ids: opts.ids ?? (ownIds as SequentialIds),
    ownIds,
    workflow: defineWorkflow(workflowConfig),
    workflowConfig,
    strategy,
    reservationTimeoutMs: opts.reservationTimeoutMs ?? 30_000,
    store: opts.store,
    bus: opts.bus,
    calendars: opts.calendars ?? {},
    trace: opts.trace ?? false,
    tenantId: opts.tenantId ?? 'default',
    handoffRules: opts.handoffRules,
    personRequest: opts.personRequestDetector ?? createPersonRequestDetector(),
    emitter: previous?.emitter ?? new EventEmitter(),
    delivery: previous?.delivery ?? { publishFailures: 0, handlerFailures: 0, onError: opts.onError },
    queues: [],
    queueById: new Map(),
    queuesBySkill: new Map(),
    queuesWithoutSkill: [],
    filters: [],
    defaultFilter: null,
    filterIndex: new Map(),
    unindexedFilters: [],
    soleFilterIndex: null,
    channels: new Map(),
    channelNames: [],
    workers: new Map(),
    laneTable: new LaneTable(),
    lanePool: new Int32Array(1024),
    lanePoolUsed: 0,
    taskPositions: new HeapPositions(),
    soloWorker: [],
    soloFound: [],
    idlePositions: new HeapPositions<IdleEntry>(),
    idleLinks,
    families: new Map(),
    admitTables: new Map(),
    admitted: new AdmittedIndex(idleLinks),
    attrStamps: 0,
    // Idle heaps order by the strategy's rank; score strategies rank candidates themselves and
    // keep the heaps in longest-idle order.
    rankFn: strategy.rank ?? (longestIdle.rank as (w: WorkerView) => number),
    calendarWorkers: new Set(),
    shiftGroups: new Map(),
    skillIndex: new SkillIndex<WorkerState>(),
    attributeIndex: new AttributeIndex<WorkerState>(),
    tasks: new Map(),
    reservations: new OfferIndex<ReservationState>(),
    held: null,
    wrapping: new Map(),
    pinnedGroups: new Map(),
    sticky: new Map(),
    usesSticky: false,
    deadlines: new DeadlineQueue(),
    offerSeq: 0,
    workerOrder: 0,
    taskSeq: 0,
    decisions: 0,
    waiting: 0,
    timeOverride: undefined,
    depth: 0,
    outbox: [],
    listenerCounts: previous?.listenerCounts ?? new Map(),
    wantsEverything: false,
    wanted: new Set(),
    lastAdvance: Number.NEGATIVE_INFINITY,
    journal: previous?.journal ?? null,
  };
  syncWanted(s);
  compileWorkflow(s);
  return s;
}

/** One channel's capacity on a worker and the units in use. */
export interface ChannelCap {
  units: number;
  weight: number;
  /** Units in use on the channel (kept beside its limits: one object for the room check). */
  used: number;
}

/** A worker as the engine keeps it. */
export interface WorkerState extends WorkerView {
  /** Events emitted for this worker so far (the envelope `version` of the last one). */
  version: number;
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
  /**
   * Stamp of the attributes `ctx` was built from (new on every upsert): step-expression answers
   * are kept per group key in {@link AdmitTable}s under this stamp, so an answer never outlives
   * the attributes it read.
   */
  attrStamp: number;
}

/**
 * A worker's place among the idle workers of one lane, or of one skill family (a level bucket
 * of a {@link RingFamily} that every single-skill lane of the worker on that channel reads).
 */
export interface IdleEntry {
  worker: WorkerState;
  ch: number;
  /** The list the entry goes into: its lane's own, or its family's bucket at `level`. */
  list: IdleLane<IdleEntry>;
  /** The lane (own-list entries), else `null`. */
  lane: Lane | null;
  /** The family (family entries), else `null`. */
  family: RingFamily<IdleEntry> | null;
  /** The worker's level in the family's skill (family entries). */
  level: number;
  /** Row in the engine's idle-entry position table. */
  handle: number;
  inHeap: boolean;
  /** The keys the entry sits under in its lane heap (while `inHeap`). */
  rank: number;
  idle: number;
}

/** One queue on one channel: its idle workers and its groups of waiting tasks. */
export interface Lane {
  ch: number;
  /**
   * Set when the queue asks for one skill at a minimum level and nothing else: its idle
   * workers are the family's buckets at `minLevel` and above, and `idle` stays empty.
   */
  family: RingFamily<IdleEntry> | null;
  minLevel: number;
  /** Row of this lane in `table` (the dense copy of the fields the free-worker scan reads). */
  idx: number;
  table: LaneTable;
  idle: IdleLane<IdleEntry>;
  groups: Map<string, Group>;
  /** The same groups as an array, for allocation-free iteration on the hot path. */
  list: Group[];
}

/** A compiled queue with its members and lanes. */
export interface QueueRuntime {
  idx: number;
  config: QueueConfig;
  requirement: CompiledRequirement;
  expr: CompiledExpression | null;
  ratePerMs: number;
  members: Set<WorkerState>;
  /** Lanes by channel number (holes for channels not seen yet). */
  lanes: Array<Lane | undefined>;
}

/** Waiting tasks of one lane that share a requirement (a heap with a cached head). */
export interface Group {
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
  /** The expression's source and the task values it reads (`''` without an expression). */
  admitKey: string;
  /** The answers of `expr` per worker for this key (shared by groups of the same key); `null` without an expression. */
  admit: AdmitTable | null;
  /** The admitted set its family lane's searches read (`null`: walk; `undefined`: not decided yet). */
  admitted: AdmittedSet | null | undefined;
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

/** A compiled workflow step. */
export interface StepRuntime {
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
  /**
   * Groups of an expression step that reads one task value, per channel number and by that
   * value (tasks without skills of their own, pin, handoff or human-only rule), so the arrival
   * path does not build the group key again (see `groupFor`). At most `EXPR_GROUPS_MAX` values
   * per channel, then the map starts afresh.
   */
  exprGroups: Array<Map<string | number | boolean, Group> | undefined>;
  /** The queue's SLA boost (0 when none), for the arrival path. */
  boost: number;
  /** `config.timeout`, `queue.config.id` and `config.offers`, copied for the arrival path. */
  timeout: number | undefined;
  queueId: string;
  offers: number;
  /** Name of the filter the step belongs to (`'default'` for the default filter). */
  filterName: string | null;
}

/** A compiled workflow filter with its steps. */
export interface FilterRuntime {
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
  /** `indexOnly` but for a `when` expression: found in the sole filter index, only `when` is left to check. */
  matchByIndex: boolean;
}

/** A task as the engine keeps it. */
export interface TaskState {
  /** Events emitted for this task so far (the envelope `version` of the last one). */
  version: number;
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

/** An offer (reservation) as the engine keeps it. */
export interface ReservationState {
  /** Events emitted for this reservation so far (the envelope `version` of the last one). */
  version: number;
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

/** The shared, frozen empty skill map. */
export const NO_SKILLS: Readonly<Record<string, number>> = Object.freeze({});

/** Shared (frozen) empty id list of `TaskInfo.reservations`. */
export const NO_IDS = Object.freeze([]) as unknown as string[];

/** Shared empty result of `#findWorkers` (callers never mutate it). */
export const NO_WORKERS = Object.freeze([]) as unknown as WorkerState[];

/** The shared empty `pending` list of a task without open offers (replaced, never mutated). */
export const NO_PENDING = Object.freeze([]) as unknown as ReservationState[];

/** The shared, frozen empty `completeTask` options. */
export const NO_OPTIONS: Readonly<{ wrapUpMs?: number }> = Object.freeze({});

/** `TaskState.filterIdx` of a task in the default filter. */
export const DEFAULT_FILTER = -1;

/** The shared empty filter candidate list. */
export const NO_CANDIDATES: readonly number[] = [];

/** `TaskState.filterIdx` of a task no filter matched (unrouted). */
export const NO_FILTER = -2;

/** The engine's own id generator, whose counters travel in snapshots. */
export interface SequentialIds extends IdGenerator {
  counters: Map<string, number>;
}

/** Creates sequential ids (`res-1`, `evt-1`, …) per prefix. */
export function sequentialIds(): SequentialIds {
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

/** The `NOT_FOUND` error for an unknown worker, task or reservation. */
export function notFound(what: string, id: string): ThreadlineError {
  return new ThreadlineError('NOT_FOUND', `Unknown ${what} "${id}"`, { details: { [`${what}Id`]: id } });
}

/** Whether an object has any enumerable key (without allocating). */
export function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

/** The engine's now: the instant being fired inside `advanceTo`, else the clock. */
export function currentTime(s: RoutingState): number {
  return s.timeOverride ?? s.clock.now();
}

/** The number of a channel name, assigned on first use. */
export function channelIndex(s: RoutingState, channel: string): number {
  let ch = s.channels.get(channel);
  if (ch === undefined) {
    ch = s.channelNames.length;
    s.channels.set(channel, ch);
    s.channelNames.push(channel);
  }
  return ch;
}
