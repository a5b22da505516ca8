import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal: the pure planner is tested directly; it is not part of the public surface.
import { NEW_CUSTOMER, planResolution } from '../src/identity/plan.js';
import {
  compileIdentityConfig,
  type InboundIdentity,
  isBlockedValue,
  isThreadlineError,
  normalizeEmail,
  normalizeIdentity,
  normalizePhone,
  type OwnedIdentity,
  ruleFor,
} from '../src/index.js';

function expectValidation(fn: () => unknown, path?: string): void {
  try {
    fn();
  } catch (e) {
    expect(isThreadlineError(e, 'VALIDATION') || isThreadlineError(e, 'CONFIG')).toBe(true);
    if (path !== undefined && isThreadlineError(e)) expect(e.path?.join('.')).toBe(path);
    return;
  }
  throw new Error('expected a ThreadlineError');
}

describe('normalisation', () => {
  it('lower-cases and trims emails', () => {
    expect(normalizeEmail('  Ana.Lopez+x@Example.COM ')).toBe('ana.lopez+x@example.com');
    expect(normalizeEmail('mailto:a@b.co')).toBe('a@b.co');
  });

  it('rejects malformed emails with the value path', () => {
    for (const bad of ['', 'ana', 'a@@b.com', 'a b@c.com', '@x.com', 'a@', 'a@.com', 'a@x..com']) {
      expectValidation(() => normalizeEmail(bad), 'value');
    }
  });

  it('normalises phones to E.164', () => {
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('tel:+49-151-1234-5678')).toBe('+4915112345678');
    expect(normalizePhone('0151 1234 5678', { defaultCountryCode: '49' })).toBe('+4915112345678');
    expect(normalizePhone('+1 415 555 2671 ext. 42')).toBe('+14155552671');
    expect(normalizePhone('+33.1.23.45.67.89')).toBe('+33123456789');
  });

  it('rejects bad phones', () => {
    for (const bad of [
      '415 555 2671',
      '+1 415 CALL NOW',
      '++14155552671',
      '12+34567890',
      '+123',
      '+1234567890123456',
      '+0123456789',
    ]) {
      expectValidation(() => normalizePhone(bad), 'value');
    }
  });

  it('builds namespaced keys and lower-cases handles only', () => {
    expect(normalizeIdentity({ kind: 'channel_handle', namespace: 'twitter', value: ' @Ana ' }).key).toBe(
      'channel_handle:twitter:ana',
    );
    expect(normalizeIdentity({ kind: 'external_id', value: 'CRM-42' }).key).toBe(
      'external_id:default:CRM-42',
    );
    expect(normalizeIdentity({ kind: 'email', value: 'A@X.COM' }).key).toBe('email:a@x.com');
    expectValidation(() => normalizeIdentity({ kind: 'device', namespace: 'a:b', value: 'x' }), 'namespace');
    expectValidation(() => normalizeIdentity({ kind: 'external_id', value: '   ' }), 'value');
    expectValidation(() => normalizeIdentity({ kind: 'nope' as 'email', value: 'x' }), 'kind');
  });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const once = normalizeEmail(email);
        expect(normalizeEmail(once)).toBe(once);
      }),
      { seed: 7, numRuns: 200 },
    );
    // Phone idempotency: identity-normalize.test.ts (numbers valid for their country only).
  });
});

describe('identity configuration', () => {
  it('has default priorities external id > verified email > verified phone > handle', () => {
    const config = compileIdentityConfig();
    expect(config.rules.map((r) => r.kind)).toEqual(['external_id', 'email', 'phone', 'channel_handle']);
    expect(ruleFor(config, 'email', undefined)?.requireVerified).toBe(true);
    expect(ruleFor(config, 'device', 'default')).toBeUndefined();
    expect(config.limits.get('external_id')).toBe(1);
  });

  it('blocks shared addresses and test numbers', () => {
    const config = compileIdentityConfig();
    const blocked = (kind: 'email' | 'phone', value: string) =>
      isBlockedValue(config, normalizeIdentity({ kind, value }));
    expect(blocked('email', 'noreply@shop.com')).toBe(true);
    expect(blocked('email', 'No-Reply+abc@shop.com')).toBe(true);
    expect(blocked('email', 'mailer-daemon@mx.example.org')).toBe(true);
    expect(blocked('email', 'ana@shop.com')).toBe(false);
    expect(blocked('email', 'noreplyana@shop.com')).toBe(false);
    expect(blocked('phone', '+1 202 555 0142')).toBe(true);
    expect(blocked('phone', '+1 202 555 2671')).toBe(false);
    const custom = compileIdentityConfig({ blocked: [], blockedKeys: ['email:info@shop.com'] });
    expect(isBlockedValue(custom, normalizeIdentity({ kind: 'email', value: 'INFO@shop.com' }))).toBe(true);
    expect(isBlockedValue(custom, normalizeIdentity({ kind: 'email', value: 'noreply@shop.com' }))).toBe(
      false,
    );
  });

  it('rejects bad configuration with paths', () => {
    expectValidation(() => compileIdentityConfig({ blocked: [{ pattern: '(' }] }), 'blocked.0.pattern');
    expectValidation(() => compileIdentityConfig({ limits: { nonsense: 1 } }), 'limits.nonsense');
    expectValidation(() => compileIdentityConfig({ limits: { external_id: 0 } }), 'limits.external_id');
    expectValidation(() => compileIdentityConfig({ autoMerge: 'yes' } as never), 'autoMerge');
    expectValidation(() => compileIdentityConfig({ typo: true } as never));
  });

  it('prefers a namespace-specific rule', () => {
    const config = compileIdentityConfig({
      rules: [
        { kind: 'channel_handle', priority: 10, confidence: 0.5 },
        { kind: 'channel_handle', namespace: 'whatsapp', priority: 70, confidence: 0.85 },
      ],
    });
    expect(ruleFor(config, 'channel_handle', 'whatsapp')?.priority).toBe(70);
    expect(ruleFor(config, 'channel_handle', 'twitter')?.priority).toBe(10);
  });
});

const config = compileIdentityConfig();

function inbound(
  kind: InboundIdentity['kind'],
  value: string,
  verified = false,
  namespace?: string,
): InboundIdentity {
  const n = normalizeIdentity({ kind, value, namespace });
  return { ...n, verified, blocked: isBlockedValue(config, n), rule: ruleFor(config, kind, n.namespace) };
}

function owned(
  id: string,
  customerId: string,
  kind: InboundIdentity['kind'],
  value: string,
  verified = true,
): OwnedIdentity {
  const n = normalizeIdentity({ kind, value });
  return { id, customerId, ...n, verified };
}

function world(list: OwnedIdentity[]) {
  const owners = new Map(list.map((o) => [o.key, o]));
  const identitiesOf = new Map<string, OwnedIdentity[]>();
  for (const o of list) identitiesOf.set(o.customerId, [...(identitiesOf.get(o.customerId) ?? []), o]);
  return { owners, identitiesOf };
}

describe('planResolution', () => {
  it('creates a new customer when nothing matches', () => {
    const plan = planResolution({ inbound: [inbound('email', 'ana@x.com', true)], ...world([]), config });
    expect(plan.customerId).toBe(NEW_CUSTOMER);
    expect(plan.attach.map((i) => i.key)).toEqual(['email:ana@x.com']);
    expect(plan.confidence).toBe(0.9);
  });

  it('matches by the highest-priority rule and attaches new identities', () => {
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com')]);
    const plan = planResolution({
      inbound: [inbound('email', 'ana@x.com', true), inbound('phone', '+14155552671', true)],
      ...w,
      config,
    });
    expect(plan.customerId).toBe('c1');
    expect(plan.attach.map((i) => i.key)).toEqual(['phone:+14155552671']);
    expect(plan.touch).toEqual([{ id: 'i1', key: 'email:ana@x.com', verify: false }]);
  });

  it('does not match on an unverified email when the rule requires verification', () => {
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com')]);
    const plan = planResolution({ inbound: [inbound('email', 'ana@x.com', false)], ...w, config });
    expect(plan.customerId).toBe(NEW_CUSTOMER);
    expect(plan.ignored).toContainEqual({
      key: 'email:ana@x.com',
      reason: 'owned_by_other_customer',
      customerId: 'c1',
    });
    expect(plan.confidence).toBe(0.25);
  });

  it('never links through a blocked value', () => {
    const w = world([owned('i1', 'c1', 'email', 'noreply@x.com')]);
    const plan = planResolution({ inbound: [inbound('email', 'noreply@x.com', true)], ...w, config });
    expect(plan.customerId).toBe(NEW_CUSTOMER);
    expect(plan.attach).toEqual([]);
    expect(plan.ignored).toEqual([{ key: 'email:noreply@x.com', reason: 'blocked' }]);
  });

  it('merges two customers linked by one contact when limits hold', () => {
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com'), owned('i2', 'c2', 'phone', '+14155552671')]);
    const plan = planResolution({
      inbound: [inbound('email', 'ana@x.com', true), inbound('phone', '+14155552671', true)],
      ...w,
      config,
    });
    expect(plan.customerId).toBe('c1');
    expect(plan.merges).toEqual([{ customerId: 'c2', keys: ['phone:+14155552671'] }]);
    expect(plan.conflicts).toEqual([]);
  });

  it('records a conflict instead of merging two different external ids', () => {
    const w = world([
      owned('i1', 'c1', 'email', 'ana@x.com'),
      owned('e1', 'c1', 'external_id', 'A'),
      owned('i2', 'c2', 'phone', '+14155552671'),
      owned('e2', 'c2', 'external_id', 'B'),
    ]);
    const plan = planResolution({
      inbound: [inbound('email', 'ana@x.com', true), inbound('phone', '+14155552671', true)],
      ...w,
      config,
    });
    expect(plan.customerId).toBe('c1');
    expect(plan.merges).toEqual([]);
    expect(plan.conflicts).toHaveLength(1);
    expect(plan.conflicts[0]).toMatchObject({
      kind: 'limit_exceeded',
      customerIds: ['c1', 'c2'],
      limit: 'external_id',
    });
  });

  it('creates a new customer when a new external id contradicts weaker evidence', () => {
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com'), owned('e1', 'c1', 'external_id', 'A')]);
    const plan = planResolution({
      inbound: [inbound('external_id', 'B'), inbound('email', 'ana@x.com', true)],
      ...w,
      config,
    });
    expect(plan.customerId).toBe(NEW_CUSTOMER);
    expect(plan.attach.map((i) => i.key)).toEqual(['external_id:default:B']);
    expect(plan.conflicts[0]).toMatchObject({ kind: 'limit_exceeded', customerIds: ['c1', NEW_CUSTOMER] });
  });

  it('refuses to attach a second external id when it ranks below the evidence', () => {
    const custom = compileIdentityConfig({
      rules: [
        { kind: 'email', priority: 200, requireVerified: true, confidence: 0.9 },
        { kind: 'external_id', priority: 100, confidence: 0.99 },
      ],
    });
    const mk = (kind: InboundIdentity['kind'], value: string, verified = false): InboundIdentity => {
      const n = normalizeIdentity({ kind, value });
      return { ...n, verified, blocked: false, rule: ruleFor(custom, kind, n.namespace) };
    };
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com'), owned('e1', 'c1', 'external_id', 'A')]);
    const plan = planResolution({
      inbound: [mk('external_id', 'B'), mk('email', 'ana@x.com', true)],
      ...w,
      config: custom,
    });
    expect(plan.customerId).toBe('c1');
    expect(plan.attach).toEqual([]);
    expect(plan.ignored).toContainEqual({ key: 'external_id:default:B', reason: 'limit_exceeded' });
    expect(plan.conflicts[0]).toMatchObject({ kind: 'limit_exceeded', customerIds: ['c1'] });
  });

  it('asks for review instead of merging when autoMerge is off', () => {
    const manual = compileIdentityConfig({ autoMerge: false });
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com'), owned('i2', 'c2', 'phone', '+14155552671')]);
    const plan = planResolution({
      inbound: [inbound('email', 'ana@x.com', true), inbound('phone', '+14155552671', true)],
      ...w,
      config: manual,
    });
    expect(plan.merges).toEqual([]);
    expect(plan.conflicts[0]).toMatchObject({ kind: 'merge_review', customerIds: ['c1', 'c2'] });
  });

  it('dedupes inbound identities, verified wins', () => {
    const w = world([owned('i1', 'c1', 'email', 'ana@x.com', false)]);
    const plan = planResolution({
      inbound: [inbound('email', 'ANA@x.com', false), inbound('email', 'ana@x.com', true)],
      ...w,
      config,
    });
    expect(plan.customerId).toBe('c1');
    expect(plan.touch).toEqual([{ id: 'i1', key: 'email:ana@x.com', verify: true }]);
    expect(plan.ignored).toContainEqual({ key: 'email:ana@x.com', reason: 'duplicate' });
  });

  it('is deterministic whatever the inbound order, and never exceeds limits (property)', () => {
    const kinds = ['email', 'phone', 'external_id', 'channel_handle'] as const;
    const values: Record<(typeof kinds)[number], string[]> = {
      email: ['a@x.com', 'b@x.com', 'c@x.com'],
      phone: ['+14155550001', '+14155550002'],
      external_id: ['A', 'B', 'C'],
      channel_handle: ['h1', 'h2'],
    };
    const identityArb = fc.constantFrom(...kinds).chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        value: fc.constantFrom(...values[kind]),
        verified: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(identityArb, fc.constantFrom('c1', 'c2', 'c3')), { maxLength: 8 }),
        fc.array(identityArb, { minLength: 1, maxLength: 5 }),
        (storedList, inboundList) => {
          // Build a consistent world: one owner per key, at most one external id per customer.
          const stored: OwnedIdentity[] = [];
          const ext = new Set<string>();
          for (const [i, [s, customerId]] of storedList.entries()) {
            const n = normalizeIdentity(s);
            if (stored.some((o) => o.key === n.key)) continue;
            if (s.kind === 'external_id') {
              if (ext.has(customerId)) continue;
              ext.add(customerId);
            }
            stored.push({ id: `i${i}`, customerId, ...n, verified: s.verified });
          }
          const w = world(stored);
          const list = inboundList.map((x) => inbound(x.kind, x.value, x.verified));
          const a = planResolution({ inbound: list, ...w, config });
          const b = planResolution({ inbound: [...list].reverse(), ...w, config });
          expect(b.customerId).toBe(a.customerId);
          expect(b.merges).toEqual(a.merges);
          expect(b.attach.map((x) => x.key).sort()).toEqual(a.attach.map((x) => x.key).sort());
          // The resolved group never holds two external ids.
          const group = [
            ...(w.identitiesOf.get(a.customerId) ?? []),
            ...a.merges.flatMap((m) => w.identitiesOf.get(m.customerId) ?? []),
            ...a.attach,
          ];
          expect(
            new Set(group.filter((g) => g.kind === 'external_id').map((g) => g.key)).size,
          ).toBeLessThanOrEqual(1);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
