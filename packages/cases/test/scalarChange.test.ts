import fc from 'fast-check';
import { enablePatches, freeze, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import type { Case } from '../src/case.js';
import { CASE_KEYS, produceScalar, type ScalarChanges } from '../src/engine/change.js';

enablePatches();

const canonicalBase: Case = freeze(
  {
    id: 'case-1',
    tenantId: 'default',
    customerId: 'cus-1',
    subject: 'Refund',
    status: 'open',
    priority: 'normal',
    channel: 'email',
    type: null,
    team: null,
    assignee: null,
    attributes: { storm: false },
    customer: { tier: 'gold' },
    createdAt: 1_000,
    updatedAt: 1_000,
    version: 3,
    solvedAt: null,
    closedAt: null,
    reopenCount: 0,
    mergedInto: null,
    mergedFrom: [],
    followUpOf: null,
    followUps: [],
    escalations: [],
    lastCustomerMessageAt: null,
    lastAgentReplyAt: 1_000,
  },
  true,
);

const changesArb: fc.Arbitrary<ScalarChanges> = fc.record(
  {
    status: fc.constantFrom('open', 'pending', 'solved', 'closed' as const),
    priority: fc.constantFrom('low', 'normal', 'high', 'urgent' as const),
    assignee: fc.constantFrom(null, 'agent-1', 'agent-2'),
    team: fc.constantFrom(null, 'tier2'),
    solvedAt: fc.constantFrom(null, 1_000, 2_000),
    reopenCount: fc.integer({ min: 0, max: 2 }),
    lastCustomerMessageAt: fc.constantFrom(null, 1_000, 2_000),
    lastAgentReplyAt: fc.constantFrom(null, 1_000, 2_000),
    subject: fc.constantFrom('Refund', 'Lost bag'),
    type: fc.constantFrom(null, 'billing'),
    closedAt: fc.constantFrom(null, 2_000),
    mergedInto: fc.constantFrom(null, 'case-2'),
    followUpOf: fc.constantFrom(null, 'case-0'),
  },
  { requiredKeys: [] },
);

const { customerId, ...rest } = canonicalBase;
const reordered: Case = freeze({ ...rest, customerId }, true);

describe('scalar changes (the path without immer drafts)', () => {
  it('gives the version, frozen state and patches immer gives for the same assignments', () => {
    fc.assert(
      fc.property(changesArb, fc.constantFrom(1_000, 2_000), fc.boolean(), (fields, at, canonical) => {
        // A case in another key order (an older stored document) takes the general path.
        const base = canonical ? canonicalBase : reordered;
        const [fast, patches, inverse] = produceScalar(base, at, fields);
        const [slow, slowPatches, slowInverse] = produceWithPatches(base, (d) => {
          d.updatedAt = at;
          Object.assign(d, fields);
          d.version += 1;
        });
        expect(fast).toEqual(slow);
        expect(Object.keys(fast)).toEqual(Object.keys(slow));
        expect(Object.isFrozen(fast)).toBe(true);
        expect(fast.escalations).toBe(base.escalations);
        expect(patches).toEqual(slowPatches);
        expect(inverse).toEqual(slowInverse);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});

describe('case key order', () => {
  it('openCase creates the keys the fast path expects, in order', async () => {
    const { ManualClock } = await import('@threadline/core');
    const { createCaseEngine } = await import('../src/index.js');
    const engine = createCaseEngine({ clock: new ManualClock(1_000), calendars: {}, policies: [] });
    const c = engine.openCase({
      customerId: 'cus-1',
      subject: 'Refund',
      priority: 'normal',
      channel: 'email',
    });
    expect(Object.keys(c)).toEqual(CASE_KEYS);
    expect(Object.keys(canonicalBase)).toEqual(CASE_KEYS);
  });
});
