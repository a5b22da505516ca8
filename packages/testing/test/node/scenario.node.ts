// The testbed from node:test, with no vitest in sight: run by test/nodeTest.test.ts through
// `node --test` in a child process (and runnable by hand the same way).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestbed } from '../../src/index.js';

const policies = [
  { id: 'email', time: 'calendar' as const, targets: { first_reply: { normal: 3_600_000 } } },
];

test('an email nobody answers breaches its first reply after an hour', async () => {
  const tb = createTestbed({ policies });
  const contact = await tb.customerWrites({
    channel: 'email',
    from: { kind: 'email', value: 'li@example.com', verified: true },
    text: 'Where is my refund?',
  });
  tb.advance({ minutes: 59 });
  assert.equal(tb.events('sla.breached').length, 0);
  tb.advance({ minutes: 2 });
  assert.deepEqual(
    tb.events('sla.breached').map((e) => e.aggregateId),
    [contact.caseId],
  );
});

test('an agent who replies in time achieves it', async () => {
  const tb = createTestbed({ policies, roster: [{ id: 'ana', capacity: { email: 3 } }] });
  const contact = await tb.customerWrites({
    channel: 'email',
    from: { kind: 'email', value: 'li@example.com', verified: true },
    text: 'Where is my refund?',
  });
  assert.equal(tb.agentAccepts(contact), 'ana');
  tb.advance({ minutes: 30 });
  await tb.agentReplies(contact, 'It left our bank yesterday.');
  tb.solve(contact);
  tb.advance({ hours: 2 });
  assert.equal(tb.events('sla.breached').length, 0);
  assert.equal(tb.events('sla.achieved').length, 1);
});
