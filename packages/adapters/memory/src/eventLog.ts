import {
  type AdapterCapabilities,
  type AppendOptions,
  type AppendResult,
  assertKey,
  conflictError,
  type EventEnvelope,
  type EventLog,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  ThreadlineError,
  tenantOf,
  validateAppend,
} from '@threadline/core';
import { frozenCopy } from './freeze.js';

/** A serialisable image of the memory event log. */
export interface EventLogSnapshot {
  events: StoredEvent[];
  idempotency: { tenantId: string; key: string; result: AppendResult }[];
}

function badOption(field: string, message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid ${field}: ${message}`, {
    issues: [{ path: [field], message, code: 'invalid' }],
  });
}

function checkLimit(limit: unknown, fallback: number): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw badOption('limit', 'expected a positive integer');
  return limit;
}

/** First index in `events` (sorted by position) whose position is > `after`. */
function firstAfter(events: readonly StoredEvent[], after: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as StoredEvent).position <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds the frozen stored form with one fixed property order (one hidden class, little garbage). */
function storedEvent(
  e: EventEnvelope,
  streamId: string,
  streamVersion: number,
  position: number,
): StoredEvent {
  const stored: StoredEvent = {
    id: e.id,
    type: e.type,
    tenantId: e.tenantId,
    aggregateId: e.aggregateId,
    aggregateType: e.aggregateType,
    version: e.version,
    occurredAt: e.occurredAt,
    payload: frozenCopy(e.payload),
    streamId,
    streamVersion,
    position,
  };
  if (e.causationId !== undefined) stored.causationId = e.causationId;
  if (e.correlationId !== undefined) stored.correlationId = e.correlationId;
  if (e.trace !== undefined) stored.trace = frozenCopy(e.trace);
  return Object.freeze(stored);
}

/**
 * The in-memory reference `EventLog`: streams per tenant, a global position, idempotent appends.
 * Stored events are deep-frozen and returned without copying.
 */
export class MemoryEventLog implements EventLog {
  readonly name = 'memory';
  readonly capabilities: AdapterCapabilities = { transactions: true, ordering: true, durable: false };
  /** Global log; position = index + 1. */
  readonly #all: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();
  readonly #byTenant = new Map<string, StoredEvent[]>();
  readonly #idempotency = new Map<string, AppendResult>();

  append(streamId: string, events: readonly EventEnvelope[], options?: AppendOptions): Promise<AppendResult> {
    // Not `async`: an already-settled promise saves the async-function frame on the hot path.
    try {
      return Promise.resolve(this.appendSync(streamId, events, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Synchronous `append` for simulations and hot loops (same semantics). */
  appendSync(streamId: string, events: readonly EventEnvelope[], options?: AppendOptions): AppendResult {
    const { tenantId } = validateAppend(streamId, events, options);
    return this.appendValidated(tenantId, streamId, events, options);
  }

  /**
   * `appendSync` for events `validateAppend` already accepted (a memory transaction validates
   * when it stages an append and applies it here at commit, without a second pass).
   * @internal
   */
  appendValidated(
    tenantId: string,
    streamId: string,
    events: readonly EventEnvelope[],
    options?: AppendOptions,
  ): AppendResult {
    const idemKey =
      options?.idempotencyKey === undefined ? undefined : `${tenantId}\u0000${options.idempotencyKey}`;
    if (idemKey !== undefined) {
      const previous = this.#idempotency.get(idemKey);
      if (previous) {
        if (previous.streamId !== streamId) {
          throw new ThreadlineError(
            'CONFLICT',
            `Idempotency key "${options?.idempotencyKey}" was already used for stream "${previous.streamId}"`,
            {
              details: { idempotencyKey: options?.idempotencyKey, streamId: previous.streamId },
            },
          );
        }
        return { ...previous, duplicate: true };
      }
    }
    const key = `${tenantId}\u0000${streamId}`;
    let stream = this.#streams.get(key);
    const current = stream?.length ?? 0;
    if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
      throw conflictError(`stream ${streamId}`, options.expectedVersion, current);
    }
    if (!stream) this.#streams.set(key, (stream = []));
    let tenantEvents = this.#byTenant.get(tenantId);
    if (!tenantEvents) this.#byTenant.set(tenantId, (tenantEvents = []));
    const firstPosition = this.#all.length + 1;
    for (const e of events) {
      const stored = storedEvent(e, streamId, stream.length + 1, this.#all.length + 1);
      stream.push(stored);
      tenantEvents.push(stored);
      this.#all.push(stored);
    }
    const result: AppendResult = {
      streamId,
      streamVersion: stream.length,
      firstPosition,
      lastPosition: this.#all.length,
      duplicate: false,
    };
    if (idemKey !== undefined) this.#idempotency.set(idemKey, result);
    return result;
  }

  /** Synchronous `streamVersion` (same semantics); transactions base their appends on it. */
  streamVersionSync(streamId: string, options?: { tenantId?: string }): number {
    assertKey(streamId, 'streamId');
    return this.#streams.get(`${tenantOf(options)}\u0000${streamId}`)?.length ?? 0;
  }

  /** The result recorded for an idempotency key of `tenantId`, if an append used it. */
  appendedWithKey(tenantId: string, idempotencyKey: string): AppendResult | undefined {
    return this.#idempotency.get(`${tenantId}\u0000${idempotencyKey}`);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    assertKey(streamId, 'streamId');
    const tenantId = tenantOf(options);
    const from = options?.fromVersion ?? 1;
    if (!Number.isInteger(from) || from < 1) throw badOption('fromVersion', 'expected an integer >= 1');
    const limit = checkLimit(options?.limit, Number.MAX_SAFE_INTEGER);
    const stream = this.#streams.get(`${tenantId}\u0000${streamId}`) ?? [];
    return stream.slice(from - 1, from - 1 + limit);
  }

  async readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    const after = options?.after ?? 0;
    if (!Number.isInteger(after) || after < 0) throw badOption('after', 'expected an integer >= 0');
    const limit = checkLimit(options?.limit, 1000);
    if (options?.tenantId === undefined) return this.#all.slice(after, after + limit);
    const events = this.#byTenant.get(tenantOf(options)) ?? [];
    const start = firstAfter(events, after);
    return events.slice(start, start + limit);
  }

  async streamVersion(streamId: string, options?: { tenantId?: string }): Promise<number> {
    return this.streamVersionSync(streamId, options);
  }

  async redactEvents(
    filter: { tenantId: string; streamIds?: readonly string[]; match?: (event: StoredEvent) => boolean },
    redact: (event: StoredEvent) => unknown,
  ): Promise<number> {
    const tenantId = tenantOf(filter);
    const candidates = filter.streamIds
      ? filter.streamIds.flatMap((s) => this.#streams.get(`${tenantId}\u0000${s}`) ?? [])
      : (this.#byTenant.get(tenantId) ?? []);
    const rewrites = candidates
      .filter((e) => !filter.match || filter.match(e))
      .map((e) => [e, redact(e)] as const);
    for (const [old, payload] of rewrites) {
      const replacement = frozenCopy({ ...old, payload }) as StoredEvent;
      this.#all[old.position - 1] = replacement;
      const stream = this.#streams.get(`${tenantId}\u0000${old.streamId}`) as StoredEvent[];
      stream[old.streamVersion - 1] = replacement;
      const tenantEvents = this.#byTenant.get(tenantId) as StoredEvent[];
      tenantEvents[firstAfter(tenantEvents, old.position - 1)] = replacement;
    }
    return rewrites.length;
  }

  /** Total number of events in the log. */
  get size(): number {
    return this.#all.length;
  }

  snapshot(): EventLogSnapshot {
    return {
      events: [...this.#all],
      idempotency: [...this.#idempotency].map(([k, result]) => {
        const [tenantId, key] = k.split('\u0000') as [string, string];
        return { tenantId, key, result };
      }),
    };
  }

  restore(snapshot: EventLogSnapshot): void {
    this.#all.length = 0;
    this.#streams.clear();
    this.#byTenant.clear();
    this.#idempotency.clear();
    for (const raw of snapshot.events) {
      const e = frozenCopy(raw);
      this.#all.push(e);
      const key = `${e.tenantId}\u0000${e.streamId}`;
      let stream = this.#streams.get(key);
      if (!stream) this.#streams.set(key, (stream = []));
      stream.push(e);
      let t = this.#byTenant.get(e.tenantId);
      if (!t) this.#byTenant.set(e.tenantId, (t = []));
      t.push(e);
    }
    for (const { tenantId, key, result } of snapshot.idempotency)
      this.#idempotency.set(`${tenantId}\u0000${key}`, result);
  }
}

/**
 * Creates the in-memory reference event log.
 *
 * @example
 * ```ts
 * const log = createMemoryEventLog();
 * await log.append('case-1', [event], { expectedVersion: 0, idempotencyKey: 'req-42' });
 * const events = await log.readStream('case-1');
 * ```
 */
export function createMemoryEventLog(): MemoryEventLog {
  return new MemoryEventLog();
}
