import { issuesFromZod, parseInput, validationError } from '@threadline/core';
import { z } from 'zod';

/** A reviewer who can take QA reviews. */
export const ReviewerSchema = z
  .object({
    id: z.string().min(1),
    /** Reviews already assigned before this batch. Default 0. */
    load: z.number().int().nonnegative().default(0),
    /** Maximum reviews in total (current load included). Default: unlimited. */
    capacity: z.number().int().nonnegative().optional(),
    /** Other agent ids this person works under; their cases are never assigned to them either. */
    agentIds: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** A case to assign for review: its id and the agent whose work is reviewed. */
export const ReviewItemSchema = z
  .object({ caseId: z.string().min(1), agentId: z.string().min(1).optional() })
  .loose();

/** Options of {@link assignReviewers}. */
export const AssignmentOptionsSchema = z
  .object({
    /**
     * `round_robin` (default): reviewers in list order, continuing from `cursor`; `least_loaded`: the
     * reviewer with the lowest load, ties to the earlier reviewer in the list.
     */
    strategy: z.enum(['round_robin', 'least_loaded']).default('round_robin'),
    /** Round-robin position to start from (the `cursor` a previous call returned). Default 0. */
    cursor: z.number().int().nonnegative().default(0),
  })
  .strict();

/** A reviewer (input form). */
export type Reviewer = z.input<typeof ReviewerSchema>;
/** A case to assign (input form). */
export type ReviewItem = z.input<typeof ReviewItemSchema>;
/** Options of {@link assignReviewers}. */
export type AssignmentOptions = z.input<typeof AssignmentOptionsSchema>;

/** One case assigned to one reviewer. */
export interface ReviewAssignment {
  readonly caseId: string;
  readonly agentId?: string;
  readonly reviewerId: string;
}

/** The outcome of {@link assignReviewers}. */
export interface AssignmentResult {
  /** Assignments in input order. */
  readonly assignments: readonly ReviewAssignment[];
  /** Cases no reviewer could take (every eligible reviewer is full or is the case's own agent). */
  readonly unassigned: readonly { caseId: string; reason: 'no_eligible_reviewer' }[];
  /** Round-robin position to pass to the next call so the rotation continues. */
  readonly cursor: number;
  /** Each reviewer's load after this batch. */
  readonly loads: Readonly<Record<string, number>>;
}

/**
 * Assigns cases to QA reviewers, never to the case's own agent (a reviewer's `id` or any of their
 * `agentIds`), within each reviewer's `capacity`. Deterministic: the same input gives the same
 * assignment. Round robin rotates through the list from `cursor`; least loaded uses a heap keyed by
 * (load, list position), O(log r) per case. Bad input is a `VALIDATION` error with the field path.
 *
 * @example
 * ```ts
 * const { assignments, cursor } = assignReviewers(
 *   sampled.map((s) => ({ caseId: s.caseId, agentId: s.agentId })),
 *   [{ id: 'qa-1' }, { id: 'qa-2', capacity: 10 }, { id: 'lead-1', agentIds: ['agent-9'] }],
 *   { strategy: 'least_loaded' },
 * );
 * ```
 */
export function assignReviewers(
  items: readonly ReviewItem[],
  reviewers: readonly Reviewer[],
  options: AssignmentOptions = {},
): AssignmentResult {
  const opts = parseInput(AssignmentOptionsSchema, options, 'assignment options');
  const parsedItems = z.array(ReviewItemSchema).safeParse(items);
  if (!parsedItems.success)
    throw validationError('review items', issuesFromZod(parsedItems.error.issues, ['items']));
  const parsedReviewers = z.array(ReviewerSchema).min(1).safeParse(reviewers);
  if (!parsedReviewers.success) {
    throw validationError('reviewers', issuesFromZod(parsedReviewers.error.issues, ['reviewers']));
  }
  const list = parsedReviewers.data;
  const ids = new Set<string>();
  list.forEach((r, i) => {
    if (ids.has(r.id)) {
      throw validationError('reviewers', [
        { path: ['reviewers', i, 'id'], message: `duplicate reviewer "${r.id}"`, code: 'duplicate_id' },
      ]);
    }
    ids.add(r.id);
  });
  const seenCases = new Set<string>();
  parsedItems.data.forEach((item, i) => {
    if (seenCases.has(item.caseId)) {
      throw validationError('review items', [
        { path: ['items', i, 'caseId'], message: `duplicate case "${item.caseId}"`, code: 'duplicate_id' },
      ]);
    }
    seenCases.add(item.caseId);
  });

  const loads = list.map((r) => r.load);
  const own = list.map((r) => new Set([r.id, ...r.agentIds]));
  const hasRoom = (i: number) => {
    const cap = list[i]!.capacity;
    return cap === undefined || loads[i]! < cap;
  };
  const eligible = (i: number, agentId: string | undefined) =>
    hasRoom(i) && (agentId === undefined || !own[i]!.has(agentId));

  const assignments: ReviewAssignment[] = [];
  const unassigned: { caseId: string; reason: 'no_eligible_reviewer' }[] = [];
  const n = list.length;
  let cursor = opts.cursor % n;

  const heap = opts.strategy === 'least_loaded' ? new LoadHeap(loads) : undefined;
  if (heap) for (let i = 0; i < n; i++) if (hasRoom(i)) heap.push(i);

  for (const item of parsedItems.data) {
    let chosen = -1;
    if (heap) {
      // Pop past the case's own agent (at most a few entries), then put them back.
      const held: number[] = [];
      while (heap.size > 0) {
        const top = heap.pop();
        if (eligible(top, item.agentId)) {
          chosen = top;
          break;
        }
        if (hasRoom(top)) held.push(top);
      }
      for (const h of held) heap.push(h);
      if (chosen >= 0) {
        loads[chosen]!++;
        if (hasRoom(chosen)) heap.push(chosen);
      }
    } else {
      for (let k = 0; k < n; k++) {
        const i = (cursor + k) % n;
        if (eligible(i, item.agentId)) {
          chosen = i;
          break;
        }
      }
      if (chosen >= 0) {
        loads[chosen]!++;
        cursor = (chosen + 1) % n;
      }
    }
    if (chosen < 0) unassigned.push({ caseId: item.caseId, reason: 'no_eligible_reviewer' });
    else {
      assignments.push({
        caseId: item.caseId,
        ...(item.agentId === undefined ? {} : { agentId: item.agentId }),
        reviewerId: list[chosen]!.id,
      });
    }
  }
  const loadRecord: Record<string, number> = {};
  list.forEach((r, i) => {
    loadRecord[r.id] = loads[i]!;
  });
  return { assignments, unassigned, cursor, loads: loadRecord };
}

/** A binary min-heap of reviewer positions keyed by (load, position). */
class LoadHeap {
  private readonly items: number[] = [];
  constructor(private readonly loads: readonly number[]) {}

  get size(): number {
    return this.items.length;
  }

  private less(a: number, b: number): boolean {
    const la = this.loads[a]!;
    const lb = this.loads[b]!;
    return la < lb || (la === lb && a < b);
  }

  push(i: number): void {
    const h = this.items;
    h.push(i);
    let k = h.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(h[k]!, h[parent]!)) break;
      [h[k], h[parent]] = [h[parent]!, h[k]!];
      k = parent;
    }
  }

  pop(): number {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === k) break;
        [h[k], h[m]] = [h[m]!, h[k]!];
        k = m;
      }
    }
    return top;
  }
}
