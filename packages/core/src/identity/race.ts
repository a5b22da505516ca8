import { isThreadlineError } from '../errors.js';

/**
 * Name of the unique index on `identities.matchKey` (declared when the store has
 * `capabilities.uniqueIndexes`): one owner per usable identity key and tenant, across processes.
 */
export const MATCH_KEY_INDEX = 'matchKey';

/**
 * How many times `resolve` plans and commits before giving up on a race: each lost race means
 * another writer committed, so the next plan starts from newer state; a handful is plenty.
 */
export const MAX_RESOLVE_ATTEMPTS = 8;

/**
 * True when a write failed because another writer got there first: the `matchKey` unique index
 * is taken, a document changed after it was read (version check), or a customer the plan meant
 * to merge was merged meanwhile (`details.mergedInto`; the planner never picks merged customers,
 * so inside `resolve` this can only come from a concurrent merge). Re-reading and planning again
 * is then correct; any other error is the caller's to see.
 */
export function isWriteRace(error: unknown): boolean {
  if (!isThreadlineError(error, 'CONFLICT')) return false;
  const { details } = error;
  return (
    details.index === MATCH_KEY_INDEX ||
    typeof details.expectedVersion === 'number' ||
    typeof details.mergedInto === 'string'
  );
}
