import { parseInput, TenantIdSchema } from '@threadline/core';
import { z } from 'zod';
import type { Case, CaseAuditEntry } from '../case.js';
import type { SlaMetricInstance } from '../sla/metric.js';
import { auditEntry } from './audit.js';
import { openingEntry } from './history.js';
import { DEFAULT_TENANT, type EngineState, entryOf, lookup } from './state.js';

/** Selects the tenant of the case a query reads (default `'default'`). */
export interface TenantScope {
  /** The case's tenant; a case of another tenant is `NOT_FOUND`. Default `'default'`. */
  tenantId?: string;
}

/** Counts for monitoring. */
export interface CaseEngineStats {
  cases: number;
  /** Metric instances not yet achieved or canceled. */
  liveMetrics: number;
  /** Entries in the deadline index. */
  scheduled: number;
  /** Warnings, breaches and ladder levels `advanceTo` has processed since the engine was created. */
  fired: number;
  /** Closed cases removed from memory since the engine was created (see `evictClosed`, `retainClosed`). */
  evicted: number;
  /** Bus publishes that threw or rejected (see the `onError` option). */
  publishFailures: number;
  /** Subscriber calls that threw or rejected. */
  handlerFailures: number;
}

const TenantScopeSchema = z.object({ tenantId: TenantIdSchema.optional() }).strict().optional();

/** The options of a read: no options (the common call) need no parse. */
function scope(options: unknown): TenantScope | undefined {
  return options === undefined ? undefined : parseInput(TenantScopeSchema, options, 'options');
}

/** `getCase`: the case or `undefined`. */
export function getCase(s: EngineState, id: string, options?: TenantScope): Case | undefined {
  const o = scope(options);
  return lookup(s, o?.tenantId ?? DEFAULT_TENANT, id)?.sla.case;
}

/** `getSla`: every metric instance of the case, oldest first. */
export function getSla(s: EngineState, caseId: string, options?: TenantScope): SlaMetricInstance[] {
  const o = scope(options);
  return entryOf(s, caseId, o?.tenantId).sla.records.map((r) => r.toInstance());
}

/** `getAudit`: the audit trail, the implied opening entry first. */
export function getAudit(s: EngineState, caseId: string, options?: TenantScope): readonly CaseAuditEntry[] {
  const o = scope(options);
  const entry = entryOf(s, caseId, o?.tenantId);
  const opening = openingEntry(entry);
  return entry.audit === undefined ? [opening] : [opening, ...entry.audit.map(auditEntry)];
}

/** `stats`: counts for monitoring. */
export function stats(s: EngineState): CaseEngineStats {
  let live = 0;
  for (const byId of s.cases.values())
    for (const e of byId.values()) for (const r of e.sla.live) if (r !== undefined) live++;
  return {
    cases: s.caseCount,
    liveMetrics: live,
    scheduled: s.index.size,
    fired: s.fired,
    evicted: s.evicted,
    publishFailures: s.publishFailures,
    handlerFailures: s.handlerFailures,
  };
}
