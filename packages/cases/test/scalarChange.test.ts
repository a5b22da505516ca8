import fc from 'fast-check';
import { enablePatches, freeze, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import type { Case } from '../src/case.js';
import { produceScalar, type ScalarChanges } from '../src/engine/change.js';

enablePatches();

const base: Case = freeze(
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
  },
  { requiredKeys: [] },
);

describe('scalar changes (the path without immer drafts)', () => {
  it('gives the version, frozen state and patches immer gives for the same assignments', () => {
    fc.assert(
      fc.property(changesArb, fc.constantFrom(1_000, 2_000), (fields, at) => {
        const [fast, patches, inverse] = produceScalar(base, at, fields);
        const [slow, slowPatches, slowInverse] = produceWithPatches(base, (d) => {
          d.updatedAt = at;
          Object.assign(d, fields);
          d.version += 1;
        });
        expect(fast).toEqual(slow);
        expect(Object.isFrozen(fast)).toBe(true);
        expect(fast.escalations).toBe(base.escalations);
        expect(patches).toEqual(slowPatches);
        expect(inverse).toEqual(slowInverse);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
