import type { EventEnvelope } from './events.js';

/** Where a delivery failed: the connected bus refused a publish, or a subscriber threw or rejected. */
export type DeliveryFailureSource = 'bus' | 'subscriber';

/** What an engine tells its `onError` callback about a failed delivery. */
export interface DeliveryErrorContext<E extends EventEnvelope = EventEnvelope> {
  source: DeliveryFailureSource;
  /** The events that did not reach their destination (the whole batch for a bus, one event for a subscriber). */
  events: readonly E[];
}

/**
 * The `onError` option every engine takes (routing, cases, identity, the insights stream): called
 * for each failed delivery after the command that produced the events has been applied. Delivery
 * failures never make a command throw; they are counted in the engine's stats and reported here.
 * An `onError` that throws is ignored (the counters still hold the failure).
 */
export type DeliveryErrorHandler<E extends EventEnvelope = EventEnvelope> = (
  error: unknown,
  context: DeliveryErrorContext<E>,
) => void;

/** Delivery failure counters, part of each engine's `stats()`; the names match the insights stream's. */
export interface DeliveryFailureStats {
  /** Publishes the connected bus rejected or threw on (each counts once, whatever its batch size). */
  publishFailures: number;
  /** Subscriber calls that threw or whose promise rejected. */
  handlerFailures: number;
}

/** What {@link reportDeliveryFailure} updates: an engine's counters and its `onError` option. */
export interface DeliveryFailureSink<E extends EventEnvelope = EventEnvelope> extends DeliveryFailureStats {
  readonly onError: DeliveryErrorHandler<E> | undefined;
}

/**
 * Counts a failed delivery on `sink` and passes it to the sink's `onError`; an `onError` that
 * throws is swallowed (there is nowhere left to report to; the counters still hold the failure).
 * The one implementation of the rule every engine follows.
 *
 * @example
 * ```ts
 * const sink = { publishFailures: 0, handlerFailures: 0, onError: undefined };
 * reportDeliveryFailure(sink, 'bus', new Error('bus down'), []);
 * sink.publishFailures; // 1
 * ```
 */
export function reportDeliveryFailure<E extends EventEnvelope>(
  sink: DeliveryFailureSink<E>,
  source: DeliveryFailureSource,
  error: unknown,
  events: readonly E[],
): void {
  if (source === 'bus') sink.publishFailures++;
  else sink.handlerFailures++;
  try {
    sink.onError?.(error, { source, events });
  } catch {
    // Nowhere left to report to; the counters still hold the failure.
  }
}
