import { createMemoryStorage } from '@threadline/adapter-memory';
import { createCaseEngine, type SlaPolicyInput } from '@threadline/cases';
import { BusinessCalendar, createErasureService, createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9); // Monday 09:00 UTC
const calendars = {
  office: BusinessCalendar.from({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } }),
};
const policies: SlaPolicyInput[] = [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }];
const PII = 'jane.doe@example.com';

describe('erasure reaches the case engine', () => {
  it('a recordMessage after eraseCustomer never writes the erased subject back', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const cases = createCaseEngine({ clock, ids: createSequentialIds(), calendars, policies, storage });
    cases.openCase({
      id: 'c1',
      customerId: 'cust-1',
      subject: `Refund for ${PII}`,
      priority: 'normal',
      channel: 'email',
    });
    cases.openCase({
      id: 'c2',
      customerId: 'cust-2',
      subject: 'Other customer',
      priority: 'normal',
      channel: 'email',
    });
    await cases.flush();

    const erasure = createErasureService({
      store: storage.documents,
      clock,
      ids: createSequentialIds(),
      registry: [
        { collection: 'cases', match: { field: 'customerId' }, mode: 'anonymize', fields: ['subject'] },
      ],
    });
    await erasure.eraseCustomer('cust-1', { actor: { id: 'dpo', roles: ['admin'] } });
    const erased = await storage.documents.get('cases', 'c1', { tenantId: 'default' });
    expect(erased?.subject).toBe('[erased]');

    clock.advance(60_000);
    cases.recordMessage('c1', { author: 'agent', public: true });
    cases.recordMessage('c2', { author: 'agent', public: true });
    clock.advance(60_000);
    cases.recordMessage('c1', { author: 'customer', public: true });
    await cases.flush();

    const after = await storage.documents.get('cases', 'c1', { tenantId: 'default' });
    expect(after?.subject).toBe('[erased]');
    expect(JSON.stringify(after)).not.toContain(PII);
    expect(JSON.stringify(cases.getCase('c1'))).not.toContain(PII);
    // The engine kept its own change: the messages are in the stored state.
    expect(cases.getCase('c1')?.lastCustomerMessageAt).toBe(T0 + 120_000);
    expect(after?.lastCustomerMessageAt).toBe(T0 + 120_000);
    // Another customer's case is untouched.
    expect((await storage.documents.get('cases', 'c2', { tenantId: 'default' }))?.subject).toBe(
      'Other customer',
    );
  });
});
