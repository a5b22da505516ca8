import type { EventBus } from '../bus.js';
import { ThreadlineError } from '../errors.js';
import type { DocumentStore } from './documentStore.js';
import type { EventLog } from './eventLog.js';
import type { Outbox } from './outbox.js';

const REQUIRED = {
  DocumentStore: ['defineCollection', 'get', 'getMany', 'put', 'delete', 'find'],
  EventLog: ['append', 'readStream', 'readAll', 'streamVersion'],
  EventBus: ['publish', 'subscribe'],
  Outbox: ['add', 'pending', 'markPublished', 'markFailed'],
} as const;

/** The ports an adapter can implement. */
export type PortName = keyof typeof REQUIRED;

interface PortTypes {
  DocumentStore: DocumentStore;
  EventLog: EventLog;
  EventBus: EventBus;
  Outbox: Outbox;
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
  if (typeof adapter !== 'object' || adapter === null) {
    throw new ThreadlineError(
      'ADAPTER',
      `${port} adapter must be an object, got ${adapter === null ? 'null' : typeof adapter}`,
    );
  }
  const a = adapter as Record<string, unknown>;
  const missing: string[] = REQUIRED[port].filter((m) => typeof a[m] !== 'function');
  if (port === 'DocumentStore' || port === 'EventLog') {
    const caps = a.capabilities as Record<string, unknown> | undefined;
    for (const flag of ['transactions', 'ordering', 'durable']) {
      if (typeof caps?.[flag] !== 'boolean') missing.push(`capabilities.${flag}`);
    }
    // Newer flags are optional (older adapters omit them) but must be booleans when present.
    for (const flag of ['uniqueIndexes', 'rangeQueries']) {
      if (caps?.[flag] !== undefined && typeof caps[flag] !== 'boolean') missing.push(`capabilities.${flag}`);
    }
    if (port === 'DocumentStore' && caps?.transactions === true && typeof a.transaction !== 'function') {
      missing.push('transaction (capabilities.transactions is true)');
    }
  }
  if (missing.length > 0) {
    const name = typeof a.name === 'string' ? ` "${a.name}"` : '';
    throw new ThreadlineError('ADAPTER', `${port} adapter${name} is missing: ${missing.join(', ')}`, {
      details: { port, missing },
    });
  }
  return adapter as PortTypes[P];
}
