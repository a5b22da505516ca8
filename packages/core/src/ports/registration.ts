import type { EventBus } from '../bus.js';
import { ThreadlineError } from '../errors.js';
import type { DocumentStore } from './documentStore.js';
import type { EventLog } from './eventLog.js';
import type { LeaseStore } from './lease.js';
import type { Outbox } from './outbox.js';
import type { EventPublisher } from './outboxRelay.js';

const REQUIRED = {
  DocumentStore: ['defineCollection', 'get', 'getMany', 'put', 'delete', 'find'],
  EventLog: ['append', 'readStream', 'readAll', 'streamVersion'],
  EventBus: ['publish', 'subscribe'],
  EventPublisher: ['publish'],
  Outbox: ['add', 'pending', 'markPublished', 'markFailed', 'dead', 'retry'],
  LeaseStore: ['acquire', 'renew', 'release', 'inspect'],
} as const;

/**
 * The ports an adapter can implement. `EventPublisher` is the publish-only side of `EventBus`
 * (what the outbox relay needs).
 */
export type PortName = keyof typeof REQUIRED;

interface PortTypes {
  DocumentStore: DocumentStore;
  EventLog: EventLog;
  EventBus: EventBus;
  EventPublisher: EventPublisher;
  Outbox: Outbox;
  LeaseStore: LeaseStore;
}

/**
 * Checks that `adapter` implements `port` and returns it typed. Every missing method (and a
 * missing or malformed `capabilities` for stores and logs) is named in one `ADAPTER` error.
 *
 * @example
 * ```ts
 * import { createMemoryDocumentStore } from '@threadline/adapter-memory';
 * import { validateAdapter } from '@threadline/core';
 *
 * const store = validateAdapter('DocumentStore', createMemoryDocumentStore());
 * ```
 */
export function validateAdapter<P extends PortName>(port: P, adapter: unknown): PortTypes[P] {
  const missing = missingMethods(port, adapter);
  if (missing === undefined) {
    throw new ThreadlineError(
      'ADAPTER',
      `${port} adapter must be an object, got ${adapter === null ? 'null' : typeof adapter}`,
      { details: { port, missing: [] } },
    );
  }
  if (missing.length > 0) {
    const a = adapter as Record<string, unknown>;
    const name = typeof a.name === 'string' ? ` "${a.name}"` : '';
    throw new ThreadlineError('ADAPTER', `${port} adapter${name} is missing: ${missing.join(', ')}`, {
      details: { port, missing },
    });
  }
  return adapter as PortTypes[P];
}

/**
 * What `adapter` lacks to implement `port`: missing methods and malformed capability flags, in
 * declaration order (empty when it is complete), or `undefined` when it is not an object at all.
 * {@link validateAdapter} throws on the same findings; bundles use this to report every part in
 * one error.
 */
export function missingMethods(port: PortName, adapter: unknown): string[] | undefined {
  if (typeof adapter !== 'object' || adapter === null) return undefined;
  const a = adapter as Record<string, unknown>;
  const missing: string[] = REQUIRED[port].filter((m) => typeof a[m] !== 'function');
  if (port === 'DocumentStore' || port === 'EventLog') {
    const caps = a.capabilities as Record<string, unknown> | undefined;
    for (const flag of ['transactions', 'ordering', 'durable']) {
      if (typeof caps?.[flag] !== 'boolean') missing.push(`capabilities.${flag}`);
    }
    // Newer flags are optional (older adapters omit them) but must be booleans when present.
    for (const flag of ['uniqueIndexes', 'rangeQueries', 'fencing']) {
      if (caps?.[flag] !== undefined && typeof caps[flag] !== 'boolean') missing.push(`capabilities.${flag}`);
    }
    // `putMany` is optional (core's `putMany` helper falls back to `put`), but not a non-function.
    if (port === 'DocumentStore' && a.putMany !== undefined && typeof a.putMany !== 'function') {
      missing.push('putMany (present but not a function)');
    }
    if (port === 'DocumentStore' && caps?.transactions === true && typeof a.transaction !== 'function') {
      missing.push('transaction (capabilities.transactions is true)');
    }
  }
  return missing;
}
