// What a host passes to createTestbed, validated once at the boundary.
import type { MemoryStorage } from '@threadline/adapter-memory';
import type { EscalationLadderInput, RoutingRuleInput, SlaPolicyInput } from '@threadline/cases';
import { type BusinessCalendar, parseInput } from '@threadline/core';
import type { HandoffRules, WorkerInput, WorkflowConfig } from '@threadline/routing';
import { z } from 'zod';

/** A worker of the testbed's roster: a routing `WorkerInput` whose `status` defaults to `available`. */
export type TestbedWorker = Omit<WorkerInput, 'status'> & { status?: WorkerInput['status'] };

/** Options of {@link createTestbed}. Every engine option left out takes a small, sensible default. */
export interface TestbedOptions {
  /** Seed of `testbed.random` (default 1). Ids are sequential, so runs repeat exactly. */
  seed?: number;
  /** Where the manual clock starts (default 2026-06-16T13:00:00Z, a Tuesday at 09:00 in New York). */
  start?: Date | number;
  /** The routing workflow (default: one queue, `support`, that every worker serves). */
  workflow?: WorkflowConfig;
  /** The workers at the start, people and bots, `available` unless they say otherwise (default: none). */
  roster?: readonly TestbedWorker[];
  /** SLA policies of the case engine (default: none). */
  policies?: SlaPolicyInput[];
  /** Escalation ladders (default: none). */
  escalations?: EscalationLadderInput[];
  /** Rule-triggered escalation to teams (default: none). */
  routingRules?: RoutingRuleInput[];
  /** Business calendars by name, referenced by policies (`calendar: 'support'`). */
  calendars?: Record<string, BusinessCalendar>;
  /** How long an offer rings before it times out (default 30 s). */
  reservationTimeoutMs?: number;
  /** When a bot hands off by itself (default: when the customer asks for a person). */
  handoffRules?: HandoffRules;
  /** The storage bundle (default: a fresh `createMemoryStorage()`). */
  storage?: MemoryStorage;
}

const OptionsSchema = z
  .object({
    seed: z.number().int().optional(),
    start: z.union([z.number().int(), z.date()]).optional(),
    workflow: z.record(z.string(), z.unknown()).optional(),
    roster: z.array(z.record(z.string(), z.unknown())).optional(),
    policies: z.array(z.unknown()).optional(),
    escalations: z.array(z.unknown()).optional(),
    routingRules: z.array(z.unknown()).optional(),
    calendars: z
      .record(
        z.string(),
        z.custom<BusinessCalendar>((v) => typeof v === 'object' && v !== null && 'addBusinessTime' in v),
      )
      .optional(),
    reservationTimeoutMs: z.number().int().positive().optional(),
    handoffRules: z.record(z.string(), z.unknown()).optional(),
    storage: z
      .custom<MemoryStorage>((v) => typeof v === 'object' && v !== null && 'documents' in v)
      .optional(),
  })
  .strict();

/** Checks the shape of the options (the engines check their own configuration in depth). */
export function checkTestbedOptions(options: TestbedOptions): void {
  parseInput(OptionsSchema, options, 'testbed options');
}

/** The default workflow: every worker serves one queue, `support`. */
export function defaultWorkflow(): WorkflowConfig {
  return {
    queues: [{ id: 'support' }],
    defaultFilter: { targets: [{ queue: 'support' }] },
  };
}
