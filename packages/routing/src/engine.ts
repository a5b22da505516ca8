import {
  type HandoffPacket as CoreHandoffPacket,
  type EventHandler,
  type EventsMatching,
  type Instant,
  type Presence,
  parseInput,
  ThreadlineError,
  toMillis,
  type Unsubscribe,
} from '@threadline/core';
import {
  cancelTaskCommand,
  rejectReservationCommand,
  removeWorkerCommand,
  reportBotTurnCommand,
  requestHandoffCommand,
  setWorkerStatusCommand,
  updateTaskCommand,
  upsertWorkerCommand,
} from './commands.js';
import { hookErasure } from './erasure.js';
import type { RoutingEvent, RoutingEventPattern } from './events.js';
import { type DecisionTrace, explain } from './explain.js';
import type { BotTurn } from './handoff/botHandoff.js';
import type { HandoffPacket, HandoffPacketInput } from './handoff/packet.js';
import {
  CompleteOptionsSchema,
  parseCompleteOptionsFast,
  parseTaskInputFast,
  rejectReservedKeys,
  type TaskInput,
  TaskInputSchema,
  type TaskPatch,
  type WorkerInput,
} from './inputs.js';
import { RecordingIds } from './journal/entry.js';
import { openJournal, RoutingJournal } from './journal/journal.js';
import { recoverJournal } from './journal/recover.js';
import { readSavedSnapshot, requireJournal, saveSnapshot } from './journal/saved.js';
import { flush, run, subscribe, syncWanted } from './notifications.js';
import { type ParsedRoutingOptions, parseOptions, type RoutingEngineOptions } from './options.js';
import { acceptReservation, findReservation, type ReservationInfo } from './reservations.js';
import { parseSnapshot, type RoutingSnapshot, restoreSnapshot, takeSnapshot } from './snapshot.js';
import { createState, hasKeys, NO_OPTIONS, notFound, type RoutingState } from './state.js';
import { completeTask, createTask } from './tasks/lifecycle.js';
import { instrumentRouting } from './telemetry.js';
import { advance } from './timers.js';
import {
  type RoutingStats,
  reservationInfo,
  routingStats,
  type TaskInfo,
  taskInfo,
  type WorkerInfo,
  workerInfo,
} from './views.js';
import { lintWorkflow, type WorkflowLintIssue } from './workflow/definition.js';

/**
 * The routing engine's public face. Each method validates its input, calls the routing
 * modules on the engine's state (`state.ts`) and delivers the events they queued; the logic
 * itself lives in `roster/`, `tasks/`, `workflow/`, `dispatch.ts`, `reservations.ts`,
 * `timers.ts`, `handoff/`, `explain.ts` and `snapshot.ts`.
 */

/**
 * The routing engine: workers, tasks, workflows, reservations and events, all in memory,
 * driven by calls and by `advanceTo(now)`. Deterministic: the same calls at the same clock
 * times give the same offers and events. Create one with {@link createRoutingEngine}.
 */
export class RoutingEngine {
  readonly #opts: ParsedRoutingOptions;
  /** Replaced as a whole by `restore` (built aside, swapped in on success). */
  #s: RoutingState;

  constructor(options: RoutingEngineOptions) {
    const opts = parseOptions(options);
    // A journal replays injected ids from its entries (the generator itself may be random).
    const ids = opts.journal && opts.ids ? new RecordingIds(opts.ids) : undefined;
    this.#opts = ids ? { ...opts, ids } : opts;
    this.#s = createState(this.#opts);
    if (opts.journal && opts.storage) {
      this.#s.journal = new RoutingJournal({
        storage: opts.storage,
        options: opts.journal,
        tenantId: this.#s.tenantId,
        host: { state: () => this.#s },
        clock: opts.clock,
        ids,
      });
      syncWanted(this.#s);
    }
    // Erasure on the same store reaches this engine's memory and what it has not committed.
    // With a bus, an erasure in another process reaches it too (`customer.erased`, then recover()).
    if (this.#opts.store !== undefined)
      hookErasure(this, this.#opts.store, (e: RoutingEngine) => e.#s, this.#opts.erasureBus);
    if (opts.telemetry)
      instrumentRouting(this, () => this.#s, opts.telemetry, opts.telemetryAttributes ?? {});
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /**
   * Subscribes to routing events: an exact type (`'reservation.created'`), every event of an
   * aggregate (`'task.*'`, `'reservation.*'`, `'worker.*'`) or everything (`'*'`); the handler's
   * event type narrows with the pattern. Handlers run after the operation that caused the
   * event has finished, so they may call the engine. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const stop = engine.subscribe('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
   * stop();
   * ```
   */
  subscribe<P extends RoutingEventPattern>(
    pattern: P,
    handler: EventHandler<EventsMatching<RoutingEvent, P>>,
  ): Unsubscribe {
    return subscribe(this.#s, pattern, handler);
  }

  /**
   * Subscribes to routing events.
   *
   * @deprecated Renamed to {@link RoutingEngine.subscribe} (same arguments, also takes `prefix.*`).
   */
  on<P extends RoutingEventPattern>(
    pattern: P,
    handler: EventHandler<EventsMatching<RoutingEvent, P>>,
  ): Unsubscribe {
    return subscribe(this.#s, pattern, handler);
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
    return upsertWorkerCommand(this.#s, input);
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
    return setWorkerStatusCommand(this.#s, id, status, reason);
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
    removeWorkerCommand(this.#s, id);
  }

  /** A worker's current state, or `undefined`; its `attributes` are frozen. */
  getWorker(id: string): WorkerInfo | undefined {
    const s = this.#s;
    const w = s.workers.get(id);
    return w ? workerInfo(s, w) : undefined;
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
    const s = this.#s;
    const j = openJournal(s);
    // The common input shape is checked by hand; anything else (and every error) takes the
    // schema, after the key check zod cannot do (it drops `__proto__` silently).
    let data = parseTaskInputFast(input);
    if (data === undefined) {
      rejectReservedKeys(input, 'task');
      data = parseInput(TaskInputSchema, input, 'task');
    }
    const id = data.id ?? s.ids.next('task');
    if (s.tasks.has(id)) {
      if (j !== null) j.discardIds();
      throw new ThreadlineError('CONFLICT', `Task "${id}" already exists`, { details: { taskId: id } });
    }
    // Hot path: `submitTask`, `completeTask` and `acceptReservation` open-code `run` (depth,
    // try/finally, flush) instead of passing it a closure per call.
    s.depth++;
    let info: TaskInfo;
    try {
      info = taskInfo(s, createTask(s, id, data));
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
    }
    if (j !== null) j.record('submitTask', [input], info.attributes.customerId);
    return info;
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
    return updateTaskCommand(this.#s, id, patch);
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
    cancelTaskCommand(this.#s, id, reason);
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
    const s = this.#s;
    const j = openJournal(s);
    const t = s.tasks.get(id);
    if (!t) throw notFound('task', String(id));
    // The common call has no options: skip the schema on that path.
    const opts: { wrapUpMs?: number } =
      options === undefined || (options !== null && typeof options === 'object' && !hasKeys(options))
        ? NO_OPTIONS
        : (parseCompleteOptionsFast(options) ??
          parseInput(CompleteOptionsSchema, options, 'complete options'));
    const r = t.assigned;
    if (t.status !== 'assigned' || !r) {
      throw new ThreadlineError('ILLEGAL_TRANSITION', `Task "${id}" is ${t.status}, not assigned`, {
        details: { taskId: id, status: t.status },
      });
    }
    s.depth++;
    try {
      completeTask(s, t, r, opts.wrapUpMs ?? 0);
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
    }
    if (j !== null)
      j.record('completeTask', opts === NO_OPTIONS ? [id] : [id, opts], t.attributes.customerId);
  }

  /** A task's current state, or `undefined` once completed or canceled; its `attributes` are frozen. */
  getTask(id: string): TaskInfo | undefined {
    const s = this.#s;
    const t = s.tasks.get(id);
    return t ? taskInfo(s, t) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Reservations

  /**
   * Accepts an open offer: the task is assigned to the worker and any other offers for the
   * same task (multi-offer) are rescinded.
   *
   * @example
   * ```ts
   * engine.subscribe('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
   * ```
   */
  acceptReservation(id: string): TaskInfo {
    const s = this.#s;
    const j = openJournal(s);
    const r = s.reservations.get(id) ?? findReservation(s, id);
    if (!r) throw notFound('reservation', String(id));
    s.depth++;
    let info: TaskInfo;
    try {
      info = taskInfo(s, acceptReservation(s, r));
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
    }
    if (j !== null) j.record('acceptReservation', [id], info.attributes.customerId);
    return info;
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
    rejectReservationCommand(this.#s, id, options);
  }

  /** An open or held reservation, for inspection; `undefined` once it has ended. */
  getReservation(id: string): ReservationInfo | undefined {
    const s = this.#s;
    const r = findReservation(s, id);
    return r ? reservationInfo(s, r) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** The earliest instant at which the engine has work (offer timeout, step timeout, wrap-up end …), or `null`. */
  nextDeadline(): number | null {
    return this.#s.deadlines.next();
  }

  /**
   * Fires everything due at or before `now`, in deadline order, each at its own instant: offer
   * timeouts, step timeouts, SLA boosts, wrap-up ends, exclusion ends, shift changes; results
   * arrive as events. Synchronous; a `now` earlier than the latest one seen does nothing.
   *
   * @example
   * ```ts
   * engine.advanceTo(clock.now());
   * ```
   */
  advanceTo(now: Instant): void {
    const s = this.#s;
    const j = openJournal(s);
    const until = toMillis(now, 'now');
    // Time inputs are journaled only when they can change state: an earlier `now` is a no-op.
    if (j !== null && until < s.lastAdvance) return;
    run(s, () => advance(s, until));
    if (j !== null) j.record('advanceTo', [until]);
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
    return requestHandoffCommand(this.#s, taskId, packet);
  }

  /**
   * Reports a bot turn on a task the bot holds; when a `handoffRules` rule matches (the
   * customer asks for a person — decided by the `personRequestDetector` option —, negative
   * sentiment, low confidence), the task is handed off and the packet returned, else `null`.
   *
   * @example
   * ```ts
   * engine.reportBotTurn('t1', { customerText: 'je veux parler à un conseiller', language: 'fr' });
   * ```
   */
  reportBotTurn(taskId: string, turn: BotTurn): HandoffPacket | null {
    return reportBotTurnCommand(this.#s, taskId, turn);
  }

  // -------------------------------------------------------------------------------------------
  // Inspection

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
    const s = this.#s;
    const t = s.tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    return explain(s, t);
  }

  /**
   * Lints the engine's workflow against the current roster (see {@link lintWorkflow}).
   *
   * @example
   * ```ts
   * for (const issue of engine.lint()) console.warn(issue.code, issue.path.join('.'), issue.message);
   * ```
   */
  lint(): WorkflowLintIssue[] {
    const s = this.#s;
    const workers = [...s.workers.values()]
      .filter((w) => !w.draining)
      .map((w) => ({ id: w.id, kind: w.kind, attributes: w.attributes }));
    return lintWorkflow(s.workflowConfig, { workers });
  }

  /** Counters for monitoring and benchmarks. */
  stats(): RoutingStats {
    return routingStats(this.#s);
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

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
    return takeSnapshot(this.#s);
  }

  /**
   * Replaces the engine's state with a snapshot taken by {@link RoutingEngine.snapshot}. The
   * engine must be empty (no workers or tasks). All or nothing: the snapshot is validated
   * completely (`VALIDATION` naming the path) and built into a fresh state that replaces the
   * current one only on success; subscriptions are kept.
   *
   * @example
   * ```ts
   * engine.restore(snapshot);
   * ```
   */
  restore(snapshot: RoutingSnapshot): void {
    const current = this.#s;
    const j = openJournal(current);
    const snap = parseSnapshot(current, snapshot);
    if (current.workers.size > 0 || current.tasks.size > 0) {
      throw new ThreadlineError('CONFLICT', 'restore() needs an empty engine (no workers or tasks)');
    }
    const fresh = createState(this.#opts, current);
    restoreSnapshot(fresh, snap);
    this.#s = fresh;
    if (j !== null) j.record('restore', [snapshot]);
  }

  // -------------------------------------------------------------------------------------------
  // Durability (with `storage`)

  /**
   * Commits every command applied so far (journal entries and their events in one transaction
   * per batch), then delivers their events to subscribers and the bus. Resolves at once without
   * a journal. Rejects with `ADAPTER` when a batch does not commit: that batch and every command
   * after it are lost (their events were never visible) and the engine refuses commands until
   * {@link RoutingEngine.recover}.
   *
   * @example
   * ```ts
   * engine.submitTask({ id: 't1', channel: 'chat' });
   * await engine.flush(); // t1 and its offer are durable; `reservation.created` was delivered
   * ```
   */
  async flush(): Promise<void> {
    await this.#s.journal?.flush();
  }

  /**
   * Rebuilds the engine from its storage: the journal's latest snapshot, then every journaled
   * command after it, replayed without emitting (their events are already in the outbox). The
   * result is exactly the committed state; commands not yet committed are dropped. Idempotent;
   * subscriptions are kept. Use it on a fresh process, and after a failed commit.
   *
   * @example
   * ```ts
   * const engine = createRoutingEngine({ clock, workflow, storage });
   * await engine.recover();
   * ```
   */
  async recover(): Promise<void> {
    const j = this.#s.journal;
    if (j === null) throw requireJournal();
    await recoverJournal(this, j, {
      fresh: () => {
        const s = createState(this.#opts, this.#s);
        // Replay regenerates every id from the start: no counter carries over.
        s.ownIds?.counters.clear();
        return s;
      },
      install: (s) => {
        this.#s = s;
      },
      current: () => this.#s,
    });
  }

  /**
   * Writes the snapshot to the document store of the `storage` option (collection `routing_snapshots`,
   * document id `engine`): a copy on demand, apart from the journal (which `recover()` reads).
   *
   * @example
   * ```ts
   * await engine.save();
   * ```
   */
  async save(id = 'engine'): Promise<void> {
    await saveSnapshot(this.#s, id, this.snapshot());
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
    const snapshot = await readSavedSnapshot(this.#s, id);
    if (snapshot === undefined) return false;
    this.restore(snapshot);
    return true;
  }
}

/**
 * Creates a routing engine: the main entry point of `@threadline/routing`.
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
 * engine.subscribe('reservation.created', (e) => engine.acceptReservation(e.payload.reservationId));
 * engine.submitTask({ id: 't1', channel: 'chat' });
 * ```
 */
export function createRoutingEngine(options: RoutingEngineOptions): RoutingEngine {
  return new RoutingEngine(options);
}
