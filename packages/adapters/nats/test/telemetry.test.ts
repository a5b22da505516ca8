// Tracing and metrics on NATS JetStream: one customer interaction followed across two buses on
// separate connections (as two processes would hold them), and redeliveries counted.
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  createEvent,
  createIdGenerator,
  createMemoryLogger,
  createTelemetry,
  type EventEnvelope,
  ManualClock,
  METRICS,
} from '@threadline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsEventBus, type NatsEventBus } from '../src/index.js';

const URL = process.env.THREADLINE_NATS_URL;
const run = `o${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();
const telemetry = createTelemetry({
  api,
  tracer: tracerProvider.getTracer('nats-test'),
  meter: meterProvider.getMeter('nats-test'),
});
const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
const ids = createIdGenerator({ clock, seed: 13 });
const event = (type: string, aggregateId: string): EventEnvelope =>
  createEvent(
    { clock, ids },
    { type, aggregateType: type.split('.')[0] as string, aggregateId, version: 1, payload: {} },
  );

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const opened: NatsEventBus[] = [];
function open(extra: Partial<Parameters<typeof createNatsEventBus>[0]> = {}): NatsEventBus {
  const bus = createNatsEventBus({
    servers: URL as string,
    stream: `TL_${run}`,
    subjectPrefix: `tl_${run}`,
    telemetry,
    ...extra,
  });
  opened.push(bus);
  return bus;
}

describe('NATS bus telemetry', () => {
  beforeAll(() => {
    // A missing server is a failure, not a skip.
    if (!URL)
      throw new Error('THREADLINE_NATS_URL is not set: this suite needs a NATS server with JetStream');
    api.context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    contextManager.disable();
    api.context.disable();
    await meterProvider.shutdown();
    if (!URL) return;
    const nc = await connect({ servers: URL });
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list())
      if (s.config.name.includes(run)) await jsm.streams.delete(s.config.name);
    await nc.close();
  });

  it('follows one interaction from inbound message to assignment to SLA across processes', async () => {
    const inbound = open(); // the channel webhook's process
    const routing = open({ group: 'routing' }); // the routing node
    const cases = open({ group: 'cases' }); // the cases/SLA node
    const seen: EventEnvelope[] = [];
    routing.subscribe('message.received', async (e) => {
      seen.push(e);
      await routing.publish(event('reservation.accepted', 'r1'));
    });
    cases.subscribe('reservation.accepted', async (e) => {
      seen.push(e);
      await cases.publish(event('sla.started', 'c1'));
    });
    cases.subscribe('sla.*', (e) => {
      seen.push(e);
    });
    await Promise.all([inbound.ready(), routing.ready(), cases.ready()]);
    await telemetry.span('POST /webhooks/sms', () => inbound.publish(event('message.received', 'm1')), {
      kind: 'server',
    });
    await until(() => seen.length === 3, 'the three hops');
    await until(
      () => exporter.getFinishedSpans().filter((s) => s.name.startsWith('nats consume')).length === 3,
      'spans',
    );

    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /webhooks/sms');
    expect(root).toBeDefined();
    const traceId = root?.spanContext().traceId;
    for (const e of seen) expect(e.trace?.traceparent).toContain(traceId);
    const consumes = ['message.received', 'reservation.accepted', 'sla.started'].map((t) =>
      spans.find((s) => s.name === `nats consume ${t}`),
    );
    const publishes = spans.filter((s) => s.name === 'nats publish');
    for (const consume of consumes) {
      expect(consume?.spanContext().traceId).toBe(traceId);
      expect(consume?.kind).toBe(api.SpanKind.CONSUMER);
      // A consumer's parent is the producer span of another bus (another connection).
      expect(publishes.map((p) => p.spanContext().spanId)).toContain(consume?.parentSpanContext?.spanId);
    }
    // Each hop's publish happens inside the previous hop's consumer span.
    expect(
      publishes.find((p) => p.parentSpanContext?.spanId === consumes[0]?.spanContext().spanId),
    ).toBeDefined();
    expect(
      publishes.find((p) => p.parentSpanContext?.spanId === consumes[1]?.spanContext().spanId),
    ).toBeDefined();
  });

  it('counts redeliveries, records the failed attempt and logs it', async () => {
    const logger = createMemoryLogger();
    const bus = open({ group: 'retry', retryDelaysMs: [50], logger });
    let calls = 0;
    bus.subscribe('case.opened', () => {
      calls++;
      if (calls === 1) throw new Error('first attempt fails');
    });
    await bus.ready();
    await bus.publish(event('case.opened', 'c-retry'));
    await until(() => calls === 2, 'the redelivery');
    await until(() => bus.stats().delivered === 1, 'delivery');
    metricExporter.reset();
    await reader.forceFlush();
    const points = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .filter((m) => m.descriptor.name === METRICS.redeliveries)
      .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: number }[]);
    expect(points.find((p) => String(p.attributes.durable).startsWith('retry'))?.value).toBe(1);
    expect(
      points.find((p) => String(p.attributes.durable).startsWith('retry'))?.attributes['messaging.system'],
    ).toBe('nats');
    const failed = exporter
      .getFinishedSpans()
      .filter((s) => s.name === 'nats consume case.opened' && s.status.code === api.SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ component: 'nats-bus', stage: 'handler', deliveries: 1 }),
      }),
    );
  });

  it('rejects a telemetry or logger option of the wrong shape, naming the field', () => {
    expect(() => createNatsEventBus({ servers: URL as string, telemetry: {} as never })).toThrow(/telemetry/);
    expect(() => createNatsEventBus({ servers: URL as string, logger: { info() {} } as never })).toThrow(
      /logger/,
    );
  });
});
