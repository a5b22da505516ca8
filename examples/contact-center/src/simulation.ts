// The demo's day: @threadline/testing's simulateDay with the demo's customer text (the shared
// airline tweets when they are on this machine, else text generated from templates).
import { createRandom } from '@threadline/core';
import { type DayOptions, type DayResult, simulateDay } from '@threadline/testing';
import { loadText } from './text.js';

/** Options of {@link simulateDemoDay}: the day's options plus where the customers' words come from. */
export interface DemoDayOptions extends Omit<DayOptions, 'text'> {
  /** Read the shared airline data when present (default true); false forces generated text. */
  useSharedData?: boolean;
  /** Folders to look for airline-sentiment.csv in (default: THREADLINE_DATA_DIR, ../shared/data). */
  dataDirs?: string[];
}

/**
 * Runs the demo's day: {@link simulateDay} on the airline text when available.
 *
 * @example
 * ```ts
 * const day = await simulateDemoDay({ agents: 20, interactions: 500, useSharedData: false });
 * ```
 */
export function simulateDemoDay(options: DemoDayOptions = {}): Promise<DayResult> {
  const { useSharedData, dataDirs, ...day } = options;
  // The same draw as the generated fallback inside simulateDay, so both paths give the same day.
  const text = loadText(createRandom((day.seed ?? 2026) ^ 0x5eed), {
    ...(useSharedData === undefined ? {} : { useSharedData }),
    ...(dataDirs ? { dataDirs } : {}),
  });
  return simulateDay({ ...day, text });
}
