import { type Instant, toMillis } from '@threadline/core';
import { publishAndPersist } from './outbox.js';
import { assertWritable, type CaseEntry, type EngineState } from './state.js';

/** `advanceTo`: fires every deadline item due at or before `now`, in deadline order. */
export function advanceTo(s: EngineState, now: Instant): void {
  const until = toMillis(now, 'now');
  assertWritable(s);
  // Time never goes back: an earlier instant than one already seen is a no-op.
  if (until < s.horizon) return;
  s.horizon = until;
  let n = 0;
  const touched = new Set<CaseEntry>();
  for (;;) {
    const rec = s.index.peek();
    if (rec === undefined || rec.nextAt === undefined || rec.nextAt > until) break;
    const entry = s.cases.get(rec.tenantId)?.get(rec.caseId) as CaseEntry;
    s.tracker.fire(entry.sla, rec);
    touched.add(entry);
    n++;
  }
  for (const entry of touched) publishAndPersist(s, entry);
  s.fired += n;
}

/** `nextDeadline`: the earliest instant with work, or `null`. */
export function nextDeadline(s: EngineState): number | null {
  return s.index.peek()?.nextAt ?? null;
}
