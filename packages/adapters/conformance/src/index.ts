// Public surface of @threadline/adapter-conformance.
import { type BusSuiteOptions, busSuite } from './busSuite.js';
import { type ConcurrencySuiteOptions, concurrencySuite } from './concurrencySuite.js';
import { type DocumentStoreSuiteOptions, documentStoreSuite } from './documentStoreSuite.js';
import { type EventLogSuiteOptions, eventLogSuite } from './eventLogSuite.js';
import { type LeaseSuiteOptions, leaseSuite } from './leaseSuite.js';
import { type OutboxSuiteOptions, outboxSuite } from './outboxSuite.js';
import type { SuiteRunner } from './types.js';

export { type BusSuiteOptions, busSuite } from './busSuite.js';
export {
  type ChannelHarness,
  type ChannelSuiteOptions,
  channelSuite,
  type ScriptedReply,
} from './channels/index.js';
export { type ConcurrencySuiteOptions, concurrencySuite } from './concurrencySuite.js';
export { type DocumentStoreSuiteOptions, documentStoreSuite } from './documentStoreSuite.js';
export {
  type DurableBusFailure,
  type DurableBusSettings,
  type DurableBusSuiteOptions,
  type DurableEventBus,
  durableBusSuite,
} from './durableBusSuite.js';
export { type EventLogSuiteOptions, eventLogSuite, testEvent } from './eventLogSuite.js';
export { type LeasedStorage, type LeaseSuiteOptions, leaseSuite } from './leaseSuite.js';
export { type OutboxSuiteOptions, outboxSuite } from './outboxSuite.js';
export type { MaybePromise, SuiteRunner } from './types.js';

type Without<T> = Omit<T, keyof SuiteRunner>;

/** Options for {@link conformanceSuite}: the runner once, then the parts your adapter implements. */
export interface ConformanceSuiteOptions extends SuiteRunner {
  documentStore?: Without<DocumentStoreSuiteOptions>;
  eventLog?: Without<EventLogSuiteOptions>;
  bus?: Without<BusSuiteOptions>;
  outbox?: Without<OutboxSuiteOptions>;
  concurrency?: Without<ConcurrencySuiteOptions>;
  leases?: Without<LeaseSuiteOptions>;
}

/**
 * Runs every suite an adapter asks for, in one call.
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * conformanceSuite({
 *   describe, it, expect,
 *   documentStore: { createStore: () => createMemoryDocumentStore() },
 *   eventLog: { createLog: () => createMemoryEventLog() },
 *   outbox: { createOutbox: () => createMemoryOutbox() },
 *   concurrency: { createStorage: () => createMemoryStorage() },
 * });
 * ```
 */
export function conformanceSuite(options: ConformanceSuiteOptions): void {
  const runner: SuiteRunner = { describe: options.describe, it: options.it, expect: options.expect };
  if (options.documentStore) documentStoreSuite({ ...runner, ...options.documentStore });
  if (options.eventLog) eventLogSuite({ ...runner, ...options.eventLog });
  if (options.bus) busSuite({ ...runner, ...options.bus });
  if (options.outbox) outboxSuite({ ...runner, ...options.outbox });
  if (options.concurrency) concurrencySuite({ ...runner, ...options.concurrency });
  if (options.leases) leaseSuite({ ...runner, ...options.leases });
}
