// simulateDay: one contact-center day with every engine wired, driven by a Scheduler on a manual
// clock. The contact's steps live in contacts.ts, the host's actions in actions.ts.
import {
  type ContextSignal,
  createRandom,
  parseInput,
  type Schedulable,
  Scheduler,
  type StoredDocument,
  ThreadlineError,
  type ZoneRules,
  zoneRules,
} from '@threadline/core';
import { analyzeSentiment, type SentimentResult, type TaxonomyPrediction } from '@threadline/insights';
import { z } from 'zod';
import {
  buildRoster,
  buildTaxonomy,
  centerCalendar,
  type ShiftName,
  shiftCalendars,
  TIME_ZONE,
} from '../center/config.js';
import { simulateHistory } from '../center/history.js';
import { createOutageNotices } from '../center/outage.js';
import { generateText } from '../center/text.js';
import { type Arrival, drawTraffic } from '../center/traffic.js';
import { emptyClosedCasesFold } from '../report/caseFold.js';
import { createDayActions } from './actions.js';
import { countBusEvents } from './busCounters.js';
import { createCaseClosing } from './caseClosing.js';
import { createContactHandlers } from './contacts.js';
import { registerContextProviders } from './contextProviders.js';
import { EventHeap } from './heap.js';
import type { DayState } from './state.js';
import type {
  DayCounters,
  DayOptions,
  DayResult,
  InteractionRecord,
  SimEvent,
  TranscriptLine,
} from './types.js';
import { wireEngines } from './wiring.js';

const HOUR = 3_600_000;

/** Epoch ms of the wall-clock time `HH:MM` on `date` in the zone (its offset on that day, DST included). */
function localInstant(zone: ZoneRules, date: string, hhmm: string): number {
  return zone.toInstant(Date.parse(`${date}T${hhmm}:00Z`));
}

// The scalar options, checked once here; the objects (text, traffic, roster, config) are checked
// by the engines that take them.
const ScalarOptionsSchema = z.object({
  agents: z.number().int().min(5, 'agents must be an integer ≥ 5'),
  interactions: z.number().int().min(1, 'interactions must be a positive integer'),
  seed: z.number().int(),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be a calendar date YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'date must be a calendar date YYYY-MM-DD'),
  timeZone: z.string().min(1),
  conversationRetentionMs: z
    .number()
    .int()
    .min(0, 'conversationRetentionMs must be an integer number of ms ≥ 0')
    .optional(),
  closeSolvedAfterMs: z
    .number()
    .int()
    .min(0, 'closeSolvedAfterMs must be an integer number of ms ≥ 0')
    .optional(),
  keepClosedCases: z.boolean().optional(),
});

/**
 * Runs one simulated contact-center day and returns what happened: the per-contact records, the
 * counters and the live engines. {@link buildDayReport} turns it into the report data.
 *
 * @example
 * ```ts
 * const day = await simulateDay({ agents: 20, interactions: 500 });
 * day.interactions.filter((i) => i.outcome === 'abandoned').length;
 * ```
 */
export async function simulateDay(options: DayOptions = {}): Promise<DayResult> {
  const opts = parseInput(
    ScalarOptionsSchema,
    {
      agents: options.roster ? Math.max(5, options.roster.length) : (options.agents ?? 500),
      interactions: options.traffic
        ? Math.max(1, options.traffic.arrivals.length)
        : (options.interactions ?? 50_000),
      seed: options.seed ?? 2026,
      date: options.date ?? '2026-06-16',
      timeZone: options.timeZone ?? TIME_ZONE,
      ...(options.conversationRetentionMs === undefined
        ? {}
        : { conversationRetentionMs: options.conversationRetentionMs }),
      ...(options.closeSolvedAfterMs === undefined ? {} : { closeSolvedAfterMs: options.closeSolvedAfterMs }),
      ...(options.keepClosedCases === undefined ? {} : { keepClosedCases: options.keepClosedCases }),
    },
    'day options',
  );
  if (opts.conversationRetentionMs !== undefined && options.storage !== undefined)
    throw new ThreadlineError(
      'VALIDATION',
      'Invalid day options: conversationRetentionMs applies to the memory storage only; give the storage its own retention',
      {
        issues: [
          {
            path: ['conversationRetentionMs'],
            message: 'not allowed with storage',
            code: 'conflicting_options',
          },
        ],
      },
    );
  const zone = zoneRules(opts.timeZone);
  const openAt = localInstant(zone, opts.date, '08:00');
  const closeAt = localInstant(zone, opts.date, '20:00');
  const hardStop = localInstant(zone, opts.date, '23:30');
  const text = options.text ?? generateText(createRandom(opts.seed ^ 0x5eed));
  const roster = options.roster ? [...options.roster] : buildRoster(opts.agents, createRandom(opts.seed + 1));
  const { persons, arrivals } =
    options.traffic ??
    drawTraffic(createRandom(opts.seed + 2), text, { interactions: opts.interactions, openAt });

  // Auto-closed cases leave the (memory) case engine, folded for the report, unless kept.
  const foldClosed =
    opts.closeSolvedAfterMs !== undefined && opts.keepClosedCases !== true && options.storage === undefined;
  const engines = wireEngines({
    openAt,
    timeZone: opts.timeZone,
    ...(options.config ? { config: options.config } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    ...(opts.conversationRetentionMs === undefined
      ? {}
      : { conversationRetentionMs: opts.conversationRetentionMs }),
    ...(foldClosed ? { retainClosedCases: false } : {}),
  });
  const { clock, bus, routing, cases, insights, settle } = engines;
  const taxonomy = buildTaxonomy();
  // Both analyses are pure functions of the text, and the day reuses texts: analyse each once.
  const understood = new Map<string, { sentiment: SentimentResult; prediction: TaxonomyPrediction }>();
  const understand = (text: string) => {
    let u = understood.get(text);
    if (!u)
      understood.set(text, (u = { sentiment: analyzeSentiment(text), prediction: taxonomy.predict(text) }));
    return u;
  };
  // The detector's baseline: four weeks of earlier simulated days, as the classifier saw them.
  const open = centerCalendar(opts.timeZone);
  const history = simulateHistory(createRandom(opts.seed + 3), text, (t) => taxonomy.predict(t).label, {
    forecast: opts.interactions,
    openAt,
    closed: (dayOpen) => !open.isBusinessTime(dayOpen + 3_600_000),
  });
  for (const o of history) insights.spikeDetector.observe(o.topic, o.at, o.count);
  insights.connect(bus, ['conversation.classified', 'customer.measured']);

  const counters: DayCounters = {
    busEvents: {},
    offers: 0,
    rejected: 0,
    offerTimeouts: 0,
    rescinded: 0,
    escalationsTriggered: 0,
    priorityRaised: 0,
    notifications: 0,
    teamEscalations: 0,
    slaBreachedEvents: 0,
    slaAtRiskEvents: 0,
    spikeSignals: [],
    healthSignals: 0,
    churnSignals: 0,
    capacityViolations: [],
    identity: { created: 0, matched: 0, merges: 0, conflicts: 0 },
    contextsAssembled: 0,
    reopenedContacts: 0,
  };
  const state: DayState = {
    ...engines,
    persons,
    records: new Map<string, InteractionRecord>(),
    arrivalById: new Map<string, Arrival>(),
    profiles: new Map(roster.map((p) => [p.worker.id, p])),
    load: new Map(),
    handling: new Map(),
    openSpans: new Map(),
    activeTaskOfCase: new Map(),
    caseByIssue: new Map(),
    caseAgent: new Map(),
    caseConversation: new Map(),
    caseCustomer: new Map(),
    casesByCustomer: new Map(),
    escalatedCases: new Set(),
    reopenedCases: new Set(),
    breachesByCustomer: new Map(),
    escalationsByCustomer: new Map(),
    contactsByCustomer: new Map(),
    transcripts: new Map<string, TranscriptLine[]>(),
    rejectedOnce: new Set(),
    conversations: new Map<string, StoredDocument>(),
    sentimentByCustomer: new Map<string, ContextSignal[]>(),
    counters,
    ...(foldClosed ? { csatOfCase: new Map() } : {}),
    heap: new EventHeap<SimEvent>(),
    understand,
  };
  const {
    heap,
    records,
    arrivalById,
    activeTaskOfCase,
    handling,
    caseAgent,
    transcripts,
    caseConversation,
    caseCustomer,
    escalatedCases,
    reopenedCases,
  } = state;
  registerContextProviders(state);
  // --- events between packages flow over the bus -------------------------------------------
  const countEvents = countBusEvents(state);

  // Shifts come from business calendars: the simulation (the workforce-management host) turns
  // people on and off at their shift's opening and closing. (The routing engine can check shift
  // calendars itself, but it re-checks every calendar worker on each advanceTo; see README.)
  const shifts = shiftCalendars(opts.timeZone);
  for (const [name, cal] of Object.entries(shifts) as [ShiftName, (typeof shifts)[ShiftName]][]) {
    const first = cal
      .periodsAfter(openAt - 6 * HOUR)
      [Symbol.iterator]()
      .next();
    if (first.done) continue;
    heap.push(first.value.start.getTime(), { kind: 'shift', shift: name, on: true });
    heap.push(first.value.end.getTime(), { kind: 'shift', shift: name, on: false });
  }
  for (const p of roster)
    routing.upsertWorker(
      p.kind === 'bot' ? p.worker : { ...p.worker, status: 'offline', reason: 'off shift' },
    );

  // The outage journey: spike alerts notify the affected customers (see center/outage.ts).
  const outage =
    options.outage === false
      ? undefined
      : createOutageNotices({
          bus,
          clock,
          ids: engines.ids,
          store: engines.store,
          identity: engines.identity,
          records,
          seed: opts.seed,
          timeZone: opts.timeZone,
          ...(options.outage === undefined ? {} : { options: options.outage }),
        });
  let deflected = 0;

  const closedCases = foldClosed ? emptyClosedCasesFold() : undefined;
  const closing =
    opts.closeSolvedAfterMs === undefined
      ? undefined
      : createCaseClosing({
          clock,
          bus,
          cases,
          afterMs: opts.closeSolvedAfterMs,
          fold: closedCases,
          qaOf: (caseId) => {
            const agentId = caseAgent.get(caseId);
            if (agentId === undefined) return undefined;
            const score = state.csatOfCase?.get(caseId);
            return {
              agentId,
              escalated: escalatedCases.has(caseId),
              reopened: reopenedCases.has(caseId),
              ...(score === undefined ? {} : { csat: score.csat }),
            };
          },
          onClosed: (caseId, customerId, type) => {
            if (!foldClosed) return;
            // A later contact about the issue opens a new case; the closed one's bookkeeping goes
            // (QA keeps its agent and latest transcript: sampling reads them at the end of the day).
            const issues = state.caseByIssue.get(customerId);
            if (type !== null && issues !== undefined && issues.get(type) === caseId) {
              issues.delete(type);
              if (issues.size === 0) state.caseByIssue.delete(customerId);
            }
            caseCustomer.delete(caseId);
            state.csatOfCase?.delete(caseId);
          },
        });

  const actions = createDayActions(state);
  const handlers = createContactHandlers(state, actions);

  // Progress reports read the counters only; they never change what the day does.
  const onProgress = options.onProgress;
  let steps = 0;
  const progress = (done: boolean) => {
    if (!onProgress) return;
    countEvents();
    let busEvents = 0;
    for (const n of Object.values(counters.busEvents)) busEvents += n;
    onProgress({
      now: clock.now(),
      openAt,
      closeAt,
      // Deflected contacts (the outage notice's model) count as done: the bar ends at `interactions`.
      arrived: records.size + deflected,
      interactions: opts.interactions,
      busEvents,
      done,
    });
  };

  const simulation: Schedulable = {
    nextDeadline: () => heap.peekTime(),
    advanceTo: async (now: number) => {
      while (heap.size > 0 && (heap.peekTime() as number) <= now) {
        // Durable storage: what the previous step did commits and reaches the bus first.
        if (settle) await settle();
        const ev = heap.pop();
        if ((++steps & 255) === 0) progress(false);
        switch (ev.kind) {
          case 'arrive':
            // The outage notice's modelled effect: this contact does not happen.
            if (outage?.deflects(ev.a)) deflected++;
            else await handlers.arrive(ev.a);
            break;
          case 'accept':
            await handlers.accept(ev);
            break;
          case 'botTurn':
            await handlers.botTurn(ev.taskId);
            break;
          case 'complete':
            await handlers.complete(ev.taskId);
            break;
          case 'abandon':
            await handlers.abandon(ev.taskId);
            break;
          case 'shift':
            for (const p of roster)
              if (p.shift === ev.shift)
                routing.setWorkerStatus(
                  p.worker.id,
                  ev.on ? 'available' : 'offline',
                  ev.on ? 'shift started' : 'shift ended',
                );
            break;
          case 'escalate': {
            const c = cases.getCase(ev.caseId);
            if (c && c.status !== 'solved' && c.status !== 'closed' && c.priority !== ev.to) {
              cases.setPriority(ev.caseId, ev.to, {
                actor: 'escalation-ladder',
                reason: 'first reply breached',
              });
              counters.priorityRaised++;
              const taskId = activeTaskOfCase.get(ev.caseId);
              const t = taskId === undefined ? undefined : routing.getTask(taskId);
              if (t && (t.status === 'pending' || t.status === 'unrouted'))
                routing.updateTask(t.id, { priority: t.priority + 2 });
            }
            break;
          }
        }
      }
      if (settle) await settle();
    },
  };

  for (const a of arrivals) {
    arrivalById.set(a.id, a);
    heap.push(a.at, { kind: 'arrive', a });
  }

  // Order matters only within one instant: engines first, the simulation (the host) last, so
  // work the engines hand to the host at an instant is done at that same instant.
  const scheduler = new Scheduler({ clock });
  // Durable storage: an engine's deadline work commits and reaches the bus at its instant.
  const settled = (engine: Schedulable): Schedulable =>
    settle === undefined
      ? engine
      : {
          nextDeadline: () => engine.nextDeadline(),
          advanceTo: async (now: number) => {
            await engine.advanceTo(now);
            await settle();
          },
        };
  scheduler.add(settled(routing));
  scheduler.add(settled(cases));
  if (closing) scheduler.add(settled(closing.schedulable));
  scheduler.add(insights);
  if (outage) {
    scheduler.add(outage.schedulable);
    scheduler.add(outage.journeySchedulable);
  }
  scheduler.add(simulation);

  await scheduler.runUntil(closeAt);
  const outstanding = () => {
    for (const r of records.values()) if (r.outcome === undefined) return true;
    return records.size + deflected < arrivals.length;
  };
  while (outstanding() && clock.now() < hardStop)
    await scheduler.runUntil(Math.min(hardStop, clock.now() + HOUR / 4));
  const endedAt = clock.now();
  for (const r of records.values()) if (r.outcome === undefined) r.outcome = 'carried_over';
  await scheduler.runUntil(endedAt); // close spike windows and fire what is due at the end
  await cases.flush();
  if (settle) await settle();
  countEvents();
  progress(true);

  return {
    options: {
      agents: opts.agents,
      interactions: opts.interactions,
      seed: opts.seed,
      date: opts.date,
      timeZone: opts.timeZone,
    },
    textSource: { kind: text.kind, origin: text.origin },
    openAt,
    closeAt,
    endedAt,
    roster,
    persons,
    traffic: { persons, arrivals },
    interactions: [...records.values()],
    handling,
    counters,
    cases,
    routing,
    insights,
    caseAgent,
    transcripts,
    caseConversation,
    caseCustomer,
    escalatedCases,
    reopenedCases,
    ...(closedCases ? { closedCases } : {}),
    ...(outage ? { outage: outage.result() } : {}),
  };
}
