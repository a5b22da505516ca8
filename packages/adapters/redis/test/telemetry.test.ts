// Tracing on Redis Streams: a consumer on another connection continues the producer's trace;
// redeliveries are counted.
import { randomUUID } from 'node:crypto';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  createEvent,
  createIdGenerator,
  createTelemetry,
  type EventEnvelope,
  ManualClock,
} from '@threadline/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, type RedisEventBus } from '../src/index.js';

const URL = process.env.THREADLINE_REDIS_URL;
const prefix = `tlo_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const telemetry = createTelemetry({ api, tracer: provider.getTracer('redis-test') });
const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
const ids = createIdGenerator({ clock, seed: 17 });
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

const opened: RedisEventBus[] = [];
const open = (extra: Partial<Parameters<typeof createRedisEventBus>[0]> = {}) => {
  const bus = createRedisEventBus({
    url: URL as string,
    keyPrefix: prefix,
    discoveryIntervalMs: 20,
    telemetry,
    ...extra,
  });
  opened.push(bus);
  return bus;
};

describe('Redis bus telemetry', () => {
  beforeAll(() => {
    if (!URL) throw new Error('THREADLINE_REDIS_URL is not set: this suite needs a Redis server');
    api.context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    contextManager.disable();
    api.context.disable();
    if (!URL) return;
    const redis = new Redis(URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('a consumer on another connection continues the producer trace; a retried delivery is a second consumer span', async () => {
    const producer = open();
    const consumer = open({ group: 'sla', retryDelaysMs: [20], claimIntervalMs: 20 });
    const seen: EventEnvelope[] = [];
    consumer.subscribe('task.*', (e) => {
      seen.push(e);
      if (seen.length === 1) throw new Error('first attempt fails');
    });
    await consumer.ready();
    await telemetry.span('POST /webhooks/sms', () => producer.publish(event('task.created', 't1')), {
      kind: 'server',
    });
    await until(() => seen.length === 2, 'the retry');
    await until(() => consumer.stats().delivered === 1, 'the delivery');
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /webhooks/sms');
    const publish = spans.find((s) => s.name === 'redis publish');
    const consumes = spans.filter((s) => s.name === 'redis consume task.created');
    expect(publish?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(consumes).toHaveLength(2);
    for (const c of consumes) {
      expect(c.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(c.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    }
    expect(consumes.map((c) => c.attributes['messaging.delivery_count']).sort()).toEqual([1, 2]);
    expect(consumes.filter((c) => c.status.code === api.SpanStatusCode.ERROR)).toHaveLength(1);
    expect(consumer.stats().redelivered).toBe(1);
  });
});
