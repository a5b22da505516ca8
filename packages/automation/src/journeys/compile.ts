import {
  type BusinessCalendar,
  type Channel,
  type CompiledExpression,
  compileExpression,
  type ValidationIssue,
  validationError,
} from '@threadline/core';
import { matchesPattern } from '../rules/rule.js';
import type { ParsedJourneyDefinition, ParsedJourneyStep } from './definition.js';
import { QuietHours } from './quietHours.js';
import { type CompiledSplit, compileSplit } from './split.js';

/** Step kinds as small integers (kept in a typed array per journey instance). */
export const STEP_WAIT = 0;
export const STEP_WAIT_FOR = 1;
export const STEP_SEND = 2;
export const STEP_BRANCH = 3;
export const STEP_EXIT = 4;

/** A step with its targets resolved to step indexes (`-1`: the journey ends). */
export interface CompiledStep {
  id: string;
  kind: number;
  next: number;
  /** wait: milliseconds, or business amount on `calendar`. */
  waitMs: number;
  calendar: BusinessCalendar | undefined;
  /** wait on a calendar given as whole days only: moved as business days. */
  waitDays: number | undefined;
  /** wait_for */
  patterns: string[];
  when: CompiledExpression | undefined;
  customerPath: string[];
  /** `customerPath` joined with dots. */
  customerKey: string;
  onEvent: number;
  onTimeout: number;
  /** send */
  channels: Channel[];
  text: string;
  subject: string | undefined;
  purpose: string;
  /** send: quiet hours (a send reached inside them waits for the next opening). */
  quiet: QuietHours | undefined;
  onFailure: number;
  /** branch */
  cases: { when: CompiledExpression; next: number }[];
}

/** One journey version, ready to run. */
export interface CompiledJourney {
  def: ParsedJourneyDefinition;
  /** Position in the engine's journey list (what instances store). */
  index: number;
  key: string;
  triggerPatterns: string[];
  triggerWhen: CompiledExpression | undefined;
  triggerCustomer: string[];
  capture: [string, string[]][];
  goalPatterns: string[];
  goalWhen: CompiledExpression | undefined;
  goalCustomer: string[];
  goalCustomerKey: string;
  steps: CompiledStep[];
  start: number;
  split: CompiledSplit | undefined;
  /** Start step per variant. */
  variantStart: number[];
  reentryAfterMs: number | undefined;
}

/** Reads a dotted path of own properties; `undefined` when missing. */
export function readPath(root: unknown, path: readonly string[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** True when the type matches one of the patterns (`type`, `prefix.*`, `*`). */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) if (matchesPattern(p, type)) return true;
  return false;
}

const list = (p: string | string[]): string[] => (Array.isArray(p) ? p : [p]);

/**
 * Compiles validated journeys: step targets become indexes, conditions compile once, calendars
 * resolve by name. Every problem (unknown step, duplicate id, bad condition, unknown calendar,
 * two definitions with one id and version) is collected and thrown as one `CONFIG` error.
 */
export function compileJourneys(
  defs: readonly ParsedJourneyDefinition[],
  calendars: Readonly<Record<string, BusinessCalendar>>,
): CompiledJourney[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const issue = (path: (string | number)[], message: string) =>
    issues.push({ path: ['journeys', ...path], message, code: 'invalid_config' });
  const expr = (source: string | undefined, path: (string | number)[]): CompiledExpression | undefined => {
    if (source === undefined) return undefined;
    try {
      return compileExpression(source);
    } catch (error) {
      issue(path, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };

  const out = defs.map((def, j): CompiledJourney => {
    const key = `${def.id}@${def.version}`;
    if (seen.has(key)) issue([j, 'version'], `journey ${def.id} version ${def.version} is defined twice`);
    seen.add(key);
    const byId = new Map<string, number>();
    def.steps.forEach((s, i) => {
      if (byId.has(s.id)) issue([j, 'steps', i, 'id'], `duplicate step id ${s.id}`);
      byId.set(s.id, i);
    });
    const target = (id: string | undefined, fallback: number, path: (string | number)[]): number => {
      if (id === undefined) return fallback;
      const i = byId.get(id);
      if (i === undefined) {
        issue(path, `unknown step ${id}`);
        return -1;
      }
      return i;
    };
    const steps = def.steps.map((s: ParsedJourneyStep, i): CompiledStep => {
      const following = i + 1 < def.steps.length ? i + 1 : -1;
      const p = [j, 'steps', i];
      const step: CompiledStep = {
        id: s.id,
        kind: STEP_EXIT,
        next: following,
        waitMs: 0,
        calendar: undefined,
        waitDays: undefined,
        patterns: [],
        when: undefined,
        customerPath: [],
        customerKey: '',
        onEvent: following,
        onTimeout: following,
        channels: [],
        text: '',
        subject: undefined,
        purpose: 'marketing',
        quiet: undefined,
        onFailure: following,
        cases: [],
      };
      switch (s.type) {
        case 'wait': {
          step.kind = STEP_WAIT;
          step.next = target(s.next, following, [...p, 'next']);
          const d = s.duration;
          step.waitMs =
            typeof d === 'number'
              ? d
              : (d.days ?? 0) * 86_400_000 +
                (d.hours ?? 0) * 3_600_000 +
                (d.minutes ?? 0) * 60_000 +
                (d.seconds ?? 0) * 1000;
          if (s.calendar !== undefined) {
            step.calendar = calendars[s.calendar];
            if (step.calendar === undefined) issue([...p, 'calendar'], `unknown calendar ${s.calendar}`);
            if (
              typeof d === 'object' &&
              d.days !== undefined &&
              d.hours === undefined &&
              d.minutes === undefined &&
              d.seconds === undefined
            )
              step.waitDays = d.days;
          }
          break;
        }
        case 'wait_for':
          step.kind = STEP_WAIT_FOR;
          step.patterns = list(s.event);
          step.when = expr(s.when, [...p, 'when']);
          step.customerPath = s.customer.split('.');
          step.customerKey = s.customer;
          step.waitMs = s.timeout;
          step.onEvent = target(s.onEvent, following, [...p, 'onEvent']);
          step.onTimeout = target(s.onTimeout, following, [...p, 'onTimeout']);
          break;
        case 'send':
          step.kind = STEP_SEND;
          step.channels = s.channels;
          step.text = s.content.text;
          step.subject = s.content.subject;
          step.purpose = s.purpose;
          if (s.quietHours !== false) {
            const q = s.quietHours ?? def.quietHours;
            if (q !== undefined) {
              const cal = calendars[q.calendar];
              if (cal === undefined)
                issue(
                  s.quietHours === undefined
                    ? [j, 'quietHours', 'calendar']
                    : [...p, 'quietHours', 'calendar'],
                  `unknown calendar ${q.calendar}`,
                );
              else step.quiet = new QuietHours(cal, q.zoneFrom?.split('.'));
            }
          }
          step.next = target(s.next, following, [...p, 'next']);
          step.onFailure = target(s.onFailure, step.next, [...p, 'onFailure']);
          break;
        case 'branch':
          step.kind = STEP_BRANCH;
          step.cases = s.cases.map((c, k) => ({
            when: expr(c.when, [...p, 'cases', k, 'when']) ?? compileExpression('false'),
            next: target(c.next, following, [...p, 'cases', k, 'next']),
          }));
          step.next = target(s.otherwise, following, [...p, 'otherwise']);
          break;
        case 'exit':
          step.kind = STEP_EXIT;
          step.next = -1;
          break;
      }
      return step;
    });
    const loop = instantCycle(steps);
    if (loop !== undefined)
      issue(
        [j, 'steps'],
        `steps ${loop.join(' → ')} form a loop that never waits (a branch or zero wait in a cycle)`,
      );
    const start = target(def.start, 0, [j, 'start']);
    const split = def.split === undefined ? undefined : compileSplit(def.split);
    const variantStart = (def.split?.variants ?? []).map((v, k) =>
      target(v.start, start, [j, 'split', 'variants', k, 'start']),
    );
    return {
      def,
      index: j,
      key,
      triggerPatterns: list(def.trigger.on),
      triggerWhen: expr(def.trigger.when, [j, 'trigger', 'when']),
      triggerCustomer: def.trigger.customer.split('.'),
      capture: Object.entries(def.trigger.capture).map(([k, v]) => [k, v.split('.')]),
      goalPatterns: def.goal === undefined ? [] : list(def.goal.on),
      goalWhen: expr(def.goal?.when, [j, 'goal', 'when']),
      goalCustomer: (def.goal?.customer ?? 'payload.customerId').split('.'),
      goalCustomerKey: def.goal?.customer ?? 'payload.customerId',
      steps,
      start,
      split,
      variantStart,
      reentryAfterMs: typeof def.reentry === 'object' ? def.reentry.after : undefined,
    };
  });
  if (out.length > 65_000) issue([], 'at most 65,000 journey versions');
  if (issues.length > 0) throw validationError('journey engine options', issues, 'CONFIG');
  return out;
}

/**
 * A cycle of steps that can run without time passing (branches, zero-length waits and
 * `wait_for` timeouts), as step ids, or `undefined`. Such a loop would never yield.
 */
function instantCycle(steps: readonly CompiledStep[]): string[] | undefined {
  const edges = (s: CompiledStep): number[] => {
    if (s.kind === STEP_BRANCH) return [...s.cases.map((c) => c.next), s.next];
    if (s.kind === STEP_WAIT && s.waitMs === 0 && s.calendar === undefined) return [s.next];
    if (s.kind === STEP_WAIT_FOR && s.waitMs === 0) return [s.onTimeout];
    return [];
  };
  const state = new Uint8Array(steps.length); // 0 new, 1 on the path, 2 done
  const path: number[] = [];
  const visit = (i: number): number[] | undefined => {
    state[i] = 1;
    path.push(i);
    for (const next of edges(steps[i] as CompiledStep)) {
      if (next < 0) continue;
      if (state[next] === 1) return [...path.slice(path.indexOf(next)), next];
      if (state[next] === 0) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state[i] = 2;
    return undefined;
  };
  for (let i = 0; i < steps.length; i++) {
    if (state[i] !== 0) continue;
    const found = visit(i);
    if (found) return found.map((k) => (steps[k] as CompiledStep).id);
  }
  return undefined;
}
