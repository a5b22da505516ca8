// The README example, kept runnable.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { ManualClock } from '@threadline/core';
import { expect, it } from 'vitest';
import { createRoutingEngine } from '../src/index.js';

it('runs the README example', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const engine = createRoutingEngine({
    clock,
    workflow: {
      queues: [
        { id: 'billing', workers: { skills: { billing: 1 } }, agingPerMinute: 0.5 },
        { id: 'french', expression: '"fr" IN worker.languages' },
        { id: 'general' },
      ],
      filters: [
        {
          name: 'billing',
          when: 'task.topic == "billing"',
          targets: [
            { queue: 'billing', requires: { skills: { billing: 7 } }, timeout: 60_000 },
            { queue: 'billing', timeout: { minutes: 3 } },
            { queue: 'billing', offers: 2 },
          ],
        },
        { name: 'french', match: { attributes: { language: 'fr' } }, targets: [{ queue: 'french' }] },
      ],
      defaultFilter: { targets: [{ queue: 'general' }] },
    },
  });

  engine.subscribe('reservation.created', (event) => {
    engine.acceptReservation(event.payload.reservationId);
  });

  engine.upsertWorker({
    id: 'ana',
    status: 'available',
    attributes: { skills: { billing: 8 }, languages: ['en', 'fr'] },
    capacity: { voice: { units: 3, weight: 3 }, chat: 3 },
    totalCapacity: 3,
  });

  engine.submitTask({ id: 'task-1', channel: 'chat', priority: 2, attributes: { topic: 'billing' } });
  expect(engine.getTask('task-1')?.workerId).toBe('ana');

  engine.submitTask({ id: 'task-2', channel: 'voice', attributes: { topic: 'billing' } });
  expect(engine.explainWaiting('task-2').summary).toBe('No eligible worker in queue billing: 1 capacity.');

  engine.completeTask('task-1', { wrapUpMs: 30_000 });
  clock.advance(30_000);
  engine.advanceTo(clock.now());
  expect(engine.getTask('task-2')?.workerId).toBe('ana');
});

it('runs the README durability example', async () => {
  const storage = createMemoryStorage();
  const clock = new ManualClock(0);
  const workflow = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };
  const engine = createRoutingEngine({ clock, workflow, storage, journal: { maxBatch: 500 } });
  const offers: string[] = [];
  engine.subscribe('reservation.created', (e) => offers.push(e.payload.reservationId));
  engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
  engine.submitTask({ id: 't1', channel: 'chat' });
  expect(offers.length).toBe(0);
  await engine.flush();
  expect(offers.length).toBe(1);
  const restarted = createRoutingEngine({ clock, workflow, storage });
  await restarted.recover();
  expect(restarted.getTask('t1')?.status).toBe('reserved');
});
