import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  type Actor,
  type AuditEntry,
  createAccessControl,
  createAuditTrail,
  createIdGenerator,
  DEFAULT_ACCESS_POLICY,
  isThreadlineError,
  ManualClock,
  ThreadlineError,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function setup(policy?: Parameters<typeof createAccessControl>[0]['policy']) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const ids = createIdGenerator({ clock, seed: 1 });
  const recorded: AuditEntry[] = [];
  const audit = { record: async (e: AuditEntry) => void recorded.push(e) };
  const access = createAccessControl({ clock, ids, audit, ...(policy ? { policy } : {}) });
  return { clock, ids, recorded, access };
}

const agent: Actor = { id: 'u-agent', roles: ['agent'], tenantId: 't1' };
const supervisor: Actor = { id: 'u-sup', roles: ['supervisor'], tenantId: 't1' };
const admin: Actor = { id: 'u-admin', roles: ['admin'], tenantId: 't1' };
const bot: Actor = { id: 'bot-1', roles: ['bot'], tenantId: 't1' };
const system: Actor = { id: 'system', roles: ['system'], tenantId: 't1' };
const customer = { type: 'customer', id: 'c1', tenantId: 't1' };

describe('access control: default roles', () => {
  it('grants each default role what the policy says', () => {
    const { access } = setup();
    const can = (a: Actor, action: string, type = 'customer') =>
      access.check(a, action, { type, id: 'x', tenantId: 't1' }).allowed;
    expect(can(agent, 'update')).toBe(true);
    expect(can(agent, 'erase')).toBe(false);
    expect(can(agent, 'merge')).toBe(false);
    expect(can(agent, 'read', 'audit')).toBe(false);
    expect(can(supervisor, 'merge')).toBe(true);
    expect(can(supervisor, 'update')).toBe(true); // inherited from agent and own grant
    expect(can(supervisor, 'erase')).toBe(false); // carved out of the supervisor's customer.*
    expect(can(supervisor, 'read', 'audit')).toBe(true);
    expect(can(admin, 'erase')).toBe(true);
    expect(can(system, 'anything.at.all', 'routing')).toBe(true);
    expect(can(bot, 'send', 'message')).toBe(true);
    expect(can(bot, 'update')).toBe(false);
    expect(can({ id: 'x', roles: ['nobody'], tenantId: 't1' }, 'read')).toBe(false);
  });

  it('a denial in one role does not cancel another role’s grant', () => {
    const { access } = setup();
    expect(access.check({ ...supervisor, roles: ['supervisor', 'admin'] }, 'erase', customer).allowed).toBe(
      true,
    );
    expect(access.check(supervisor, 'erase', customer).reason).toBe('denied_by_role');
    expect(access.check(agent, 'erase', customer).reason).toBe('no_permission');
  });

  it('denies and audits with FORBIDDEN', async () => {
    const { access, recorded } = setup();
    await expect(access.authorize(agent, 'update', customer)).resolves.toBeUndefined();
    expect(recorded).toEqual([]);
    const err = await access.authorize(agent, 'erase', customer).catch((e: unknown) => e);
    expect(isThreadlineError(err, 'FORBIDDEN')).toBe(true);
    expect((err as ThreadlineError).details).toMatchObject({
      permission: 'customer.erase',
      reason: 'no_permission',
    });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      tenantId: 't1',
      at: Date.UTC(2026, 0, 5, 9),
      actor: { id: 'u-agent', roles: ['agent'] },
      action: 'customer.erase',
      resource: { type: 'customer', id: 'c1' },
      outcome: 'denied',
      reason: 'no_permission',
    });
  });

  it('always denies a tenant mismatch, even for system and admin', async () => {
    const { access, recorded } = setup();
    for (const a of [system, admin]) {
      const d = access.check(a, 'read', { type: 'customer', id: 'c1', tenantId: 't2' });
      expect(d).toEqual({ allowed: false, permission: 'customer.read', reason: 'tenant_mismatch' });
    }
    // An actor without a tenant belongs to the default tenant.
    expect(access.check({ id: 'a', roles: ['admin'] }, 'read', { type: 'customer', id: 'c1' }).allowed).toBe(
      true,
    );
    expect(access.check({ id: 'a', roles: ['admin'] }, 'read', customer).allowed).toBe(false);
    await expect(access.authorize(admin, 'read', { ...customer, tenantId: 't2' })).rejects.toThrow(
      /tenant_mismatch/,
    );
    expect(recorded[0]?.tenantId).toBe('t2');
    expect(recorded[0]?.details).toEqual({ actorTenantId: 't1' });
  });

  it('can audit allowed decisions too', async () => {
    const clock = new ManualClock(0);
    const recorded: AuditEntry[] = [];
    const access = createAccessControl({
      clock,
      ids: createIdGenerator({ clock, seed: 2 }),
      audit: { record: async (e) => void recorded.push(e) },
      auditAllowed: true,
    });
    await access.authorize(admin, 'erase', customer);
    expect(recorded.map((e) => e.outcome)).toEqual(['allowed']);
  });

  it('tenant mismatch is denied for every role and action (property)', () => {
    const { access } = setup();
    const roles = Object.keys(DEFAULT_ACCESS_POLICY.roles);
    fc.assert(
      fc.property(
        fc.subarray(roles),
        fc.constantFrom('read', 'update', 'erase', 'send'),
        fc.constantFrom('t1', 't2', 'default'),
        fc.constantFrom('t1', 't2', 'default'),
        (rs, action, ta, tr) => {
          const d = access.check({ id: 'a', roles: rs, tenantId: ta }, action, {
            type: 'customer',
            id: 'c',
            tenantId: tr,
          });
          if (ta !== tr) expect(d.reason).toBe('tenant_mismatch');
          if (rs.length === 0) expect(d.allowed).toBe(false);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe('access control: configurable policy', () => {
  it('accepts a custom policy with wildcards and inheritance', () => {
    const { access } = setup({
      roles: {
        viewer: { allow: ['*.read'] },
        editor: { inherits: ['viewer'], allow: ['case.*'], deny: ['case.delete'] },
      },
    });
    const ed: Actor = { id: 'e', roles: ['editor'], tenantId: 't1' };
    expect(access.check(ed, 'read', customer).allowed).toBe(true);
    expect(access.check(ed, 'transition', { type: 'case', id: 'k', tenantId: 't1' }).allowed).toBe(true);
    expect(access.check(ed, 'delete', { type: 'case', id: 'k', tenantId: 't1' }).allowed).toBe(false);
    expect(access.check(ed, 'update', customer).allowed).toBe(false);
    expect(access.permissionsOf('editor')).toEqual({ allow: ['*.read', 'case.*'], deny: ['case.delete'] });
    expect(access.permissionsOf('ghost')).toBeUndefined();
    // `*` in the middle matches exactly one segment; a trailing `*` one or more.
    expect(access.check(ed, 'sla.read', { type: 'case', id: 'k', tenantId: 't1' }).allowed).toBe(true);
  });

  it('rejects bad policies with CONFIG errors naming the path', () => {
    const bad = [
      [{ roles: { a: { allow: ['Customer.Read'] } } }, ['roles', 'a', 'allow', 0]],
      [{ roles: { a: { alow: ['x'] } } }, ['roles', 'a']],
      [{ roles: { a: { inherits: ['b'] } } }, ['roles', 'a', 'inherits', 0]],
      [{ roles: { a: { inherits: ['b'] }, b: { inherits: ['a'] } } }, ['roles', 'b', 'inherits', 0]],
    ] as const;
    for (const [policy, path] of bad) {
      try {
        setup(policy as never);
        expect.unreachable();
      } catch (e) {
        expect(isThreadlineError(e, 'CONFIG'), JSON.stringify(policy)).toBe(true);
        expect((e as ThreadlineError).path).toEqual(path);
      }
    }
  });

  it('rejects bad actors, actions and resources with VALIDATION', () => {
    const { access } = setup();
    expect(() => access.check({ id: '', roles: [] }, 'read', customer)).toThrow(ThreadlineError);
    expect(() => access.check(agent, 'Read Me', customer)).toThrow(ThreadlineError);
    try {
      access.check(agent, 'read', { type: 'Customer', id: 'c' });
      expect.unreachable();
    } catch (e) {
      expect((e as ThreadlineError).path).toEqual(['type']);
    }
  });
});

describe('audit trail on the DocumentStore port', () => {
  function trail() {
    const clock = new ManualClock(Date.UTC(2026, 0, 5));
    const ids = createIdGenerator({ clock, seed: 3 });
    const store = createMemoryDocumentStore();
    return { clock, ids, store, audit: createAuditTrail({ store, clock, ids }) };
  }

  it('appends entries and queries them by resource, actor and action through indexes', async () => {
    const { clock, audit } = trail();
    const a = await audit.append({
      actor: { id: 'u1', roles: ['agent'] },
      action: 'customer.updated',
      resource: { type: 'customer', id: 'c1' },
      before: { version: 1 },
      after: { version: 2 },
    });
    clock.advance(1000);
    await audit.append({
      actor: { id: 'u2', roles: ['admin'] },
      action: 'customer.erased',
      resource: { type: 'customer', id: 'c1' },
    });
    await audit.append({
      actor: { id: 'u1', roles: ['agent'] },
      action: 'case.opened',
      resource: { type: 'case', id: 'k1' },
    });
    await audit.append({
      tenantId: 't2',
      actor: { id: 'u1', roles: ['agent'] },
      action: 'case.opened',
      resource: { type: 'case', id: 'k1' },
    });

    expect(a).toMatchObject({ tenantId: 'default', at: Date.UTC(2026, 0, 5), outcome: 'allowed' });
    const byRes = await audit.byResource({ type: 'customer', id: 'c1' });
    expect(byRes.items.map((e) => e.action)).toEqual(['customer.updated', 'customer.erased']);
    expect(byRes.items[0]).toMatchObject({ before: { version: 1 }, after: { version: 2 } });
    expect(byRes.items[0]).not.toHaveProperty('resourceKey');
    expect((await audit.byActor('u1')).items.map((e) => e.action)).toEqual([
      'customer.updated',
      'case.opened',
    ]);
    expect((await audit.byActor('u1', { tenantId: 't2' })).items).toHaveLength(1);
    expect((await audit.byAction('customer.erased')).items.map((e) => e.actor.id)).toEqual(['u2']);
    const page1 = await audit.byActor('u1', { limit: 1 });
    const page2 = await audit.byActor('u1', { limit: 1, cursor: page1.nextCursor as string });
    expect([...page1.items, ...page2.items].map((e) => e.action)).toEqual([
      'customer.updated',
      'case.opened',
    ]);
    expect(await audit.get(a.id)).toMatchObject({ id: a.id, action: 'customer.updated' });
  });

  it('is an AuditSink for access control: denials land in the trail', async () => {
    const { clock, ids, audit } = trail();
    const access = createAccessControl({ clock, ids, audit });
    await expect(access.authorize(agent, 'erase', customer)).rejects.toThrow(ThreadlineError);
    const denied = await audit.byActor('u-agent', { tenantId: 't1' });
    expect(denied.items.map((e) => [e.action, e.outcome])).toEqual([['customer.erase', 'denied']]);
  });

  it('treats re-recording the same entry as a no-op and a different one under the same id as a conflict', async () => {
    const { audit } = trail();
    const entry: AuditEntry = {
      id: 'e1',
      tenantId: 'default',
      at: 1,
      actor: { id: 'u', roles: [] },
      action: 'x.done',
      resource: { type: 'x', id: '1' },
      outcome: 'allowed',
    };
    await audit.record(entry);
    await audit.record({ ...entry });
    await expect(audit.record({ ...entry, action: 'x.undone' })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'CONFLICT'),
    );
    expect((await audit.byResource({ type: 'x', id: '1' })).items).toHaveLength(1);
  });

  it('rejects malformed entries with VALIDATION and a path', async () => {
    const { audit } = trail();
    const err = await audit
      .append({ actor: { id: 'u', roles: [] }, action: 'Bad Action', resource: { type: 'x', id: '1' } })
      .catch((e: unknown) => e);
    expect(isThreadlineError(err, 'VALIDATION')).toBe(true);
    expect((err as ThreadlineError).path).toEqual(['action']);
  });
});
