// The `telemetry` option: store calls in client spans, the active trace stamped into outbox rows.
import { PGlite } from '@electric-sql/pglite';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createEvent, createIdGenerator, createTelemetry, ManualClock } from '@threadline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const telemetry = createTelemetry({ api, tracer: provider.getTracer('pg-test') });

describe('PostgreSQL storage telemetry (PGlite)', () => {
  beforeAll(() => {
    api.context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(() => {
    contextManager.disable();
    api.context.disable();
  });

  it('records store calls as client spans and stamps outbox rows with the active trace', async () => {
    const client = new PGlite();
    const storage = createPostgresStorage({ client, telemetry });
    await storage.migrate();
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
    const event = createEvent(
      { clock, ids: createIdGenerator({ clock, seed: 3 }) },
      { type: 'case.opened', aggregateType: 'case', aggregateId: 'c1', version: 1, payload: {} },
    );
    await telemetry.span('cases.openCase', () =>
      storage.documents.transaction(async (tx) => {
        await tx.documents.put('cases', { id: 'c1', status: 'new' });
        await tx.outbox.add([event]);
      }),
    );
    const spans = exporter.getFinishedSpans();
    const command = spans.find((s) => s.name === 'cases.openCase');
    const transaction = spans.find((s) => s.name === 'postgresql documents.transaction');
    expect(transaction?.parentSpanContext?.spanId).toBe(command?.spanContext().spanId);
    expect(transaction?.kind).toBe(api.SpanKind.CLIENT);
    expect(transaction?.attributes['db.system.name']).toBe('postgresql');
    const [entry] = await storage.outbox.pending(10);
    expect(entry?.event.trace?.traceparent).toBe(
      `00-${command?.spanContext().traceId}-${transaction?.spanContext().spanId}-01`,
    );
    expect(exporter.getFinishedSpans().some((s) => s.name === 'postgresql outbox.pending')).toBe(true);
    expect(storage.schema).toBe('threadline'); // other members pass through
    await storage.close();
  });

  it('rejects a telemetry option of the wrong shape, naming the field', () => {
    expect(() => createPostgresStorage({ client: new PGlite(), telemetry: {} as never })).toThrow(
      /telemetry/,
    );
  });
});
