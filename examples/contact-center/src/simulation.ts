// The demo's day: @threadline/testing's simulateDay with the demo's customer text (the example's
// own corpus, see `corpus/`).
import { createRandom } from '@threadline/core';
import { type DayOptions, type DayResult, simulateDay } from '@threadline/testing';
import { loadText } from './text.js';

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
