// The SLA history keeps facts without the case versions they saw: a version is rebuilt, when
// `recompute` needs it, from the opening snapshot plus the audit patches (as `load` rebuilds a
// stored case). Keeping every version in memory cost about a quarter of a simulated day's heap.
import { ThreadlineError } from '@threadline/core';
import { applyPatches, freeze, type Patch } from 'immer';
import type { Case } from '../case.js';
import { forwardPatches, type KeptAudit } from '../engine/audit.js';
import type { SlaFact } from './tracker.js';

/**
 * One SLA fact after a case's opening, as the history keeps it: the case is referenced by the
 * version the change produced (or, for an acknowledgement, the version current at the time).
 */
export interface HistoryFact {
  at: number;
  version: number;
  /** The message recorded by this change, if any. */
  message?: SlaFact['message'];
  /** An escalation acknowledgement. */
  ack?: SlaFact['ack'];
}

/** The history form of a fact the tracker has just applied. */
export function toHistoryFact(fact: SlaFact): HistoryFact {
  const out: HistoryFact = { at: fact.at, version: fact.case.version };
  if (fact.message !== undefined) out.message = fact.message;
  if (fact.ack !== undefined) out.ack = fact.ack;
  return out;
}

/** What a version rebuild reads: the opening snapshot and the audit entries after it, in order. */
export interface VersionSource {
  opened: Case;
  audit: readonly KeptAudit[] | undefined;
}

/**
 * Every version of a case by number: the opening snapshot, then each audit entry's patches applied
 * to the version before it (frozen, as the live versions are).
 */
export function caseVersions(source: VersionSource): Map<number, Case> {
  let current = source.opened;
  const versions = new Map<number, Case>([[current.version, current]]);
  for (const a of source.audit ?? []) {
    current = freeze(applyPatches(current, forwardPatches(a) as Patch[]) as Case, true);
    versions.set(a.version, current);
  }
  return versions;
}

/**
 * The full SLA history of a case as the tracker replays it: the opening fact, then every later
 * fact with the case version it saw. A fact naming a version the audit trail does not hold is
 * `VALIDATION` (path `later.<index>.version`): the history and the trail disagree.
 */
export function replayFacts(source: VersionSource, later: readonly HistoryFact[] | undefined): SlaFact[] {
  const first: SlaFact = { at: source.opened.createdAt, case: source.opened };
  if (later === undefined || later.length === 0) return [first];
  const versions = caseVersions(source);
  const out: SlaFact[] = [first];
  later.forEach((f, i) => {
    const c = versions.get(f.version);
    if (c === undefined) {
      throw new ThreadlineError(
        'VALIDATION',
        `Case ${source.opened.id} has an SLA fact for version ${f.version}, which its audit trail lacks`,
        {
          issues: [{ path: ['later', i, 'version'], message: 'unknown case version', code: 'invalid_value' }],
        },
      );
    }
    const fact: SlaFact = { at: f.at, case: c };
    if (f.message !== undefined) fact.message = f.message;
    if (f.ack !== undefined) fact.ack = f.ack;
    out.push(fact);
  });
  return out;
}
