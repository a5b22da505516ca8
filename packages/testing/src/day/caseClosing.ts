// The helpdesk's auto-close: a solved case closes a fixed time after it was solved unless the
// customer came back meanwhile (which reopens it). A closed case cannot be reopened — a later
// contact about the same issue opens a new case — and, with the case engine's
// `retainClosed: false`, it leaves memory: its report figures are folded in as it closes.
import { type Case, type CaseEngine, isCaseEngineEvent, type SlaMetricInstance } from '@threadline/cases';
import { type Clock, type EventBus, type Schedulable, ThreadlineError } from '@threadline/core';
import { type ClosedCaseQa, type ClosedCasesFold, foldClosedCase } from '../report/caseFold.js';

/** What the auto-close reads of the day (internal). */
export interface CaseClosingDeps {
  clock: Clock;
  bus: EventBus;
  cases: CaseEngine;
  /** How long after it was solved a case closes. */
  afterMs: number;
  /**
   * Where closed cases are folded (the engine forgets them), or `undefined` when the engine keeps
   * closed cases and the report reads them there.
   */
  fold: ClosedCasesFold | undefined;
  /** The QA summary's inputs of a case a person worked, `undefined` otherwise. */
  qaOf: (caseId: string) => ClosedCaseQa | undefined;
  /** Called once a case is closed (and folded): the host drops what it kept for it. */
  onClosed: (caseId: string, customerId: string, type: string | null) => void;
}

/** The auto-close of a simulated day (internal): its place on the day's scheduler. */
export interface CaseClosing {
  schedulable: Schedulable;
}

/** A FIFO of solved cases: solve instants only grow, so the queue is in due order. */
export function createCaseClosing(d: CaseClosingDeps): CaseClosing {
  const due: number[] = [];
  const caseIds: string[] = [];
  const solvedAt: number[] = [];
  let head = 0;
  // The closing case as its close was published: folded once the engine has let it go.
  let closing: { c: Case; sla: SlaMetricInstance[] } | undefined;
  const take = () => {
    const read = closing;
    closing = undefined;
    return read;
  };
  d.bus.subscribe('case.status_changed', (e) => {
    if (!isCaseEngineEvent(e, 'case.status_changed')) return;
    if (e.payload.to === 'solved') {
      due.push(e.occurredAt + d.afterMs);
      caseIds.push(e.aggregateId);
      solvedAt.push(e.occurredAt);
      return;
    }
    if (e.payload.to !== 'closed' || d.fold === undefined) return;
    // The in-process bus delivers during the closing command, before the engine lets the case go:
    // its final SLA state is still readable here.
    const c = d.cases.getCase(e.aggregateId);
    if (c !== undefined) closing = { c, sla: d.cases.getSla(c.id) };
  });
  const compact = () => {
    // Drop the consumed prefix now and then, so the queue holds the waiting cases only.
    if (head < 4096 || head * 2 < due.length) return;
    due.splice(0, head);
    caseIds.splice(0, head);
    solvedAt.splice(0, head);
    head = 0;
  };
  const schedulable: Schedulable = {
    nextDeadline: () => (head < due.length ? (due[head] as number) : null),
    advanceTo: (now: number) => {
      while (head < due.length && (due[head] as number) <= now) {
        const id = caseIds[head] as string;
        const at = solvedAt[head] as number;
        head++;
        const c = d.cases.getCase(id);
        // Reopened since (and perhaps solved again: that later solve has its own entry).
        if (c?.status !== 'solved' || c.solvedAt !== at) continue;
        take();
        d.cases.transition(id, 'closed', { actor: 'auto-close', reason: 'solved and quiet' });
        const read = take();
        // A case the engine still holds (an SLA deadline left) is read there by the report.
        if (d.fold !== undefined && d.cases.getCase(id) === undefined) {
          if (read?.c.id !== id)
            throw new ThreadlineError(
              'ADAPTER',
              `Case ${id} left the engine unread: the bus must deliver case events while the command runs`,
            );
          foldClosedCase(d.fold, read.c, read.sla, d.qaOf(id));
        }
        d.onClosed(id, c.customerId, c.type);
      }
      compact();
    },
  };
  return { schedulable };
}
