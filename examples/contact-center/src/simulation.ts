// The demo's day: @threadline/testing's simulateDay with the demo's customer text (the example's
// own corpus, see `corpus/`).
import { createRandom } from '@threadline/core';
import { type DayOptions, type DayResult, simulateDay } from '@threadline/testing';
import { loadText } from './text.js';

/**
 * How long the demo's memory store keeps a closed conversation and its messages (one hour): the
 * store then holds the open conversations and the last hour's, not the whole day's. The report
 * reads no closed conversation, so it does not depend on it.
 */
export const DEMO_CONVERSATION_RETENTION_MS = 3_600_000;

/**
 * The demo helpdesk's auto-close (four hours): a solved case closes four hours after it was
 * solved unless its customer came back meanwhile, the same window within which the report's
 * first-contact resolution counts a return as the same issue. A return after it opens a new
 * case. Real helpdesks close after days (Zendesk's default is four days); the demo's day is one
 * day long, so its window is hours. Closed cases leave the case engine's memory, folded into the
 * report's figures as they close.
 */
export const DEMO_CASE_AUTO_CLOSE_MS = 4 * 3_600_000;

/**
 * Options of {@link simulateDemoDay}: the day's options; `text` defaults to the demo's corpus and
 * `closeSolvedAfterMs` to {@link DEMO_CASE_AUTO_CLOSE_MS} (`false`: solved cases stay solved).
 */
export type DemoDayOptions = Omit<DayOptions, 'closeSolvedAfterMs'> & { closeSolvedAfterMs?: number | false };

/**
 * Runs the demo's day: {@link simulateDay} on the demo's corpus (unless `text` is given), with
 * the demo helpdesk's auto-close ({@link DEMO_CASE_AUTO_CLOSE_MS}, unless `closeSolvedAfterMs` is given).
 *
 * @example
 * ```ts
 * const day = await simulateDemoDay({ agents: 20, interactions: 500 });
 * ```
 */
export function simulateDemoDay(options: DemoDayOptions = {}): Promise<DayResult> {
  const text = options.text ?? loadText(createRandom((options.seed ?? 2026) ^ 0x5eed));
  const { closeSolvedAfterMs = DEMO_CASE_AUTO_CLOSE_MS, ...rest } = options;
  return simulateDay({ ...rest, ...(closeSolvedAfterMs === false ? {} : { closeSolvedAfterMs }), text });
}
