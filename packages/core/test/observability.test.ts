import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createEvent,
  createInProcessEventBus,
  createManualClock,
  createMemoryLogger,
  createSequentialIds,
  createTelemetry,
  type EventEnvelope,
  formatTraceparent,
  instrumentBus,
  instrumentMethods,
  isThreadlineError,
  loadTelemetry,
  METRICS,
  noopLogger,
  noopTelemetry,
  parseEvent,
  parseTraceparent,
  resolveLogger,
  stampTrace,
  type Telemetry,
} from '../src/index.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();
let telemetry: Telemetry;

beforeAll(() => {
  api.context.setGlobalContextManager(contextManager.enable());
  telemetry = createTelemetry({
    api,
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
  });
});
afterAll(async () => {
  contextManager.disable();
  api.context.disable();
  await meterProvider.shutdown();
});
beforeEach(() => exporter.reset());

/** Collected points of one metric: attributes and value. */
async function points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  metricExporter.reset();
  await reader.forceFlush();
  const out: { attributes: Record<string, unknown>; value: unknown }[] = [];
  for (const rm of metricExporter.getMetrics())
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        if (m.descriptor.name === name)
          for (const p of m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
            out.push({
              attributes: p.attributes,
              value: m.dataPointType === DataPointType.HISTOGRAM ? p.value : p.value,
            });
  return out;
}

const deps = { clock: createManualClock(1000), ids: createSequentialIds() };
const event = (type: string, aggregateId = 'c1'): EventEnvelope =>
  createEvent(deps, {
    type,
    aggregateType: type.split('.')[0] as string,
    aggregateId,
    version: 1,
    payload: {},
  });

describe('logger', () => {
  it('the no-op logger accepts pino-style calls and its child is itself', () => {
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
    expect(() => {
      noopLogger.info({ a: 1 }, 'x');
      noopLogger.error('y');
    }).not.toThrow();
  });

  it('the memory logger merges child bindings, object first', () => {
    const logger = createMemoryLogger();
    logger.child({ component: 'relay' }).child({ id: 'r1' }).warn({ attempts: 3 }, 'publish failed');
    logger.debug('plain');
    expect(logger.records).toEqual([
      { level: 'warn', fields: { component: 'relay', id: 'r1', attempts: 3 }, message: 'publish failed' },
      { level: 'debug', fields: {}, message: 'plain' },
    ]);
  });

  it('resolveLogger defaults to the no-op logger and rejects a non-logger naming the field', () => {
    expect(resolveLogger(undefined)).toBe(noopLogger);
    try {
      resolveLogger({ info: () => undefined });
      expect.unreachable();
    } catch (error) {
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
      expect((error as { path: unknown }).path).toEqual(['logger']);
    }
  });
});

describe('W3C trace context', () => {
  const hex = (n: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });

  it('formats and parses back every valid traceparent', () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, traceFlags) => {
        fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
        const value = formatTraceparent({ traceId, spanId, traceFlags });
        expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
        expect(parseTraceparent(value)).toEqual({ traceId, spanId, traceFlags });
      }),
      { seed: 13 },
    );
  });

  it('rejects malformed values, all-zero ids and version ff', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        // A random string is almost never valid; when it parses it must have the exact shape.
        const parsed = parseTraceparent(s);
        if (parsed) expect(formatTraceparent(parsed)).toBe(s.trim().slice(0, 55));
      }),
      { seed: 13 },
    );
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-01`)).toBeDefined();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${id}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent(`ff-${id}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-01-extra`)).toBeUndefined();
    expect(parseTraceparent(`01-${id}-00f067aa0ba902b7-01-extra`)).toBeDefined();
    expect(parseTraceparent(`00-${id.toUpperCase()}-00f067aa0ba902b7-01`)).toBeUndefined();
  });

  it('the envelope validates its trace field', () => {
    const e = event('case.opened');
    const traceparent = `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`;
    expect(parseEvent({ ...e, trace: { traceparent, tracestate: 'k=v' } }).trace).toEqual({
      traceparent,
      tracestate: 'k=v',
    });
    try {
      parseEvent({ ...e, trace: { traceparent: 'nope' } });
      expect.unreachable();
    } catch (error) {
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
      expect((error as { path: unknown }).path).toEqual(['trace', 'traceparent']);
    }
    expect(() => parseEvent({ ...e, trace: { traceparent, other: 'x' } })).toThrow();
  });
});

describe('telemetry', () => {
  it('the no-op telemetry runs the function and records nothing', async () => {
    expect(noopTelemetry.enabled).toBe(false);
    expect(noopTelemetry.span('x', () => 7)).toBe(7);
    await expect(noopTelemetry.span('x', async () => 8)).resolves.toBe(8);
    expect(noopTelemetry.currentTrace()).toBeUndefined();
    const events = [event('case.opened')];
    expect(stampTrace(noopTelemetry, events)).toBe(events);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('loadTelemetry builds a live telemetry when @opentelemetry/api is installed', async () => {
    expect((await loadTelemetry()).enabled).toBe(true);
  });

  it('rejects options that are not the API module', () => {
    expect(() => createTelemetry({ api: {} as never })).toThrow(/api/);
  });

  it('nests spans through sync and async work and records errors with their code', async () => {
    await telemetry.span('outer', async () => {
      telemetry.span('inner.sync', () => 1);
      await telemetry.span('inner.async', async () => {
        await new Promise((r) => setTimeout(r, 1));
      });
      await expect(
        telemetry.span('inner.fail', async () => {
          throw Object.assign(new Error('boom'), { code: 'CONFLICT' });
        }),
      ).rejects.toThrow('boom');
    });
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === 'outer');
    expect(outer).toBeDefined();
    for (const name of ['inner.sync', 'inner.async', 'inner.fail']) {
      const span = spans.find((s) => s.name === name);
      expect(span?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
      expect(span?.spanContext().traceId).toBe(outer?.spanContext().traceId);
    }
    const failed = spans.find((s) => s.name === 'inner.fail');
    expect(failed?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(failed?.attributes['threadline.error.code']).toBe('CONFLICT');
    expect(failed?.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('a span with a remote parent joins the parent trace', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const inside = telemetry.span('child', () => telemetry.currentTrace(), {
      parent: { traceparent, tracestate: 'a=1' },
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(inside?.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span?.spanContext().spanId}-01`);
    expect(inside?.tracestate).toBe('a=1');
  });

  it('stampTrace adds the active context only to events without one', () => {
    const own = {
      ...event('case.opened'),
      trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    };
    const bare = event('case.solved');
    const stamped = telemetry.span('op', () => stampTrace(telemetry, [own, bare]));
    expect(stamped[0]).toBe(own);
    expect(stamped[1]?.trace?.traceparent).toContain(exporter.getFinishedSpans()[0]?.spanContext().spanId);
    expect(bare.trace).toBeUndefined(); // the input is not mutated
    expect(stampTrace(telemetry, [bare])[0]).toBe(bare); // no active span: unchanged
  });
});

describe('instrumentMethods', () => {
  class Engine {
    #n = 0;
    add(k: number): number {
      if (k < 0) throw new Error('negative');
      this.#n += k;
      return this.#n;
    }
    async save(): Promise<number> {
      return this.#n;
    }
  }

  it('leaves the methods untouched when telemetry is disabled', () => {
    const engine = new Engine();
    const before = engine.add;
    instrumentMethods(engine, noopTelemetry, 'demo', ['add']);
    expect(engine.add).toBe(before);
  });

  it('runs each call in a span, counts outcomes and keeps results and errors', async () => {
    const engine = new Engine();
    instrumentMethods(engine, telemetry, 'demo', ['add', 'save'], { partition: 'p1' });
    expect(engine.add(2)).toBe(2);
    expect(() => engine.add(-1)).toThrow('negative');
    await expect(engine.save()).resolves.toBe(2);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['demo.add', 'demo.add', 'demo.save']);
    const counted = (await points(METRICS.commands)).filter((p) => p.attributes.engine === 'demo');
    const value = (command: string, outcome: string) =>
      counted.find((p) => p.attributes.command === command && p.attributes.outcome === outcome)?.value;
    expect(value('add', 'ok')).toBe(1);
    expect(value('add', 'error')).toBe(1);
    expect(value('save', 'ok')).toBe(1);
    expect(counted.every((p) => p.attributes.partition === 'p1')).toBe(true);
  });
});

describe('gauges', () => {
  it('report values from every registered observer until unregistered', async () => {
    let calls = 0;
    const offA = telemetry.gauge('test.depth', (report) => {
      calls++;
      report(3, { queue: 'a' });
    });
    const offB = telemetry.gauge('test.depth', (report) => report(5, { queue: 'b' }));
    const offBroken = telemetry.gauge('test.depth', () => {
      throw new Error('observer broke');
    });
    expect((await points('test.depth')).map((p) => [p.attributes.queue, p.value]).sort()).toEqual([
      ['a', 3],
      ['b', 5],
    ]);
    offA();
    offB();
    offBroken();
    await points('test.depth');
    expect(calls).toBe(1);
  });
});

describe('instrumentBus (in-process)', () => {
  it('follows one interaction across the bus: each consumer span is a child of its producer', async () => {
    const bus = instrumentBus(createInProcessEventBus(), { telemetry, system: 'in-process' });
    const seen: EventEnvelope[] = [];
    // message.received → (routing) task.created → (cases/SLA) sla.started
    bus.subscribe('message.received', async (e) => {
      seen.push(e);
      await bus.publish(event('task.created', 't1'));
    });
    bus.subscribe('task.created', async (e) => {
      seen.push(e);
      await bus.publish(event('sla.started', 'c1'));
    });
    bus.subscribe('sla.*', (e) => {
      seen.push(e);
    });
    await telemetry.span('inbound webhook', () => bus.publish(event('message.received', 'm1')), {
      kind: 'server',
    });

    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const root = byName('inbound webhook')[0];
    expect(root).toBeDefined();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set([root?.spanContext().traceId]),
    );
    const publishes = byName('in-process publish');
    const consumes = ['message.received', 'task.created', 'sla.started'].map(
      (t) => byName(`in-process consume ${t}`)[0],
    );
    expect(publishes).toHaveLength(3);
    // Each consumer's parent is the producer span whose context was stamped in the event.
    for (const [i, e] of seen.entries()) {
      const consume = consumes[i];
      expect(e.trace?.traceparent).toBe(
        formatTraceparent({ ...(consume?.parentSpanContext as api.SpanContext) }),
      );
      expect(publishes.map((p) => p.spanContext().spanId)).toContain(consume?.parentSpanContext?.spanId);
      expect(consume?.kind).toBe(api.SpanKind.CONSUMER);
    }
    expect(publishes.filter((p) => p.parentSpanContext?.spanId === root?.spanContext().spanId)).toHaveLength(
      1,
    );
    const consumed = await points(METRICS.consumed);
    expect(consumed.filter((p) => p.attributes['messaging.system'] === 'in-process').length).toBeGreaterThan(
      0,
    );
  });

  it('records a throwing handler on its consumer span; the bus reports the failure as before', async () => {
    const failures: unknown[] = [];
    const bus = instrumentBus(createInProcessEventBus({ onUnhandledError: (d) => failures.push(d.error) }), {
      telemetry,
    });
    bus.subscribe('case.opened', () => {
      throw new Error('handler broke');
    });
    await bus.publish(event('case.opened'));
    expect(failures).toHaveLength(1);
    const consume = exporter.getFinishedSpans().find((s) => s.name === 'threadline consume case.opened');
    expect(consume?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(bus.listenerCount()).toBe(1); // other members pass through
  });

  it('returns the bus itself when telemetry is disabled', () => {
    const bus = createInProcessEventBus();
    expect(instrumentBus(bus, { telemetry: noopTelemetry })).toBe(bus);
  });
});
