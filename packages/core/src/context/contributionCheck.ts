// The hand check of a context provider's contribution (`ContextContributionSchema`) for its
// common shape: case refs, last agents and signals. It returns what zod would output (new objects
// in the schema's key order) or `undefined` — for a `section` (any JSON, copied by zod) or
// anything unusual — and the assembler then lets zod decide and explain with the field's path.
import { SIGNAL_KINDS } from '../schemas/signal.js';
import { inUnit, isId, isInt, isPlain, list, NO, type Obj, onlyKeys, optional, text } from './plainCheck.js';

const SIGNAL_KIND_SET: ReadonlySet<unknown> = new Set(SIGNAL_KINDS);

const CASE_REF_KEYS: ReadonlySet<string> = new Set([
  'id',
  'tenantId',
  'status',
  'subject',
  'priority',
  'openedAt',
  'updatedAt',
]);
function caseRef(v: unknown): Obj | typeof NO {
  if (
    !isPlain(v) ||
    !onlyKeys(v, CASE_REF_KEYS) ||
    !isId(v.id) ||
    !text(v.tenantId, 1, Number.POSITIVE_INFINITY) ||
    !text(v.status, 1, Number.POSITIVE_INFINITY) ||
    !isInt(v.openedAt)
  )
    return NO;
  const out: Obj = { id: v.id, tenantId: v.tenantId, status: v.status };
  if (
    !optional(out, v, ['subject', 'priority'], (k, x) =>
      k === 'subject' ? text(x, 0, 2000) : text(x, 1, Number.POSITIVE_INFINITY),
    )
  )
    return NO;
  out.openedAt = v.openedAt;
  return optional(out, v, ['updatedAt'], (_, x) => isInt(x)) ? out : NO;
}

const LAST_AGENT_KEYS: ReadonlySet<string> = new Set(['agentId', 'conversationId', 'at']);
function lastAgent(v: unknown): Obj | typeof NO {
  if (
    !isPlain(v) ||
    !onlyKeys(v, LAST_AGENT_KEYS) ||
    !isId(v.agentId) ||
    !isId(v.conversationId) ||
    !isInt(v.at)
  )
    return NO;
  return { agentId: v.agentId, conversationId: v.conversationId, at: v.at };
}

const SIGNAL_KEYS: ReadonlySet<string> = new Set([
  'id',
  'kind',
  'value',
  'label',
  'confidence',
  'observedAt',
]);
function signal(v: unknown): Obj | typeof NO {
  if (
    !isPlain(v) ||
    !onlyKeys(v, SIGNAL_KEYS) ||
    !isId(v.id) ||
    !SIGNAL_KIND_SET.has(v.kind) ||
    !isInt(v.observedAt)
  )
    return NO;
  const out: Obj = { id: v.id, kind: v.kind };
  const ok = optional(out, v, ['value', 'label', 'confidence'], (k, x) =>
    k === 'value'
      ? typeof x === 'number' && Number.isFinite(x)
      : k === 'label'
        ? typeof x === 'string'
        : inUnit(x, 0),
  );
  if (!ok) return NO;
  out.observedAt = v.observedAt;
  return out;
}

/** Copies the optional list-valued keys of `v` through `item`; `false` when one fails. */
function lists(out: Obj, v: Obj, keys: readonly string[], item: (x: unknown) => unknown): boolean {
  for (const key of keys) {
    if (!(key in v)) continue;
    const x = v[key] === undefined ? undefined : list(v[key], item);
    if (x === NO) return false;
    out[key] = x;
  }
  return true;
}

const CASES_KEYS: ReadonlySet<string> = new Set(['open', 'recent']);
const SIGNALS_KEYS: ReadonlySet<string> = new Set(['sentimentTrend', 'health', 'latest']);
const CONTRIBUTION_KEYS: ReadonlySet<string> = new Set(['cases', 'lastAgents', 'signals']);

/**
 * A provider's contribution as `ContextContributionSchema` outputs it, when it is plain and has no
 * `section`; `undefined` otherwise (zod then decides).
 */
export function plainContribution(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, CONTRIBUTION_KEYS)) return undefined;
  const out: Obj = {};
  if ('cases' in v) {
    const c = v.cases;
    if (c === undefined) out.cases = undefined;
    else {
      if (!isPlain(c) || !onlyKeys(c, CASES_KEYS)) return undefined;
      const cases: Obj = {};
      if (!lists(cases, c, ['open', 'recent'], caseRef)) return undefined;
      out.cases = cases;
    }
  }
  if (!lists(out, v, ['lastAgents'], lastAgent)) return undefined;
  if ('signals' in v) {
    const s = v.signals;
    if (s === undefined) out.signals = undefined;
    else {
      if (!isPlain(s) || !onlyKeys(s, SIGNALS_KEYS)) return undefined;
      const signals: Obj = {};
      if (!lists(signals, s, ['sentimentTrend'], signal)) return undefined;
      if ('health' in s) {
        const h = s.health === undefined ? undefined : signal(s.health);
        if (h === NO) return undefined;
        signals.health = h;
      }
      if (!lists(signals, s, ['latest'], signal)) return undefined;
      out.signals = signals;
    }
  }
  return out;
}
