import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AuditSink,
  type Clock,
  type CompiledExpression,
  compileExpression,
  createEvent,
  type EventBus,
  type EventEnvelope,
  type IdGenerator,
  isThreadlineError,
  parseEvent,
  parseInput,
  resolveBusOption,
  ThreadlineError,
  type Unsubscribe,
  type ValidationIssue,
  validationError,
} from '@threadline/core';
import { z } from 'zod';
import {
  type ActionHandler,
  type ActionHandlers,
  type RenderedAction,
  renderAction,
  ruleContext,
} from './actions.js';
import { ChainTracker, cycleKey, cycleOf, type Lineage } from './chains.js';
import {
  type AutomationRule,
  AutomationRuleSchema,
  matchesPattern,
  type ParsedAutomationRule,
} from './rule.js';

/** Zod schema for the engine's configuration (everything but the injected ports and handlers). */
export const AutomationEngineConfigSchema = z
  .object({
    rules: z.array(AutomationRuleSchema).max(10_000),
    /** How often one rule may fire within one causal chain; a further match is blocked and reported. Default 1. */
    maxFiresPerChain: z.number().int().min(1).max(100).default(1),
    /** Event ids (and rule firings) remembered for loop protection. Default 10,000. */
    chainMemory: z.number().int().min(100).max(10_000_000).default(10_000),
    /** Names the engine in its own events and audit entries. Default `automation`. */
    id: z.string().min(1).max(200).default('automation'),
  })
  .strict();

/** Options for {@link createAutomationEngine}. */
export type AutomationEngineOptions = Omit<z.input<typeof AutomationEngineConfigSchema>, 'rules'> & {
  rules: AutomationRule[];
  clock: Clock;
  ids: IdGenerator;
  /** Where the engine listens (`connect`) and publishes its `automation.*` events. */
  bus?: EventBus;
  /** Every fired rule (and every blocked one) is recorded here. */
  audit?: AuditSink;
  /** Handlers for the built-in actions a rule uses; a rule using one without a handler is a `CONFIG` error. */
  handlers?: ActionHandlers;
  /** Host actions called by name from `{ type: 'call', action }`. */
  hostActions?: Record<string, ActionHandler<Extract<RenderedAction, { type: 'call' }>>>;
};

/** Why a rule did not fire for an event. */
export type SkipReason = 'disabled' | 'other_event' | 'other_tenant' | 'condition_false' | 'after_stop';

/** What happened (or, in a dry run, would happen) to one event. */
export interface AutomationRun {
  eventId: string;
  eventType: string;
  tenantId: string;
  /** The causal chain the event belongs to (the id of its root event). */
  chainId: string;
  dryRun: boolean;
  /** Rules that fired, in order, with their rendered actions and any action error. */
  fired: { ruleId: string; actions: RenderedAction[]; error?: { actionIndex: number; message: string } }[];
  /** Rules that matched but were blocked by loop protection. */
  blocked: { ruleId: string; fires: number }[];
  skipped: { ruleId: string; reason: SkipReason }[];
  /** The rule whose `stop` ended evaluation, if any. */
  stoppedBy?: string;
  /** Cycles first seen while handling this event (`[a, b, a]`). */
  cycles: string[][];
}

/** Events the automation engine publishes. */
export type AutomationEvent =
  | EventEnvelope<
      'automation.rule_fired',
      { ruleId: string; eventId: string; eventType: string; chainId: string; actions: RenderedAction[] }
    >
  | EventEnvelope<
      'automation.action_failed',
      { ruleId: string; eventId: string; actionIndex: number; actionType: string; message: string }
    >
  | EventEnvelope<
      'automation.loop_blocked',
      { ruleId: string; eventId: string; chainId: string; fires: number }
    >
  | EventEnvelope<'automation.cycle_detected', { rules: string[]; eventId: string; chainId: string }>;

/** A running automation engine (see {@link createAutomationEngine}). */
export interface AutomationEngine {
  /**
   * Evaluates the rules for one event and performs the actions. Runs one event at a time, in
   * arrival order. A malformed envelope rejects with `VALIDATION` and the field path.
   */
  handle(event: EventEnvelope): Promise<AutomationRun>;
  /** What {@link handle} would do for the event, without acting, auditing or publishing. */
  dryRun(event: EventEnvelope): AutomationRun;
  /** Subscribes to the bus (`*`) and handles every event except the engine's own `automation.*` ones. */
  connect(): Unsubscribe;
  /** Resolves when every event received so far has been handled. */
  idle(): Promise<void>;
  /** Every cycle between rules seen so far, each once. */
  cycles(): string[][];
  /** The validated rules, in evaluation order. */
  rules(): readonly ParsedAutomationRule[];
}

interface CompiledRule {
  rule: ParsedAutomationRule;
  patterns: string[];
  when: CompiledExpression | undefined;
}

interface Plan {
  lineage: Lineage;
  run: AutomationRun;
  /** Rules to fire with their rendered actions, in order. */
  toFire: { compiled: CompiledRule; actions: RenderedAction[]; cycle: string[] | undefined }[];
}

/**
 * The automation rule engine: for each event on the bus, rules are evaluated in order — event type
 * pattern, tenant, then the `when` condition in core's rule language over `{ event, payload }` —
 * and a matching rule's actions run through the host's handlers (tag, set priority, route, reply
 * with a template, open or update a case, escalate, call a host action). A rule with `stop` ends
 * evaluation for that event. Loop protection: events caused by a rule's actions (linked by
 * `causationId`/`correlationId`, or published from the action's own async context) join the causal chain of the
 * event that fired it; within one chain a rule fires at most `maxFiresPerChain` times, and a rule
 * reached again through its own consequences is reported as a cycle. Every fired or blocked rule
 * is audited.
 *
 * @example
 * ```ts
 * const engine = createAutomationEngine({
 *   clock, ids, bus, audit,
 *   rules: [{
 *     id: 'vip-priority', on: 'case.opened', when: '"vip" IN payload.tags',
 *     actions: [{ type: 'set_priority', priority: 9 }, { type: 'reply', template: 'Hi {{payload.customerName}}, we are on it.' }],
 *     stop: true,
 *   }],
 *   handlers: {
 *     set_priority: (a, ctx) => cases.update(ctx.event.aggregateId, { priority: a.priority }),
 *     reply: (a, ctx) => sender.send({ to: ctx.event.aggregateId, text: a.text }),
 *   },
 * });
 * const stop = engine.connect();
 * ```
 */
export function createAutomationEngine(options: AutomationEngineOptions): AutomationEngine {
  const { clock, ids, bus: given, audit, handlers = {}, hostActions = {}, ...raw } = options;
  const config = parseInput(AutomationEngineConfigSchema, raw, 'automation engine options', 'CONFIG');
  // Core's bus check (publish and subscribe: the engine listens on it and publishes its own events).
  const bus = resolveBusOption<EventBus>('automation engine', given);
  const compiled = compileRules(config.rules, handlers, hostActions);
  const tracker = new ChainTracker(config.chainMemory);
  const seenCycles = new Map<string, string[]>();
  const ruleVersions = new Map<string, number>();
  let engineVersion = 0;
  // The rule firing whose action is running, in the action's own async context only: an event
  // published by the action (at once or after its awaits) sees it; an unrelated event published
  // elsewhere while the action waits on I/O does not.
  const firing = new AsyncLocalStorage<Lineage>();
  let queue: Promise<unknown> = Promise.resolve();

  function plan(event: EventEnvelope, lineage: Lineage, dryRun: boolean): Plan {
    const context = ruleContext(event);
    const run: AutomationRun = {
      eventId: event.id,
      eventType: event.type,
      tenantId: event.tenantId,
      chainId: lineage.chain.id,
      dryRun,
      fired: [],
      blocked: [],
      skipped: [],
      cycles: [],
    };
    const toFire: Plan['toFire'] = [];
    for (const c of compiled) {
      const id = c.rule.id;
      if (run.stoppedBy !== undefined) run.skipped.push({ ruleId: id, reason: 'after_stop' });
      else if (!c.rule.enabled) run.skipped.push({ ruleId: id, reason: 'disabled' });
      else if (!c.patterns.some((p) => matchesPattern(p, event.type)))
        run.skipped.push({ ruleId: id, reason: 'other_event' });
      else if (c.rule.tenantId !== undefined && c.rule.tenantId !== event.tenantId)
        run.skipped.push({ ruleId: id, reason: 'other_tenant' });
      else if (c.when !== undefined && !c.when.evaluate(context))
        run.skipped.push({ ruleId: id, reason: 'condition_false' });
      else {
        const cycle = cycleOf(lineage.rules, id);
        if (cycle !== undefined && !seenCycles.has(cycleKey(cycle))) run.cycles.push(cycle);
        const fires = lineage.chain.fires.get(id) ?? 0;
        if (fires >= config.maxFiresPerChain) {
          run.blocked.push({ ruleId: id, fires });
          continue;
        }
        const actions = c.rule.actions.map((a) => renderAction(a, event, context));
        toFire.push({ compiled: c, actions, cycle });
        run.fired.push({ ruleId: id, actions });
        if (c.rule.stop) run.stoppedBy = id;
      }
    }
    return { lineage, run, toFire };
  }

  async function publish(event: AutomationEvent): Promise<void> {
    // A failing bus must not stop the rules that follow.
    if (bus !== undefined) await bus.publish(event).catch(() => undefined);
  }

  function event<T extends AutomationEvent['type']>(
    type: T,
    trigger: EventEnvelope,
    aggregate: { type: string; id: string; version: number },
    payload: Extract<AutomationEvent, { type: T }>['payload'],
    id?: string,
  ): AutomationEvent {
    return createEvent(
      { clock, ids },
      {
        type,
        ...(id === undefined ? {} : { id }),
        tenantId: trigger.tenantId,
        aggregateType: aggregate.type,
        aggregateId: aggregate.id,
        version: aggregate.version,
        causationId: trigger.id,
        correlationId: trigger.correlationId ?? trigger.id,
        payload,
      },
    ) as AutomationEvent;
  }

  async function record(entry: Parameters<AuditSink['record']>[0], run: AutomationRun): Promise<void> {
    if (audit === undefined) return;
    try {
      await audit.record(entry);
    } catch (error) {
      // The audit sink failing is reported on the run; the actions already happened.
      const first = run.fired.find((f) => f.ruleId === entry.details?.ruleId);
      if (first !== undefined && first.error === undefined) {
        first.error = {
          actionIndex: -1,
          message: `audit failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    }
  }

  async function execute(trigger: EventEnvelope, p: Plan): Promise<AutomationRun> {
    const { run, lineage } = p;
    for (const cycle of run.cycles) {
      seenCycles.set(cycleKey(cycle), cycle);
      engineVersion += 1;
      await publish(
        event(
          'automation.cycle_detected',
          trigger,
          { type: 'automation', id: config.id, version: engineVersion },
          {
            rules: cycle,
            eventId: trigger.id,
            chainId: lineage.chain.id,
          },
        ),
      );
    }
    for (const b of run.blocked) {
      engineVersion += 1;
      await publish(
        event(
          'automation.loop_blocked',
          trigger,
          { type: 'automation', id: config.id, version: engineVersion },
          {
            ruleId: b.ruleId,
            eventId: trigger.id,
            chainId: lineage.chain.id,
            fires: b.fires,
          },
        ),
      );
      await record(
        auditEntry(trigger, b.ruleId, 'denied', 'loop_bound', { chainId: lineage.chain.id, fires: b.fires }),
        run,
      );
    }
    for (const [i, item] of p.toFire.entries()) {
      const ruleId = item.compiled.rule.id;
      const fired = run.fired[i];
      const version = (ruleVersions.get(ruleId) ?? 0) + 1;
      ruleVersions.set(ruleId, version);
      lineage.chain.fires.set(ruleId, (lineage.chain.fires.get(ruleId) ?? 0) + 1);
      // The firing's id doubles as the causation id handed to the actions, so what they cause
      // carries this rule in its lineage.
      const firingId = ids.next('evt');
      const caused: Lineage = { chain: lineage.chain, rules: [...lineage.rules, ruleId] };
      tracker.remember(firingId, caused);
      const ctx = {
        ruleId,
        event: trigger,
        tenantId: trigger.tenantId,
        causationId: firingId,
        correlationId: trigger.correlationId ?? lineage.chain.id,
      };
      for (const [j, action] of item.actions.entries()) {
        try {
          await firing.run(caused, () => perform(action, ctx));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (fired !== undefined) fired.error = { actionIndex: j, message };
          engineVersion += 1;
          await publish(
            event(
              'automation.action_failed',
              trigger,
              { type: 'automation', id: config.id, version: engineVersion },
              {
                ruleId,
                eventId: trigger.id,
                actionIndex: j,
                actionType: action.type,
                message,
              },
            ),
          );
          // The rule's remaining actions are not run: they may depend on this one.
          break;
        }
      }
      await record(
        auditEntry(trigger, ruleId, 'allowed', undefined, {
          chainId: lineage.chain.id,
          actions: item.actions,
          ...(fired?.error === undefined ? {} : { error: fired.error }),
        }),
        run,
      );
      await publish(
        event(
          'automation.rule_fired',
          trigger,
          { type: 'automation_rule', id: ruleId, version },
          {
            ruleId,
            eventId: trigger.id,
            eventType: trigger.type,
            chainId: lineage.chain.id,
            actions: item.actions,
          },
          firingId,
        ),
      );
    }
    return run;
  }

  async function perform(action: RenderedAction, ctx: Parameters<ActionHandler>[1]): Promise<void> {
    if (action.type === 'call') {
      const handler = hostActions[action.action];
      if (handler === undefined) throw new ThreadlineError('NOT_FOUND', `No host action ${action.action}`);
      await handler(action, ctx);
      return;
    }
    const handler = handlers[action.type] as ActionHandler | undefined;
    if (handler === undefined) throw new ThreadlineError('NOT_FOUND', `No handler for ${action.type}`);
    await handler(action, ctx);
  }

  function auditEntry(
    trigger: EventEnvelope,
    ruleId: string,
    outcome: 'allowed' | 'denied',
    reason: string | undefined,
    details: Record<string, unknown>,
  ): Parameters<AuditSink['record']>[0] {
    return {
      id: ids.next('aud'),
      tenantId: trigger.tenantId,
      at: clock.now(),
      actor: { id: `${config.id}:${ruleId}`, roles: ['system', 'automation'] },
      action: 'automation.rule_fired',
      resource: { type: trigger.aggregateType, id: trigger.aggregateId },
      outcome,
      ...(reason === undefined ? {} : { reason }),
      details: { ruleId, eventId: trigger.id, eventType: trigger.type, ...details },
    };
  }

  function handle(input: EventEnvelope): Promise<AutomationRun> {
    let e: EventEnvelope;
    try {
      e = parseEvent(input);
    } catch (error) {
      return Promise.reject(error);
    }
    // Attribution happens on arrival: an event published from an action's async context belongs to it.
    const lineage = tracker.lineageOf(e, firing.getStore());
    const next = queue.then(async () => {
      tracker.remember(e.id, lineage);
      return execute(e, plan(e, lineage, false));
    });
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    handle,
    dryRun(input) {
      const e = parseEvent(input);
      const lineage = tracker.lineageOf(e, undefined);
      return plan(e, lineage, true).run;
    },
    connect() {
      if (bus === undefined)
        throw new ThreadlineError('CONFIG', 'connect() needs a bus in the engine options');
      return bus.subscribe('*', (e: EventEnvelope) => {
        if (e.type.startsWith('automation.') || e.type.startsWith('bus.')) return;
        // Not awaited: an action that publishes through the same bus would otherwise wait on itself.
        void handle(e).catch(() => undefined);
      });
    },
    async idle() {
      let current: Promise<unknown>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
    cycles() {
      return [...seenCycles.values()].map((c) => [...c]);
    },
    rules() {
      return compiled.map((c) => c.rule);
    },
  };
}

function compileRules(
  rules: readonly ParsedAutomationRule[],
  handlers: ActionHandlers,
  hostActions: Record<string, unknown>,
): CompiledRule[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const out: CompiledRule[] = [];
  for (const [i, rule] of rules.entries()) {
    if (seen.has(rule.id))
      issues.push({ path: ['rules', i, 'id'], message: `duplicate rule id ${rule.id}`, code: 'duplicate' });
    seen.add(rule.id);
    let when: CompiledExpression | undefined;
    if (rule.when !== undefined) {
      try {
        when = compileExpression(rule.when);
      } catch (error) {
        if (!isThreadlineError(error)) throw error;
        issues.push({ path: ['rules', i, 'when'], message: error.message, code: 'expression' });
      }
    }
    for (const [j, action] of rule.actions.entries()) {
      if (action.type === 'call') {
        if (!Object.hasOwn(hostActions, action.action)) {
          issues.push({
            path: ['rules', i, 'actions', j, 'action'],
            message: `no host action named ${action.action}`,
            code: 'missing_handler',
          });
        }
      } else if (handlers[action.type] === undefined) {
        issues.push({
          path: ['rules', i, 'actions', j, 'type'],
          message: `no handler for ${action.type}`,
          code: 'missing_handler',
        });
      }
    }
    out.push({ rule, patterns: typeof rule.on === 'string' ? [rule.on] : rule.on, when });
  }
  if (issues.length > 0) throw validationError('automation rules', issues, 'CONFIG');
  return out;
}
