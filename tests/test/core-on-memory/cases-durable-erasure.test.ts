import { createMemoryStorage } from '@threadline/adapter-memory';
import { CASES_COLLECTION, createCaseEngine, type SlaPolicyInput } from '@threadline/cases';
import {
  createErasureService,
  createSequentialIds,
  declaredCollections,
  listPersonalDataDeclarations,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const policies: SlaPolicyInput[] = [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }];
const PII = 'jane.doe@example.com';

describe('erasure reaches a durable case engine through its declaration', () => {
  it('case documents and audit streams hold no PII after erasure; a recovered engine and the live one keep working', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const cases = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies, storage });
    cases.openCase({
      id: 'c1',
      customerId: 'cust-1',
      subject: `Refund for ${PII}`,
      priority: 'normal',
      channel: 'email',
    });
    clock.advance(60_000);
    cases.update('c1', { subject: `Still waiting, ${PII}` }, { actor: 'agent-1' });
    cases.transition('c1', 'solved', { actor: 'agent-1' });
    cases.transition('c1', 'closed', { actor: 'agent-1' }); // leaves memory once committed
    cases.openCase({
      id: 'c2',
      customerId: 'cust-1',
      subject: `Invoice for ${PII}`,
      priority: 'normal',
      channel: 'email',
    });
    cases.openCase({
      id: 'c3',
      customerId: 'cust-2',
      subject: 'Other customer',
      priority: 'normal',
      channel: 'email',
    });
    await cases.flush();
    expect(cases.stats().evicted).toBe(1);

    // The erasure service finds the case collections from the engine's own declaration.
    const declarations = await listPersonalDataDeclarations(storage.documents);
    const erasure = createErasureService({
      store: storage.documents,
      events: storage.events,
      clock,
      ids: createSequentialIds(),
      registry: declaredCollections(declarations),
    });
    await erasure.eraseCustomer('cust-1', { actor: { id: 'dpo', roles: ['admin'] } });

    const docs = (await storage.documents.find(CASES_COLLECTION, { limit: 100 })).items;
    const deadlines = (await storage.documents.find('case_deadlines', { limit: 100 })).items;
    const streams = await storage.events.readAll({ limit: 10_000 });
    expect(JSON.stringify(docs)).not.toContain(PII);
    expect(JSON.stringify(deadlines)).not.toContain(PII);
    expect(JSON.stringify(streams)).not.toContain(PII);
    expect(JSON.stringify(docs)).toContain('Other customer');

    // The live engine adopts the erasure on its next change and never writes PII back.
    clock.advance(60_000);
    cases.recordMessage('c2', { author: 'agent', public: true });
    await cases.flush();
    const c2 = await storage.documents.get(CASES_COLLECTION, 'c2');
    expect(JSON.stringify(c2)).not.toContain(PII);
    expect(JSON.stringify(cases.getAudit('c2'))).not.toContain(PII);

    // A fresh engine recovers from the erased documents and streams.
    const fresh = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies, storage });
    await fresh.recover();
    expect(fresh.getCase('c2')?.subject).toBe('[erased]');
    expect(JSON.stringify(await fresh.readAudit('c1'))).not.toContain(PII);
    expect((await fresh.readCase('c1'))?.status).toBe('closed');
  });
});
