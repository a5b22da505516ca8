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

/** Options of {@link simulateDemoDay}: the day's options; `text` defaults to the demo's corpus. */
export type DemoDayOptions = DayOptions;

/**
 * Runs the demo's day: {@link simulateDay} on the demo's corpus (unless `text` is given).
 *
 * @example
 * ```ts
 * const day = await simulateDemoDay({ agents: 20, interactions: 500 });
 * ```
 */
export function simulateDemoDay(options: DemoDayOptions = {}): Promise<DayResult> {
  const text = options.text ?? loadText(createRandom((options.seed ?? 2026) ^ 0x5eed));
  return simulateDay({ ...options, text });
}
