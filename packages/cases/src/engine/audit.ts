// The audit trail as a case keeps it in memory. A change that only sets top-level scalar fields
// (status, priority, assignee, message instants …: nearly every change of a working day) is kept
// as field/old/new triples; the immer-shaped patches `getAudit`, `readAudit`, the audit stream and
// version rebuilds read are built from them when asked. Two patch arrays of `{ op, path, value }`
// objects per change cost about ten times the triples, for every change a case ever had.
import type { Patch } from 'immer';
import type { CaseAuditEntry } from '../case.js';

// One frozen path array per top-level field, shared by every patch built from a compact entry.
const PATHS = new Map<string, readonly string[]>();
function pathOf(key: string): string[] {
  let path = PATHS.get(key);
  if (path === undefined) PATHS.set(key, (path = Object.freeze([key])));
  return path as string[];
}

/**
 * A scalar change kept compactly: who, when, why, the previous version's `updatedAt` and the
 * fields whose value changed as a flat list `key, old value, new value, …` in assignment order
 * (`version` is implied: it goes from `version - 1` to `version`).
 */
export class ScalarAudit {
  constructor(
    readonly version: number,
    readonly at: number,
    readonly actor: string,
    readonly action: string,
    readonly reason: string | null,
    readonly prevUpdatedAt: number,
    readonly changes: readonly unknown[],
  ) {}
}

/** An audit entry as kept in memory: with its patches, or compact. */
export type KeptAudit = CaseAuditEntry | ScalarAudit;

/**
 * The forward and inverse patches of a compact entry, exactly as immer's `produceWithPatches`
 * records the same assignments: `updatedAt` (unless unchanged), the changed fields, `version`.
 */
export function scalarPatches(a: ScalarAudit): [Patch[], Patch[]] {
  const patches: Patch[] = [];
  const inverse: Patch[] = [];
  const replace = (key: string, from: unknown, to: unknown) => {
    const path = pathOf(key);
    patches.push({ op: 'replace', path, value: to });
    inverse.push({ op: 'replace', path, value: from });
  };
  if (!Object.is(a.prevUpdatedAt, a.at)) replace('updatedAt', a.prevUpdatedAt, a.at);
  const c = a.changes;
  for (let i = 0; i < c.length; i += 3) replace(c[i] as string, c[i + 1], c[i + 2]);
  replace('version', a.version - 1, a.version);
  return [patches, inverse];
}

/** The entry in the public shape (`getAudit`, `readAudit`, the audit stream, stored documents). */
export function auditEntry(a: KeptAudit): CaseAuditEntry {
  if (!(a instanceof ScalarAudit)) return a;
  const [patches, inversePatches] = scalarPatches(a);
  return {
    version: a.version,
    at: a.at,
    actor: a.actor,
    action: a.action,
    reason: a.reason,
    patches,
    inversePatches,
  };
}

/** The forward patches of a kept entry (what a version rebuild applies). */
export function forwardPatches(a: KeptAudit): readonly Patch[] {
  return a instanceof ScalarAudit ? scalarPatches(a)[0] : a.patches;
}
