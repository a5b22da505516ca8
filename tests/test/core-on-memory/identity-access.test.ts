import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  type AuditEntry,
  createAccessControl,
  createIdentityService,
  createSequentialIds,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const supervisor = { id: 'sup-1', roles: ['supervisor'] };
const agent = { id: 'ag-1', roles: ['agent'] };
const bot = { id: 'bot-1', roles: ['bot'] };

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const ids = createSequentialIds();
  const denied: AuditEntry[] = [];
  const access = createAccessControl({ clock, ids, audit: { record: async (e) => void denied.push(e) } });
  const service = createIdentityService({ store: createMemoryDocumentStore(), clock, ids, access });
  return { service, denied };
}

async function forbidden(p: Promise<unknown>): Promise<void> {
  try {
    await p;
    expect.unreachable();
  } catch (e) {
    expect(isThreadlineError(e, 'FORBIDDEN')).toBe(true);
  }
}

describe('identity service behind access control', () => {
  it('lets a supervisor merge and unmerge, refuses an agent, audits the denial and changes nothing', async () => {
    const { service, denied } = setup();
    const a = await service.resolve([{ kind: 'email', value: 'ana@example.com', verified: true }]);
    const b = await service.resolve([{ kind: 'phone', value: '+4915123456789', verified: true }]);
    await forbidden(service.merge(a.customerId, b.customerId, { reason: 'same person', actor: agent }));
    expect(denied.map((d) => [d.action, d.outcome, d.actor.id])).toEqual([
      ['customer.merge', 'denied', 'ag-1'],
    ]);
    expect(await service.lookup({ kind: 'phone', value: '+4915123456789' })).toBe(b.customerId);

    const record = await service.merge(a.customerId, b.customerId, {
      reason: 'same person',
      actor: supervisor,
    });
    expect(await service.lookup({ kind: 'phone', value: '+4915123456789' })).toBe(a.customerId);
    await forbidden(service.unmerge(record.id, { actor: agent, reason: 'no' }));
    await service.unmerge(record.id, { actor: supervisor, reason: 'different people' });
    expect(await service.lookup({ kind: 'phone', value: '+4915123456789' })).toBe(b.customerId);
  });

  it('checks resolve, blocking and the actor tenant', async () => {
    const { service } = setup();
    await forbidden(service.resolve([{ kind: 'email', value: 'x@example.com' }], { actor: bot }));
    expect(await service.lookup({ kind: 'email', value: 'x@example.com' })).toBeUndefined();
    await service.resolve([{ kind: 'email', value: 'x@example.com' }], { actor: agent });
    await forbidden(service.setBlocked({ kind: 'email', value: 'info@shop.com' }, true, { actor: agent }));
    await forbidden(
      service.resolve([{ kind: 'email', value: 'y@example.com' }], {
        tenantId: 't2',
        actor: { ...supervisor, tenantId: 't1' },
      }),
    );
  });
});
