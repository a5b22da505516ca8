/**
 * Size limits on names the engine stores and indexes; longer input is refused with a
 * `VALIDATION` error naming the field (`CONFIG` inside a workflow), on every input path.
 *
 * - `idLength`: worker, task and reservation ids, `preferredWorkerId` (256 characters).
 * - `keyLength`: attribute names (top level), skill names, channel names, queue ids, filter
 *   names, calendar names (128 characters).
 * - `reasonLength`: presence, rejection and cancellation reasons (500 characters).
 *
 * @example
 * ```ts
 * import { ROUTING_LIMITS } from '@threadline/routing';
 *
 * const ok = 'ticket-42'.length <= ROUTING_LIMITS.idLength; // true
 * ```
 */
export const ROUTING_LIMITS = Object.freeze({ idLength: 256, keyLength: 128, reasonLength: 500 } as const);
