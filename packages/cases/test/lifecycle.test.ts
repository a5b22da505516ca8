import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import { applyPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { CASE_TRANSITIONS, type CaseEngineEvent, createCaseEngine } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const H = 3_600_000;

function setup() {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies: [{ id: 'default', targets: { resolution: { normal: { hours: 24 } } } }],
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  const open = () =>
    engine.openCase({ customerId: 'cus-1', subject: 'Refund', priority: 'normal', channel: 'email' });
  return { clock, engine, events, open };
}

describe('case lifecycle', () => {
  it('opens a case with defaults and an audit entry', () => {
    const { engine, open, events } = setup();
    const c = open();
    expect(c).toMatchObject({
      id: 'case-1',
      status: 'new',
      priority: 'normal',
      version: 1,
      team: null,
      createdAt: T0,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(engine.getAudit(c.id)).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['case.opened', 'sla.started']);
  });

  it('follows the explicit transition table and rejects illegal moves without changing anything', () => {
    const { engine, open } = setup();
    const c = open();
    engine.transition(c.id, 'open', { actor: 'a1' });
    engine.transition(c.id, 'pending', { actor: 'a1', reason: 'waiting on customer' });
    engine.transition(c.id, 'open', { actor: 'a1' });
    engine.transition(c.id, 'on_hold', { actor: 'a1' });
    engine.transition(c.id, 'solved', { actor: 'a1' });
    const before = engine.getCase(c.id);
    const auditLength = engine.getAudit(c.id).length;
    let err: unknown;
    try {
      engine.transition(c.id, 'pending', { actor: 'a1' });
    } catch (e) {
      err = e;
    }
    expect(isThreadlineError(err, 'ILLEGAL_TRANSITION')).toBe(true);
    expect(engine.getCase(c.id)).toBe(before);
    expect(engine.getAudit(c.id)).toHaveLength(auditLength);
    engine.transition(c.id, 'closed', { actor: 'a1' });
    expect(() => engine.transition(c.id, 'open', { actor: 'a1' })).toThrowError(
      /cannot move from closed to open/,
    );
    expect(CASE_TRANSITIONS.closed).toEqual([]);
  });

  it('audit patches replay every version of the case', () => {
    const { engine, open, clock } = setup();
    const c = open();
    clock.advance(1000);
    engine.assign(c.id, { assignee: 'agent-7', team: 'billing' }, { actor: 'lead', reason: 'billing' });
    clock.advance(1000);
    engine.setPriority(c.id, 'high', { actor: 'lead', reason: 'vip' });
    engine.transition(c.id, 'open', { actor: 'agent-7' });
    const audit = engine.getAudit(c.id);
    let state = audit[0]?.patches[0]?.value as object;
    for (const entry of audit.slice(1)) state = applyPatches(state, entry.patches as never);
    expect(state).toEqual(engine.getCase(c.id));
    // and back again with the inverse patches
    for (const entry of [...audit.slice(1)].reverse())
      state = applyPatches(state, entry.inversePatches as never);
    expect(state).toEqual(c);
    expect(audit.map((a) => [a.action, a.actor, a.reason])).toEqual([
      ['case.opened', 'system', null],
      ['case.assigned', 'lead', 'billing'],
      ['case.priority_changed', 'lead', 'vip'],
      ['case.status_changed', 'agent-7', null],
    ]);
  });

  it('reopens solved cases, not closed ones; follow-ups link to closed cases', () => {
    const { engine, open } = setup();
    const c = open();
    expect(() => engine.reopen(c.id, { actor: 'a' })).toThrowError(/only solved cases reopen/);
    engine.transition(c.id, 'solved', { actor: 'a' });
    const r = engine.reopen(c.id, { actor: 'cus-1', reason: 'still broken' });
    expect(r).toMatchObject({ status: 'open', reopenCount: 1, solvedAt: null });
    expect(() => engine.linkFollowUp(c.id)).toThrowError(/follow-ups link to closed cases/);
    engine.transition(c.id, 'solved', { actor: 'a' });
    engine.transition(c.id, 'closed', { actor: 'a' });
    const f = engine.linkFollowUp(c.id, { subject: 'Again' });
    expect(f).toMatchObject({ followUpOf: c.id, subject: 'Again', customerId: 'cus-1', status: 'new' });
    expect(engine.getCase(c.id)?.followUps).toEqual([f.id]);
  });

  it('merges duplicates: source closes, its SLA metrics are canceled', () => {
    const { engine, open, clock } = setup();
    const a = open();
    const b = open();
    clock.advance(H);
    const { source, target } = engine.merge(b.id, a.id, { actor: 'agent', reason: 'duplicate' });
    expect(source).toMatchObject({ status: 'closed', mergedInto: a.id });
    expect(target.mergedFrom).toEqual([b.id]);
    expect(engine.getSla(b.id)).toMatchObject([
      { metric: 'resolution', state: 'canceled', canceledAt: T0 + H },
    ]);
    expect(engine.getSla(a.id)).toMatchObject([{ metric: 'resolution', state: 'active' }]);
    expect(() => engine.merge(a.id, a.id)).toThrowError(/itself/);
    expect(() => engine.merge(a.id, b.id)).toThrowError(/closed/);
  });

  it('messages move statuses: agent reply opens a new case, customer reply reopens pending or solved', () => {
    const { engine, open } = setup();
    const c = open();
    expect(engine.recordMessage(c.id, { author: 'agent', public: true }).status).toBe('open');
    engine.transition(c.id, 'pending', { actor: 'a' });
    expect(engine.recordMessage(c.id, { author: 'customer', public: true }).status).toBe('open');
    engine.transition(c.id, 'solved', { actor: 'a' });
    const r = engine.recordMessage(c.id, { author: 'customer', public: true });
    expect(r).toMatchObject({ status: 'open', reopenCount: 1 });
    engine.transition(c.id, 'solved', { actor: 'a' });
    engine.transition(c.id, 'closed', { actor: 'a' });
    expect(() => engine.recordMessage(c.id, { author: 'customer', public: true })).toThrowError(/closed/);
  });

  it('rejects bad input with VALIDATION and the field path', () => {
    const { engine, open } = setup();
    const c = open();
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (isThreadlineError(e)) return { code: e.code, path: e.path };
        throw e;
      }
      throw new Error('expected a ThreadlineError');
    };
    expect(
      bad(() =>
        engine.openCase({ customerId: 'x', subject: 's', priority: 'meh', channel: 'email' } as never),
      ),
    ).toEqual({
      code: 'VALIDATION',
      path: ['priority'],
    });
    expect(
      bad(() => engine.openCase({ customerId: 'x', subject: 's', priority: 'low', channel: 'fax' } as never)),
    ).toEqual({
      code: 'VALIDATION',
      path: ['channel'],
    });
    expect(bad(() => engine.transition(c.id, 'done' as never, { actor: 'a' }))).toEqual({
      code: 'VALIDATION',
      path: [],
    });
    expect(bad(() => engine.transition(c.id, 'open', {} as never))).toEqual({
      code: 'VALIDATION',
      path: ['actor'],
    });
    expect(bad(() => engine.assign(c.id, {}, { actor: 'a' })).code).toBe('VALIDATION');
    expect(bad(() => engine.recordMessage(c.id, { author: 'alien', public: true } as never))).toEqual({
      code: 'VALIDATION',
      path: ['author'],
    });
    expect(bad(() => engine.getSla('nope'))).toEqual({ code: 'NOT_FOUND', path: undefined });
    expect(
      bad(() =>
        engine.openCase({ id: c.id, customerId: 'x', subject: 's', priority: 'low', channel: 'email' }),
      ).code,
    ).toBe('CONFLICT');
    expect(
      bad(() =>
        createCaseEngine({
          clock: new ManualClock(0),
          calendars: {},
          policies: [{ id: 'p', targets: { resolution: { low: { within: 1, time: 'business' } } } }],
        }),
      ),
    ).toEqual({ code: 'CONFIG', path: ['policies', 0, 'targets', 'resolution', 'low', 'calendar'] });
    expect(
      bad(() =>
        createCaseEngine({
          clock: new ManualClock(0),
          calendars: {},
          policies: [{ id: 'p', targets: {}, typo: 1 }],
        } as never),
      ),
    ).toEqual({
      code: 'CONFIG',
      path: [0],
    });
  });
});
