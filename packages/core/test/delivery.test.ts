import { describe, expect, it } from 'vitest';
import { type DeliveryFailureSink, type EventEnvelope, reportDeliveryFailure } from '../src/index.js';

describe('reportDeliveryFailure', () => {
  it('counts bus and subscriber failures apart and passes each to onError', () => {
    const seen: unknown[] = [];
    const sink: DeliveryFailureSink = {
      publishFailures: 0,
      handlerFailures: 0,
      onError: (error, context) => seen.push([error, context.source, context.events.length]),
    };
    const events = [{ id: 'e1' } as EventEnvelope];
    const busDown = new Error('bus down');
    reportDeliveryFailure(sink, 'bus', busDown, events);
    reportDeliveryFailure(sink, 'subscriber', 'boom', events);
    reportDeliveryFailure(sink, 'subscriber', 'boom again', []);
    expect(sink.publishFailures).toBe(1);
    expect(sink.handlerFailures).toBe(2);
    expect(seen).toEqual([
      [busDown, 'bus', 1],
      ['boom', 'subscriber', 1],
      ['boom again', 'subscriber', 0],
    ]);
  });

  it('never throws, even when onError does, and still counts', () => {
    const sink: DeliveryFailureSink = {
      publishFailures: 0,
      handlerFailures: 0,
      onError: () => {
        throw new Error('the error handler failed too');
      },
    };
    expect(() => reportDeliveryFailure(sink, 'bus', new Error('x'), [])).not.toThrow();
    expect(sink.publishFailures).toBe(1);
    const silent: DeliveryFailureSink = { publishFailures: 0, handlerFailures: 0, onError: undefined };
    reportDeliveryFailure(silent, 'subscriber', new Error('y'), []);
    expect(silent.handlerFailures).toBe(1);
  });
});
