import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngineEvent, createCaseEngine } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const H = 3_600_000;

function setup() {
  const clock = new ManualClock(T0);
  const store = createMemoryDocumentStore();
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies: [
      {
        id: 'default',
        targets: { first_reply: { normal: { hours: 1 } }, resolution: { normal: { hours: 24 } } },
      },
    ],
    store,
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  const open = (tenantId: string | undefined, id = 'c-1') =>
    engine.openCase({
      id,
      ...(tenantId === undefined ? {} : { tenantId }),
      customerId: 'cus-1',
      subject: `Refund for ${tenantId ?? 'default'}`,
      priority: 'normal',
      channel: 'email',
    });
  return { clock, store, engine, events, open };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isThreadlineError(e) ? e.code : 'not a ThreadlineError';
  }
  return undefined;
}

describe('tenancy', () => {
  it('keeps the same case id apart in two tenants', () => {
    const { engine, open } = setup();
    const a = open(undefined);
    const b = open('acme');
    expect(a.tenantId).toBe('default');
    expect(b.tenantId).toBe('acme');
    expect(engine.getCase('c-1')).toBe(a);
    expect(engine.getCase('c-1', { tenantId: 'default' })).toBe(a);
    expect(engine.getCase('c-1', { tenantId: 'acme' })).toBe(b);
    expect(engine.getCase('c-1', { tenantId: 'globex' })).toBeUndefined();
    expect(engine.stats().cases).toBe(2);
    // A duplicate id within one tenant is still a conflict.
    expect(codeOf(() => open('acme'))).toBe('CONFLICT');

    engine.transition('c-1', 'pending', { actor: 'a1', tenantId: 'acme' });
    expect(engine.getCase('c-1', { tenantId: 'acme' })?.status).toBe('pending');
    expect(engine.getCase('c-1')?.status).toBe('new');
    engine.setPriority('c-1', 'high', { actor: 'a1' });
    expect(engine.getCase('c-1')?.priority).toBe('high');
    expect(engine.getCase('c-1', { tenantId: 'acme' })?.priority).toBe('normal');
    expect(engine.getAudit('c-1', { tenantId: 'acme' }).map((e) => e.action)).toEqual([
      'case.opened',
      'case.status_changed',
    ]);
    expect(engine.getAudit('c-1').map((e) => e.action)).toEqual(['case.opened', 'case.priority_changed']);
  });

  it('is NOT_FOUND for a case id of another tenant, on every lookup', () => {
    const { engine, open } = setup();
    open('acme', 'only-acme');
    const id = 'only-acme';
    const ctx = { actor: 'a1' };
    const calls: [string, () => unknown][] = [
      ['getSla', () => engine.getSla(id)],
      ['getAudit', () => engine.getAudit(id, { tenantId: 'globex' })],
      ['transition', () => engine.transition(id, 'open', ctx)],
      ['reopen', () => engine.reopen(id, ctx)],
      ['assign', () => engine.assign(id, { assignee: 'a2' }, ctx)],
      ['setPriority', () => engine.setPriority(id, 'high', ctx)],
      ['update', () => engine.update(id, { subject: 'x' }, ctx)],
      ['recordMessage', () => engine.recordMessage(id, { author: 'agent', public: true })],
      ['acknowledgeEscalation', () => engine.acknowledgeEscalation(id, 'first_reply', ctx)],
      ['recompute', () => engine.recompute(id)],
      ['linkFollowUp', () => engine.linkFollowUp(id)],
    ];
    for (const [name, call] of calls) expect([name, codeOf(call)]).toEqual([name, 'NOT_FOUND']);
    expect(engine.getCase(id)).toBeUndefined();
    // The same calls reach the case with its tenant.
    expect(engine.getSla(id, { tenantId: 'acme' }).length).toBeGreaterThan(0);
    expect(engine.recompute(id, { tenantId: 'acme' }).metrics.length).toBeGreaterThan(0);
    engine.recordMessage(id, { author: 'agent', public: true }, { tenantId: 'acme' });
    expect(engine.getCase(id, { tenantId: 'acme' })?.status).toBe('open');
  });

  it('rejects a merge or a follow-up across tenants and changes nothing', () => {
    const { engine, open } = setup();
    open('acme', 'a-1');
    open('globex', 'g-1');
    const before = [
      engine.getCase('a-1', { tenantId: 'acme' }),
      engine.getCase('g-1', { tenantId: 'globex' }),
    ];
    expect(codeOf(() => engine.merge('a-1', 'g-1', { actor: 'a1', tenantId: 'acme' }))).toBe('NOT_FOUND');
    expect(codeOf(() => engine.merge('a-1', 'g-1', { actor: 'a1', tenantId: 'globex' }))).toBe('NOT_FOUND');
    expect(codeOf(() => engine.merge('a-1', 'g-1'))).toBe('NOT_FOUND');
    expect([
      engine.getCase('a-1', { tenantId: 'acme' }),
      engine.getCase('g-1', { tenantId: 'globex' }),
    ]).toEqual(before);

    engine.transition('a-1', 'solved', { actor: 'a1', tenantId: 'acme' });
    engine.transition('a-1', 'closed', { actor: 'a1', tenantId: 'acme' });
    expect(codeOf(() => engine.linkFollowUp('a-1', { tenantId: 'globex' }))).toBe('NOT_FOUND');
    const next = engine.linkFollowUp('a-1', { tenantId: 'acme', id: 'a-2' });
    expect(next).toMatchObject({ id: 'a-2', tenantId: 'acme', followUpOf: 'a-1' });
    expect(engine.getCase('a-2')).toBeUndefined();

    // Within one tenant a merge works as before.
    open('acme', 'a-3');
    const r = engine.merge('a-3', 'a-2', { actor: 'a1', tenantId: 'acme' });
    expect(r.source.mergedInto).toBe('a-2');
    expect(r.target.mergedFrom).toEqual(['a-3']);
  });

  it("stamps events and store documents with the case's tenant; deadlines fire per tenant", async () => {
    const { engine, open, events, store, clock } = setup();
    open(undefined);
    open('acme');
    clock.advance(2 * H);
    engine.advanceTo(clock.now());
    await engine.flush();
    const breaches = events.filter((e) => e.type === 'sla.breached');
    expect(breaches.map((e) => [e.tenantId, e.aggregateId])).toEqual([
      ['default', 'c-1'],
      ['acme', 'c-1'],
    ]);
    expect(new Set(events.map((e) => e.tenantId))).toEqual(new Set(['default', 'acme']));
    const inAcme = await store.get('cases', 'c-1', { tenantId: 'acme' });
    const inDefault = await store.get('cases', 'c-1');
    expect(inAcme?.subject).toBe('Refund for acme');
    expect(inDefault?.subject).toBe('Refund for default');
    expect((await store.get('cases', 'c-1', { tenantId: 'globex' })) === undefined).toBe(true);
  });

  it('validates the tenant option', () => {
    const { engine, open } = setup();
    open(undefined);
    expect(codeOf(() => engine.getCase('c-1', { tenantId: '' }))).toBe('VALIDATION');
    expect(codeOf(() => engine.getSla('c-1', { tenant: 'x' } as never))).toBe('VALIDATION');
    expect(codeOf(() => engine.transition('c-1', 'open', { actor: 'a', tenantId: 5 as never }))).toBe(
      'VALIDATION',
    );
    let err: unknown;
    try {
      engine.linkFollowUp('c-1', { tenantId: '' });
    } catch (e) {
      err = e;
    }
    expect(isThreadlineError(err, 'VALIDATION')).toBe(true);
    expect((err as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['tenantId']);
  });
});
