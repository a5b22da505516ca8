import { ThreadlineError } from '@threadline/core';

/** The statuses a case moves through. */
export const CASE_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;

/** A case status. */
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * The explicit case transition table: `from → allowed targets`. `solved → open` is a reopen;
 * `closed` is final (a follow-up case links to a closed one instead).
 *
 * @example
 * ```ts
 * CASE_TRANSITIONS.pending; // ['open', 'on_hold', 'solved']
 * ```
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = Object.freeze({
  new: ['open', 'pending', 'on_hold', 'solved'],
  open: ['pending', 'on_hold', 'solved'],
  pending: ['open', 'on_hold', 'solved'],
  on_hold: ['open', 'pending', 'solved'],
  solved: ['open', 'closed'],
  closed: [],
});

/**
 * Whether the transition table allows `from → to`.
 *
 * @example
 * ```ts
 * canTransition('solved', 'open'); // true (reopen)
 * canTransition('closed', 'open'); // false
 * ```
 */
export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return CASE_TRANSITIONS[from].includes(to);
}

/**
 * Throws `ILLEGAL_TRANSITION` unless the table allows `from → to`.
 *
 * @example
 * ```ts
 * assertTransition('open', 'pending', 'case-1');
 * ```
 */
export function assertTransition(from: CaseStatus, to: CaseStatus, caseId: string): void {
  if (!canTransition(from, to)) {
    throw new ThreadlineError('ILLEGAL_TRANSITION', `Case ${caseId} cannot move from ${from} to ${to}`, {
      details: { caseId, from, to, allowed: CASE_TRANSITIONS[from] },
    });
  }
}
