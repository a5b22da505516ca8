import type { EventBus } from '../bus.js';
import { ThreadlineError, type ValidationIssue } from '../errors.js';
import type { DocumentStore } from './documentStore.js';
import type { EventPublisher } from './outboxRelay.js';
import { missingMethods, type PortName } from './registration.js';
import type { ThreadlineStorage } from './storage.js';

/** The parts of a storage bundle and the port each must implement, in the order they are reported. */
const BUNDLE_PARTS: readonly [keyof ThreadlineStorage, PortName][] = [
  ['documents', 'DocumentStore'],
  ['events', 'EventLog'],
  ['outbox', 'Outbox'],
];

/** One part of an option that failed {@link missingMethods}: its option path and what it lacks. */
interface BadPart {
  path: string[];
  port: PortName;
  missing: string[];
}

function findings(path: string[], port: PortName, adapter: unknown): BadPart | undefined {
  const missing = missingMethods(port, adapter);
  if (missing === undefined) return { path, port, missing: ['(not an object)'] };
  return missing.length === 0 ? undefined : { path, port, missing };
}

function describeAdapter(adapter: unknown): string {
  const name = (adapter as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? ` "${name}"` : '';
}

/**
 * One `ADAPTER` error naming every missing method of every bad part (`details.missing` holds
 * `part.method` entries, `details.parts` the per-part lists), wrapped in the engine's `CONFIG`
 * error whose issues carry each part's option path.
 */
function refuse(owner: string, bad: readonly BadPart[], adapters: readonly unknown[]): never {
  const text = bad
    .map(
      (b, i) =>
        `${b.path.join('.')}: ${b.port} adapter${describeAdapter(adapters[i])} is missing: ${b.missing.join(', ')}`,
    )
    .join('; ');
  const cause = new ThreadlineError('ADAPTER', text, {
    details: {
      port: bad[0]?.port,
      missing: bad.flatMap((b) =>
        bad.length === 1 ? b.missing : b.missing.map((m) => `${b.path.at(-1)}.${m}`),
      ),
      parts: Object.fromEntries(bad.map((b) => [b.path.join('.'), { port: b.port, missing: b.missing }])),
    },
  });
  const issues: ValidationIssue[] = bad.map((b) => ({
    path: b.path,
    message: `${b.port} adapter is missing: ${b.missing.join(', ')}`,
    code: 'custom',
  }));
  throw new ThreadlineError('CONFIG', `Invalid ${owner} options: ${text}`, {
    cause,
    issues,
    details: cause.details,
  });
}

/**
 * Resolves an engine's `storage` option (or its deprecated `store` alias) to the document store.
 * Every part of a `storage` bundle is checked like {@link validateAdapter} does: the documents
 * (`DocumentStore`), the event log (`EventLog`), the outbox (`Outbox`, including `dead` and
 * `retry`) and, when present, the leases (`LeaseStore`). Giving both options, or any part missing methods, is one `CONFIG` error that names the
 * option path of every bad part and every missing method; its `cause` is the `ADAPTER` error with
 * the same findings (`details.missing`, `details.parts`). `undefined` when neither is given.
 * `owner` names the engine in messages (`'routing engine'`).
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@threadline/adapter-memory';
 * import { resolveDocumentStoreOption } from '@threadline/core';
 *
 * const documents = resolveDocumentStoreOption('my engine', createMemoryStorage(), undefined);
 * ```
 */
export function resolveDocumentStoreOption(
  owner: string,
  storage: ThreadlineStorage | undefined,
  store: DocumentStore | undefined,
): DocumentStore | undefined {
  if (storage !== undefined && store !== undefined) {
    throw new ThreadlineError('CONFIG', `Invalid ${owner} options: pass storage or store, not both`, {
      issues: [
        {
          path: ['store'],
          message: 'store is a deprecated alias of storage; pass only storage',
          code: 'custom',
        },
      ],
    });
  }
  if (storage === undefined && store === undefined) return undefined;
  if (storage === undefined) {
    const bad = findings(['store'], 'DocumentStore', store);
    if (bad) refuse(owner, [bad], [store]);
    return store;
  }
  if (typeof storage !== 'object' || storage === null) {
    throw new ThreadlineError('CONFIG', `Invalid ${owner} options: storage: expected a storage bundle`, {
      issues: [
        { path: ['storage'], message: 'expected { documents, events, outbox }', code: 'invalid_type' },
      ],
    });
  }
  const bad: BadPart[] = [];
  const adapters: unknown[] = [];
  for (const [part, port] of BUNDLE_PARTS) {
    const found = findings(['storage', part], port, storage[part]);
    if (found) {
      bad.push(found);
      adapters.push(storage[part]);
    }
  }
  // `leases` is optional; when present it must be a whole LeaseStore.
  if (storage.leases !== undefined) {
    const found = findings(['storage', 'leases'], 'LeaseStore', storage.leases);
    if (found) {
      bad.push(found);
      adapters.push(storage.leases);
    }
  }
  if (bad.length > 0) refuse(owner, bad, adapters);
  return storage.documents;
}

/**
 * How an engine's events reach the bus it was given (see {@link resolveBusOption}):
 * - `'outbox'`: the engine commits its events with its state to the storage's outbox, and a bus
 *   gets them only from `createOutboxRelay({ storage, bus })` — never from the engine itself, so
 *   every subscriber sees each committed event once and never one that did not commit;
 * - `'direct'`: no outbox to commit to; the engine publishes to the bus itself after each change;
 * - `'none'`: neither a bus nor an outbox.
 */
export type EventDelivery = 'outbox' | 'direct' | 'none';

/** What an engine tells {@link resolveBusOption} about itself. */
export interface BusOptionContext {
  /** The engine's `storage` option (a `{ documents, events, outbox }` bundle), if any. */
  storage?: unknown;
  /**
   * Whether the engine commits its events to the storage's outbox when it can (default `true`;
   * routing with `journal: false` passes `false`: its storage then only keeps snapshots).
   */
  commitsEvents?: boolean;
  /** The port the bus must implement: `EventBus` (default) or `EventPublisher` (publish only). */
  port?: 'EventBus' | 'EventPublisher';
}

/** The resolved `bus` option of an engine. */
export interface ResolvedBusOption<B> {
  /** The bus given, checked; `undefined` when none. */
  bus: B | undefined;
  /** How committed events reach it (see {@link EventDelivery}). */
  delivery: EventDelivery;
  /** The bus the engine publishes to itself: the bus in `'direct'` delivery, otherwise `undefined`. */
  publishTo: B | undefined;
}

/** True when `storage` is a bundle whose events can commit with its documents (transactions + outbox). */
function commitsToOutbox(storage: unknown): boolean {
  const s = storage as Partial<ThreadlineStorage> | null | undefined;
  if (typeof s !== 'object' || s === null) return false;
  const docs = s.documents;
  return (
    typeof docs?.transaction === 'function' &&
    docs.capabilities?.transactions === true &&
    typeof s.outbox?.add === 'function'
  );
}

/**
 * Checks an engine's `bus` option as an `EventBus` (`publish` and `subscribe`): a bus missing
 * either is one `CONFIG` error with the path `bus` whose `cause` is the `ADAPTER` error from
 * {@link validateAdapter}. Returns the bus typed, `undefined` when none is given.
 *
 * Given the engine's context (its `storage`), it also applies the one rule every engine follows:
 * **a bus and a storage that can commit events (transactions and an outbox) → the events reach
 * the bus only through the outbox relay**; the result says so (`delivery: 'outbox'`,
 * `publishTo: undefined`). Without such a storage the engine publishes to the bus itself
 * (`delivery: 'direct'`).
 *
 * @example
 * ```ts
 * import { createInProcessEventBus, resolveBusOption } from '@threadline/core';
 *
 * const bus = resolveBusOption('my engine', createInProcessEventBus());
 * const { delivery, publishTo } = resolveBusOption('my engine', bus, { storage });
 * // delivery === 'outbox': run createOutboxRelay({ storage, bus }); never publish to `bus` yourself
 * ```
 */
export function resolveBusOption<B extends EventBus = EventBus>(owner: string, bus: unknown): B | undefined;
export function resolveBusOption<B extends EventPublisher = EventBus>(
  owner: string,
  bus: unknown,
  context: BusOptionContext,
): ResolvedBusOption<B>;
export function resolveBusOption<B>(
  owner: string,
  bus: unknown,
  context?: BusOptionContext,
): B | undefined | ResolvedBusOption<B> {
  if (bus !== undefined) {
    const bad = findings(['bus'], context?.port ?? 'EventBus', bus);
    if (bad) refuse(owner, [bad], [bus]);
  }
  if (context === undefined) return bus as B | undefined;
  const outbox = context.commitsEvents !== false && commitsToOutbox(context.storage);
  const delivery: EventDelivery = outbox ? 'outbox' : bus === undefined ? 'none' : 'direct';
  return { bus: bus as B | undefined, delivery, publishTo: delivery === 'direct' ? (bus as B) : undefined };
}
