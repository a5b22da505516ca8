import {
  type HandoffPacket as CoreHandoffPacket,
  type DocumentStore,
  type Instant,
  type Presence,
  parseInput,
  ThreadlineError,
  toMillis,
} from '@threadline/core';
import { z } from 'zod';
import { holdCapacity, releaseReservation, updateOccupancy } from './capacity.js';
import { afterFree, dispatchWorker } from './dispatch.js';
import type { RoutingEventOf, RoutingEventType } from './events.js';
import { type DecisionTrace, explain } from './explain.js';
import { type BotTurn, BotTurnSchema, handoff, PERSON_REQUEST } from './handoff/botHandoff.js';
import {
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  normalizeHandoffPacket,
} from './handoff/packet.js';
import {
  parseTaskInputFast,
  type TaskInput,
  TaskInputSchema,
  type TaskPatch,
  TaskPatchSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
import { emit, flush, ROUTING_EVENT_SET, run, syncWantsEverything, wants } from './notifications.js';
import {
  HandoffRulesSchema,
  type ParsedRoutingOptions,
  parseOptions,
  type RoutingEngineOptions,
} from './options.js';
import {
  assertTransition,
  endPending,
  findReservation,
  inOfferList,
  type ReservationInfo,
  unlinkOffer,
} from './reservations.js';
import { checkShifts } from './roster/shifts.js';
import {
  offerable,
  purgeIfDrained,
  refreshWorker,
  rescindWorkerOffers,
  upsertWorkerState,
} from './roster/workers.js';
import { type RoutingSnapshot, SnapshotSchema } from './snapshot.js';
import {
  channelIndex,
  createState,
  currentTime,
  hasKeys,
  NO_FILTER,
  NO_OPTIONS,
  NO_PENDING,
  NO_SKILLS,
  notFound,
  type ReservationState,
  type RoutingState,
  type TaskState,
} from './state.js';
import { finish, forgetTask, offersNoLongerFit } from './tasks/lifecycle.js';
import { fire, forgetBotTask, trackBotTask } from './timers.js';
import {
  type RoutingStats,
  reservationInfo,
  type TaskInfo,
  taskInfo,
  type WorkerInfo,
  workerInfo,
} from './views.js';
import { lintWorkflow, type WorkflowLintIssue } from './workflow/definition.js';
import { currentStep, enterWorkflow, scheduleBoost } from './workflow/evaluate.js';
import { groupFor, joinGroup, leaveGroup } from './workflow/groups.js';

/**
 * The routing engine: workers, tasks, workflows, reservations and events, all in memory,
 * driven by calls and by `advanceTo(now)`. Deterministic: the same calls at the same clock
 * times give the same offers and events. A thin facade: it validates input, calls the
 * routing modules on its state and delivers the events they queued.
 */
export class RoutingEngine {
  readonly #opts: ParsedRoutingOptions;
  #s: RoutingState;

  constructor(options: RoutingEngineOptions) {
    this.#opts = parseOptions(options);
    this.#s = createState(this.#opts);
  }

  /**
   * Subscribes to one event type (or `'*'` for all); returns the unsubscribe function. Handlers
   * run after the operation that caused the event has finished, so they may call the engine.
   */
  on<T extends RoutingEventType>(type: T | '*', handler: (event: RoutingEventOf<T>) => void): () => void {
    const s = this.#s;
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
    s.emitter.on(type, handler);
    s.listenerCounts.set(type, (s.listenerCounts.get(type) ?? 0) + 1);
    syncWantsEverything(s);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      s.emitter.off(type, handler);
      s.listenerCounts.set(type, (s.listenerCounts.get(type) ?? 1) - 1);
      syncWantsEverything(s);
    };
  }

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
    const s = this.#s;
    const data = parseInput(WorkerInputSchema, input, 'worker');
    if (data.calendar !== undefined && !Object.hasOwn(s.calendars, data.calendar)) {
      throw new ThreadlineError('VALIDATION', `Invalid worker: unknown calendar "${data.calendar}"`, {
        issues: [
          { path: ['calendar'], message: `unknown calendar "${data.calendar}"`, code: 'invalid_value' },
        ],
      });
    }
    return run(s, () => {
      const w = upsertWorkerState(s, data, undefined);
      dispatchWorker(s, w);
      return workerInfo(s, w);
    });
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
    const s = this.#s;
    const args = parseInput(
      StatusArgsSchema,
      reason === undefined ? { id, status } : { id, status, reason },
      'worker status',
    );
    const w = s.workers.get(args.id);
    if (!w) throw notFound('worker', args.id);
    return run(s, () => {
      const from = w.status;
      const now = currentTime(s);
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
      emit(s, 'worker.status_changed', 'worker', w.id, {
        workerId: w.id,
        from,
        to: args.status,
        ...(args.reason === undefined ? {} : { reason: args.reason }),
      });
      if (!offerable(s, w)) rescindWorkerOffers(s, w, 'worker_unavailable');
      refreshWorker(s, w);
      dispatchWorker(s, w);
      return workerInfo(s, w);
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
    const s = this.#s;
    const key = parseInput(z.string().min(1), id, 'worker id');
    const w = s.workers.get(key);
    if (!w) throw notFound('worker', key);
    run(s, () => {
      w.draining = true;
      rescindWorkerOffers(s, w, 'worker_removed');
      refreshWorker(s, w);
      purgeIfDrained(s, w);
    });
  }

  /** A worker's current state, or `undefined`. */
  getWorker(id: string): WorkerInfo | undefined {
    const s = this.#s;
    const w = s.workers.get(id);
    return w ? workerInfo(s, w) : undefined;
  }

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
    // Hot path: `submitTask`, `completeTask` and `acceptReservation` open-code `#run` (depth,
    // try/finally, flush) instead of passing it a closure per call.
    const data = parseTaskInputFast(input) ?? parseInput(TaskInputSchema, input, 'task');
    const id = data.id ?? s.ids.next('task');
    if (s.tasks.has(id)) {
      throw new ThreadlineError('CONFLICT', `Task "${id}" already exists`, { details: { taskId: id } });
    }
    s.depth++;
    try {
      const now = currentTime(s);
      const createdAt = data.createdAt === undefined ? now : toMillis(data.createdAt, 'createdAt');
      const t: TaskState = {
        id,
        seq: s.taskSeq++,
        channel: data.channel,
        ch: channelIndex(s, data.channel),
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
        handle: s.taskPositions.alloc(),
        excluded: null,
        pending: NO_PENDING,
        assigned: null,
        assignedAt: null,
        stepDeadline: undefined,
        boostDeadline: undefined,
        botDeadline: undefined,
        ctx: null,
      };
      s.tasks.set(id, t);
      scheduleBoost(s, t);
      enterWorkflow(s, t, null);
      return taskInfo(s, t);
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
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
    const s = this.#s;
    const t = s.tasks.get(id);
    if (!t) throw notFound('task', String(id));
    const data = parseInput(TaskPatchSchema, patch, 'task patch');
    return run(s, () => {
      t.ctx = null;
      if (data.priority !== undefined) t.priority = data.priority;
      if (data.attributes !== undefined) t.attributes = { ...t.attributes, ...data.attributes };
      if (data.requiredSkills !== undefined) t.requiredSkills = data.requiredSkills;
      if (data.preferredWorkerId !== undefined) t.preferredWorkerId = data.preferredWorkerId;
      if (data.deadline !== undefined) {
        t.deadline = data.deadline;
        s.deadlines.cancel(t.boostDeadline);
        t.boostDeadline = undefined;
        t.boosted = false;
        scheduleBoost(s, t);
      }
      if (t.status === 'pending' || t.status === 'unrouted') {
        leaveGroup(s, t);
        const previousFilter = t.filterIdx;
        enterWorkflow(s, t, previousFilter);
      } else if (t.status === 'reserved' && offersNoLongerFit(s, t)) {
        // The open offers no longer fit the task: rescind them and route it afresh.
        for (const r of [...t.pending]) endPending(s, r, 'rescinded', 'task_updated', false);
        if (t.status === 'reserved' && t.pending.length === 0 && s.tasks.get(t.id) === t) {
          t.status = 'pending';
          enterWorkflow(s, t, t.filterIdx);
        }
      }
      return taskInfo(s, t);
    });
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
    const s = this.#s;
    const t = s.tasks.get(id);
    if (!t) throw notFound('task', String(id));
    const why = parseInput(z.string().min(1).max(500), reason, 'cancel reason');
    run(s, () => {
      leaveGroup(s, t);
      for (const r of [...t.pending]) endPending(s, r, 'canceled', 'task_canceled', false);
      const held = t.assigned;
      if (held) {
        assertTransition(held.id, held.status, 'canceled');
        held.status = 'canceled';
        releaseReservation(s, held);
      }
      forgetTask(s, t);
      emit(s, 'task.canceled', 'task', t.id, { taskId: t.id, reason: why });
      if (held) afterFree(s, held.worker);
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
    const s = this.#s;
    const t = s.tasks.get(id);
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
    s.depth++;
    try {
      const now = currentTime(s);
      const wrap = opts.wrapUpMs ?? 0;
      // Hot-path events build their payloads only when someone listens.
      if (wants(s, 'task.completed'))
        emit(s, 'task.completed', 'task', t.id, {
          taskId: t.id,
          workerId: r.worker.id,
          wrapUpUntil: now + wrap,
        });
      if (wrap > 0) {
        assertTransition(r.id, r.status, 'wrapping');
        r.status = 'wrapping';
        t.status = 'wrapping';
        s.wrapping.set(r.id, r);
        forgetBotTask(s, t);
        r.deadline = s.deadlines.add(now + wrap, 'wrapup', r.id, 0);
      } else {
        finish(s, r);
      }
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
    }
  }

  /** A task's current state, or `undefined` once completed or canceled. */
  getTask(id: string): TaskInfo | undefined {
    const s = this.#s;
    const t = s.tasks.get(id);
    return t ? taskInfo(s, t) : undefined;
  }

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
    const s = this.#s;
    const r = s.reservations.get(id) ?? findReservation(s, id);
    if (!r) throw notFound('reservation', String(id));
    assertTransition(r.id, r.status, 'accepted');
    s.depth++;
    try {
      const t = r.task;
      s.deadlines.cancel(r.deadline);
      r.deadline = undefined;
      r.status = 'accepted';
      if (inOfferList(r)) unlinkOffer(r);
      s.reservations.delete(r);
      if (s.held !== null) s.held.set(r.id, r);
      // Single offer (the common case): nothing else to rescind and no array to copy.
      if (t.pending.length === 1 && t.pending[0] === r) t.pending = NO_PENDING;
      else {
        t.pending = t.pending.filter((x) => x !== r);
        for (const other of [...t.pending]) endPending(s, other, 'rescinded', 'accepted_elsewhere', false);
      }
      t.status = 'assigned';
      t.assigned = r;
      t.assignedAt = currentTime(s);
      s.deadlines.cancel(t.stepDeadline);
      t.stepDeadline = undefined;
      if (s.usesSticky) {
        const key = t.attributes[s.workflow.stickyKey];
        if ((typeof key === 'string' || typeof key === 'number') && r.worker.kind === 'human')
          s.sticky.set(String(key), r.worker.id);
      }
      if (r.worker.kind === 'bot') trackBotTask(s, t);
      if (wants(s, 'reservation.accepted'))
        emit(s, 'reservation.accepted', 'reservation', r.id, {
          reservationId: r.id,
          taskId: t.id,
          workerId: r.worker.id,
        });
      if (wants(s, 'task.assigned'))
        emit(s, 'task.assigned', 'task', t.id, {
          taskId: t.id,
          workerId: r.worker.id,
          reservationId: r.id,
        });
      return taskInfo(s, t);
    } finally {
      s.depth--;
      if (s.depth === 0) flush(s);
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
    const s = this.#s;
    const r = s.reservations.get(id) ?? findReservation(s, id);
    if (!r) throw notFound('reservation', String(id));
    const opts = parseInput(ResolveRejectSchema, options, 'reject options');
    assertTransition(r.id, r.status, 'rejected');
    run(s, () => endPending(s, r, 'rejected', opts.reason));
  }

  /** Open and held reservations of a task or worker, for inspection. */
  getReservation(id: string): ReservationInfo | undefined {
    const s = this.#s;
    const r = findReservation(s, id);
    return r ? reservationInfo(s, r) : undefined;
  }

  /** The earliest instant at which the engine has work (offer timeout, step timeout, wrap-up end …), or `null`. */
  nextDeadline(): number | null {
    const s = this.#s;
    return s.deadlines.next();
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
    const s = this.#s;
    const until = toMillis(now, 'now');
    run(s, () => {
      for (;;) {
        const d = s.deadlines.popDue(until);
        if (!d) break;
        s.timeOverride = d.at;
        try {
          fire(s, d);
        } finally {
          s.timeOverride = undefined;
        }
      }
      if (s.calendarWorkers.size > 0) {
        s.timeOverride = until;
        try {
          checkShifts(s);
        } finally {
          s.timeOverride = undefined;
        }
      }
    });
  }

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
    const s = this.#s;
    const t = s.tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    const data = normalizeHandoffPacket(packet);
    if (data.targetQueue !== undefined && !s.queueById.has(data.targetQueue)) {
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
    return run(s, () => {
      handoff(s, t, data);
      return taskInfo(s, t);
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
    const s = this.#s;
    const t = s.tasks.get(taskId);
    if (!t) throw notFound('task', String(taskId));
    const data = parseInput(BotTurnSchema, turn, 'bot turn');
    const rules = s.handoffRules ?? HandoffRulesSchema.parse({});
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
    return run(s, () => {
      handoff(s, t, packet);
      return packet;
    });
  }

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
    const s = this.#s;
    return {
      decisions: s.decisions,
      offers: s.offerSeq,
      waiting: s.waiting,
      workers: s.workers.size,
      tasks: s.tasks.size,
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
    const s = this.#s;
    const workers = [...s.workers.values()]
      .sort((a, b) => a.order - b.order)
      .map((w) => ({
        ...structuredClone(w.input),
        order: w.order,
        idleSince: w.idleSince,
        lastOfferSeq: w.lastOfferSeq,
        draining: w.draining,
        statusSince: w.statusSince,
      }));
    const tasks = [...s.tasks.values()]
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
    const all = [...s.reservations.values()];
    for (const t of s.tasks.values()) if (t.assigned !== null) all.push(t.assigned);
    // Offer order (creation instant, then id) whatever map each one sits in.
    all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const reservations = all.map((r) => reservationInfo(s, r));
    // Bot timeouts and shift changes are derived (from assignments and calendars) and
    // re-derived on restore; the rest are state.
    const deadlines = [...s.deadlines.all()]
      .filter((d) => d.kind !== 'bot' && d.kind !== 'shift')
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((d) => ({ at: d.at, kind: d.kind, ref: d.ref }));
    return {
      version: 1,
      takenAt: currentTime(s),
      counters: { offerSeq: s.offerSeq, workerOrder: s.workerOrder, taskSeq: s.taskSeq },
      ...(s.ownIds ? { idCounters: [...s.ownIds.counters.entries()] } : {}),
      workers,
      tasks,
      reservations,
      sticky: [...s.sticky.entries()],
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
    const s = this.#s;
    const snap = parseInput(SnapshotSchema, snapshot, 'routing snapshot') as RoutingSnapshot;
    if (s.workers.size > 0 || s.tasks.size > 0) {
      throw new ThreadlineError('CONFLICT', 'restore() needs an empty engine (no workers or tasks)');
    }
    run(s, () => {
      for (const ws of snap.workers) {
        const { order, idleSince, lastOfferSeq, draining, statusSince, ...input } = ws;
        const data = parseInput(WorkerInputSchema, input, 'routing snapshot worker');
        if (data.calendar !== undefined && !Object.hasOwn(s.calendars, data.calendar)) {
          throw new ThreadlineError(
            'VALIDATION',
            `Snapshot worker ${data.id} uses unknown calendar "${data.calendar}"`,
          );
        }
        upsertWorkerState(s, data, { order, idleSince, lastOfferSeq, draining, statusSince });
      }
      const byRes = new Map<string, ReservationInfo[]>();
      for (const r of snap.reservations) byRes.set(r.taskId, [...(byRes.get(r.taskId) ?? []), r]);
      for (const ts of snap.tasks) {
        const t: TaskState = {
          ...ts,
          ch: channelIndex(s, ts.channel),
          route: null,
          agedBase: 0,
          group: null,
          handle: s.taskPositions.alloc(),
          excluded: ts.excluded.length === 0 ? null : new Map(ts.excluded),
          pending: NO_PENDING,
          assigned: null,
          stepDeadline: undefined,
          boostDeadline: undefined,
          botDeadline: undefined,
          ctx: null,
        };
        s.tasks.set(t.id, t);
        for (const ri of byRes.get(t.id) ?? []) {
          const w = s.workers.get(ri.workerId);
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
            ch: channelIndex(s, ri.channel),
            weight: ri.weight,
            deadline: undefined,
            cap: undefined,
            offerPrev: null,
            offerNext: null,
          };
          if (r.status === 'pending') s.reservations.add(r);
          else if (r.status === 'wrapping') s.wrapping.set(r.id, r);
          holdCapacity(s, w, r);
          if (r.status === 'pending') t.pending = [...t.pending, r];
          else t.assigned = r;
        }
        if (t.status === 'assigned' && t.assigned?.worker.kind === 'bot') trackBotTask(s, t);
        if (t.status === 'pending') {
          const step = currentStep(s, t);
          if (step) joinGroup(s, t, groupFor(s, t, step));
        }
      }
      for (const w of s.workers.values()) {
        updateOccupancy(s, w);
        refreshWorker(s, w);
      }
      for (const d of snap.deadlines) {
        const dl = s.deadlines.add(d.at, d.kind, d.ref, 0);
        if (d.kind === 'reservation' || d.kind === 'wrapup') {
          const r = d.kind === 'reservation' ? s.reservations.get(d.ref) : s.wrapping.get(d.ref);
          if (r) r.deadline = dl;
        } else if (d.kind === 'step') {
          const t = s.tasks.get(d.ref);
          if (t) t.stepDeadline = dl;
        } else if (d.kind === 'boost') {
          const t = s.tasks.get(d.ref);
          if (t) t.boostDeadline = dl;
        }
      }
      for (const [k, v] of snap.sticky) s.sticky.set(k, v);
      s.offerSeq = snap.counters.offerSeq;
      s.workerOrder = Math.max(s.workerOrder, snap.counters.workerOrder);
      s.taskSeq = snap.counters.taskSeq;
      if (s.ownIds && snap.idCounters) for (const [k, v] of snap.idCounters) s.ownIds.counters.set(k, v);
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
    const s = this.#s;
    const store = requireStore(s);
    await store.put('routing_snapshots', { id, tenantId: s.tenantId, snapshot: this.snapshot() });
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
    const s = this.#s;
    const store = requireStore(s);
    const doc = await store.get('routing_snapshots', id, { tenantId: s.tenantId });
    if (!doc) return false;
    this.restore(doc.snapshot as RoutingSnapshot);
    return true;
  }
}

export const ResolveRejectSchema = z.object({ reason: z.string().min(1).max(500) }).strict();

export const CompleteOptionsSchema = z
  .object({ wrapUpMs: z.number().int().nonnegative().optional() })
  .strict();

export const StatusArgsSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(['available', 'busy', 'away', 'offline']),
    reason: z.string().max(500).optional(),
  })
  .strict();

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

export function requireStore(s: RoutingState): DocumentStore {
  if (!s.store) throw new ThreadlineError('CONFIG', 'This routing engine was created without a store');
  return s.store;
}
