// One customer interaction traced from the inbound message to the assignment to the SLA, across
// the identity service, the routing and case engines, the outbox relay and the in-process bus;
// and the metrics they record (commands, queue depth, relay lag, lease changes).
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
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createCaseEngine } from '@threadline/cases';
import {
  createEvent,
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createMemoryLogger,
  createOutboxRelay,
  createTelemetry,
  type EventEnvelope,
  instrumentBus,
  instrumentStorage,
  ManualClock,
  METRICS,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

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
  tracer: tracerProvider.getTracer('interaction'),
  meter: meterProvider.getMeter('interaction'),
});

beforeAll(() => {
  api.context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  contextManager.disable();
  api.context.disable();
  await meterProvider.shutdown();
});
beforeEach(() => exporter.reset());

async function points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
  metricExporter.reset();
  await reader.forceFlush();
  return metricExporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
}

describe('tracing one customer interaction', () => {
  it('follows inbound message → identity → routing → assignment → case and SLA in one trace', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
    const bus = instrumentBus(createInProcessEventBus(), { telemetry, system: 'in-process' });
    const identity = createIdentityService({
      storage: createMemoryStorage(),
      clock,
      ids: createIdGenerator({ clock, seed: 1 }),
      telemetry,
    });
    const routing = createRoutingEngine({
      clock,
      ids: createIdGenerator({ clock, seed: 2 }),
      workflow: { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } },
      bus,
      telemetry,
      telemetryAttributes: { partition: 'p1' },
    });
    const cases = createCaseEngine({
      clock,
      ids: createIdGenerator({ clock, seed: 3 }),
      calendars: {},
      policies: [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }],
      bus,
      telemetry,
    });
    routing.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    exporter.reset();

    // Host wiring: each hop is a bus subscriber, as it would be across processes.
    bus.subscribe('message.received', (e) => {
      const { customerId } = e.payload as { customerId: string };
      routing.submitTask({ id: 'task-1', channel: 'chat', attributes: { customerId } });
    });
    bus.subscribe('reservation.created', (e) => {
      routing.acceptReservation((e.payload as { reservationId: string }).reservationId);
    });
    bus.subscribe('task.assigned', (e) => {
      cases.openCase({
        id: 'case-1',
        customerId: 'cus',
        subject: `Chat ${(e.payload as { taskId: string }).taskId}`,
        priority: 'normal',
        channel: 'chat',
      });
    });
    const slaEvents: EventEnvelope[] = [];
    bus.subscribe('sla.*', (e) => {
      slaEvents.push(e);
    });

    await telemetry.span(
      'POST /webhooks/chat',
      async () => {
        const { customerId } = await identity.resolve([{ kind: 'email', value: 'ana@example.com' }]);
        await bus.publish(
          createEvent(
            { clock, ids: createIdGenerator({ clock, seed: 4 }) },
            {
              type: 'message.received',
              aggregateType: 'message',
              aggregateId: 'm1',
              version: 1,
              payload: { customerId },
            },
          ),
        );
      },
      { kind: 'server' },
    );

    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /webhooks/chat');
    const traceId = root?.spanContext().traceId;
    expect(traceId).toBeDefined();
    expect(slaEvents.length).toBeGreaterThan(0);
    for (const e of slaEvents) expect(e.trace?.traceparent).toContain(traceId);
    const byName = (n: string) => spans.find((s) => s.name === n);
    const chain = [
      'identity.resolve',
      'in-process consume message.received',
      'routing.submitTask',
      'in-process consume reservation.created',
      'routing.acceptReservation',
      'in-process consume task.assigned',
      'cases.openCase',
    ];
    for (const name of chain) {
      expect(byName(name), name).toBeDefined();
      expect(byName(name)?.spanContext().traceId, name).toBe(traceId);
    }
    // Each engine command runs inside the consumer span of the event that triggered it.
    const parentOf = (n: string) => byName(n)?.parentSpanContext?.spanId;
    expect(parentOf('routing.submitTask')).toBe(
      byName('in-process consume message.received')?.spanContext().spanId,
    );
    expect(parentOf('routing.acceptReservation')).toBe(
      byName('in-process consume reservation.created')?.spanContext().spanId,
    );
    expect(parentOf('cases.openCase')).toBe(byName('in-process consume task.assigned')?.spanContext().spanId);
    expect(byName('routing.submitTask')?.attributes.partition).toBe('p1');

    const commands = await points(METRICS.commands);
    const count = (engine: string, command: string) =>
      commands.find((p) => p.attributes.engine === engine && p.attributes.command === command)?.value;
    expect(count('routing', 'submitTask')).toBe(1);
    expect(count('cases', 'openCase')).toBe(1);
    expect(count('identity', 'resolve')).toBe(1);

    routing.submitTask({ id: 'task-2', channel: 'chat', attributes: {} }); // ana is busy: it waits
    const depth = await points(METRICS.queueDepth);
    expect(
      depth.find((p) => p.attributes.queue === 'support' && p.attributes.partition === 'p1')?.value,
    ).toBe(1);
  });
});

describe('outbox relay and storage', () => {
  it('events added under a span keep its trace through the outbox; the relay records lag and logs failures', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
    const storage = instrumentStorage(createMemoryStorage(), { telemetry });
    const bus = instrumentBus(createInProcessEventBus(), { telemetry, system: 'in-process' });
    const consumed: EventEnvelope[] = [];
    bus.subscribe('case.opened', (e) => {
      consumed.push(e);
    });
    const ids = createIdGenerator({ clock, seed: 5 });
    const opened = createEvent(
      { clock, ids },
      { type: 'case.opened', aggregateType: 'case', aggregateId: 'c1', version: 1, payload: {} },
    );
    await telemetry.span('cases.openCase', () =>
      storage.documents.transaction(async (tx) => {
        await tx.outbox.add([opened]);
      }),
    );
    const command = exporter.getFinishedSpans().find((s) => s.name === 'cases.openCase');

    clock.advance(250);
    const logger = createMemoryLogger();
    const relay = createOutboxRelay({ storage, bus, clock, telemetry, logger });
    expect(await relay.tick()).toBe(1);
    // The event was stamped inside the transaction's span, a child of the command's.
    const transaction = exporter.getFinishedSpans().find((s) => s.name === 'memory documents.transaction');
    expect(transaction?.parentSpanContext?.spanId).toBe(command?.spanContext().spanId);
    expect(consumed[0]?.trace?.traceparent).toBe(
      `00-${command?.spanContext().traceId}-${transaction?.spanContext().spanId}-01`,
    );
    const consume = exporter.getFinishedSpans().find((s) => s.name === 'in-process consume case.opened');
    expect(consume?.parentSpanContext?.spanId).toBe(transaction?.spanContext().spanId);
    expect(exporter.getFinishedSpans().some((s) => s.name === 'outbox.relay publish')).toBe(true);
    const lag = (await points(METRICS.relayLag))[0]?.value as { count: number; sum: number } | undefined;
    expect(lag?.count).toBe(1);
    expect(lag?.sum).toBe(250);

    // A failing bus: counted, logged through the injected logger.
    const failing = createOutboxRelay({
      storage,
      bus: { publish: () => Promise.reject(new Error('bus down')) },
      clock,
      telemetry,
      logger,
      maxAttempts: 1,
    });
    await storage.outbox.add([
      createEvent(
        { clock, ids },
        { type: 'case.solved', aggregateType: 'case', aggregateId: 'c1', version: 2, payload: {} },
      ),
    ]);
    await failing.tick();
    expect(
      (await points(METRICS.relayFailures)).find((p) => p.attributes.outcome === 'dead_letter')?.value,
    ).toBe(1);
    expect(logger.records.map((r) => [r.level, r.message])).toEqual([
      ['error', 'outbox entry dead-lettered'],
      ['warn', 'outbox relay publish failed'],
    ]);
    expect(logger.records[0]?.fields.component).toBe('outbox-relay');
  });

  it('counts lease changes: acquired, renewed, released and lost', async () => {
    const clock = new ManualClock(0);
    const storage = instrumentStorage(createMemoryStorage({ clock }), { telemetry });
    const leases = storage.leases;
    if (!leases) throw new Error('memory storage has leases');
    const first = await leases.acquire('routing:p7', 1000, { owner: 'node-a' });
    await first?.renew();
    clock.advance(5000);
    const second = await leases.acquire('routing:p7', 1000, { owner: 'node-b' });
    await expect(first?.renew()).rejects.toMatchObject({ code: 'CONFLICT' });
    await second?.release();
    const changes = (await points(METRICS.leaseChanges)).filter((p) => p.attributes.lease === 'routing:p7');
    const value = (change: string) => changes.find((p) => p.attributes.change === change)?.value;
    expect([value('acquired'), value('renewed'), value('lost'), value('released')]).toEqual([2, 1, 1, 1]);
  });
});
