import type { EventEnvelope } from '../events.js';
import type { TransactionContext } from '../ports/documentStore.js';
import type { Lease, LeaseStore } from '../ports/lease.js';
import type { OutboxWriter } from '../ports/outbox.js';
import type { ThreadlineStorage } from '../ports/storage.js';
import { METRICS, stampTrace } from './instrument.js';
import type { Telemetry } from './telemetry.js';

/** Options of {@link instrumentStorage}. */
export interface InstrumentStorageOptions {
  telemetry: Telemetry;
  /** The `db.system.name` attribute and span-name prefix (default: the document store's `name`). */
  system?: string;
}

const SKIP = new Set<PropertyKey>(['constructor', 'close', 'watch', 'then']);

/**
 * Wraps every method of `target` in a client span named `<system> <port>.<method>` (results and
 * errors pass through). `around` may replace arguments or results for particular methods.
 */
function wrapPort<T extends object>(
  target: T,
  telemetry: Telemetry,
  system: string,
  port: string,
  around: Partial<Record<string, (call: (...args: unknown[]) => unknown, args: unknown[]) => unknown>> = {},
): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, property) {
      const value = Reflect.get(t, property, t) as unknown;
      if (typeof value !== 'function' || SKIP.has(property) || typeof property !== 'string') return value;
      let wrapped = cache.get(property);
      if (wrapped === undefined) {
        const fn = value as (...args: unknown[]) => unknown;
        const name = `${system} ${port}.${property}`;
        const attributes = { 'db.system.name': system, 'db.operation.name': `${port}.${property}` };
        const special = around[property];
        const call = (...args: unknown[]) => fn.apply(t, args);
        wrapped = (...args: unknown[]) =>
          telemetry.span(name, () => (special ? special(call, args) : call(...args)), {
            kind: 'client',
            attributes,
          });
        cache.set(property, wrapped);
      }
      return wrapped;
    },
  });
}

/** An outbox writer that stamps the active trace context into the events it adds. */
function stampingWriter<W extends OutboxWriter>(writer: W, telemetry: Telemetry): W {
  return new Proxy(writer, {
    get(t, property) {
      const value = Reflect.get(t, property, t) as unknown;
      if (property !== 'add' || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      }
      return (events: readonly EventEnvelope[]) =>
        (value as OutboxWriter['add']).call(t, stampTrace(telemetry, events));
    },
  });
}

function countedLease(lease: Lease, telemetry: Telemetry): Lease {
  const changes = telemetry.counter(METRICS.leaseChanges, { description: 'Lease changes' });
  const at = (change: string) => ({ lease: lease.name, change });
  return new Proxy(lease, {
    get(t, property) {
      const value = Reflect.get(t, property, t) as unknown;
      if (property === 'renew') {
        return async (ttlMs?: number) => {
          try {
            const expiresAt = await t.renew(ttlMs);
            changes.add(1, at('renewed'));
            return expiresAt;
          } catch (error) {
            if ((error as { code?: unknown }).code === 'CONFLICT') changes.add(1, at('lost'));
            throw error;
          }
        };
      }
      if (property === 'release') {
        return async () => {
          const released = await t.release();
          changes.add(1, at(released ? 'released' : 'lost'));
          return released;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/**
 * Wraps a storage bundle so every call to its documents, event log, outbox and leases runs in a
 * client span, events added to the outbox (inside transactions too) carry the active W3C trace
 * context, and lease changes (`acquired`, `renewed`, `lost`, `released`) are counted in
 * {@link METRICS.leaseChanges}. Other members (e.g. `migrate`, `close`) pass through. With a
 * disabled telemetry the bundle comes back unchanged.
 *
 * @example
 * ```ts
 * const storage = instrumentStorage(createMemoryStorage(), { telemetry });
 * ```
 */
export function instrumentStorage<S extends ThreadlineStorage>(
  storage: S,
  options: InstrumentStorageOptions,
): S {
  const { telemetry } = options;
  if (!telemetry.enabled) return storage;
  const system = options.system ?? storage.documents.name;
  const txContext = (ctx: TransactionContext): TransactionContext => ({
    ...ctx,
    outbox: stampingWriter(ctx.outbox, telemetry),
  });
  const documents = wrapPort(storage.documents, telemetry, system, 'documents', {
    transaction: (call, [fn, ...rest]) =>
      call((ctx: TransactionContext) => (fn as (c: TransactionContext) => unknown)(txContext(ctx)), ...rest),
  });
  const events = wrapPort(storage.events, telemetry, system, 'events');
  const outbox = wrapPort(stampingWriter(storage.outbox, telemetry), telemetry, system, 'outbox');
  const wrapped: Partial<ThreadlineStorage> = { documents, events, outbox };
  if (storage.leases) {
    const changes = telemetry.counter(METRICS.leaseChanges, { description: 'Lease changes' });
    wrapped.leases = wrapPort(storage.leases, telemetry, system, 'leases', {
      acquire: async (call, args) => {
        const lease = (await call(...args)) as Lease | undefined;
        if (lease === undefined) return undefined;
        changes.add(1, { lease: lease.name, change: 'acquired' });
        return countedLease(lease, telemetry);
      },
    }) as LeaseStore;
  }
  return new Proxy(storage, {
    get(t, property, receiver) {
      if (typeof property === 'string' && property in wrapped)
        return wrapped[property as keyof ThreadlineStorage];
      return Reflect.get(t, property, receiver);
    },
  });
}
