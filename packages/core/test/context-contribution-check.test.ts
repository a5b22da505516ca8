// The hand checks of provider contributions and `getContext` options accept only what their zod
// schemas accept and return zod's output (same values, same key order, fresh objects); anything
// they refuse goes to zod, so VALIDATION errors and their paths are unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GetContextOptionsSchema, plainContextOptions } from '../src/context/assembler.js';
import { plainContribution } from '../src/context/contributionCheck.js';
import { ContextContributionSchema } from '../src/context/schema.js';

const T0 = Date.UTC(2026, 0, 5, 9);

const odd = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  'a b',
  'x'.repeat(2001),
  'x'.repeat(501),
  0,
  -1,
  0.5,
  1,
  1.5,
  101,
  T0,
  2 ** 60,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  [],
  {},
  new Date(0),
  'sentiment',
  'health',
  'open',
);

function validContribution(): Record<string, unknown> {
  return {
    cases: {
      open: [
        {
          id: 'case-1',
          tenantId: 'default',
          status: 'open',
          subject: 'Refund',
          priority: 'high',
          openedAt: T0,
        },
      ],
      recent: [{ id: 'case-0', tenantId: 'default', status: 'closed', openedAt: T0 - 5, updatedAt: T0 - 1 }],
    },
    lastAgents: [{ agentId: 'a-1', conversationId: 'conv-1', at: T0 }],
    signals: {
      sentimentTrend: [
        { id: 's-1', kind: 'sentiment', value: -0.4, label: 'negative', confidence: 0.7, observedAt: T0 },
      ],
      health: { id: 'cus-1:health', kind: 'health', value: 62, label: 'fair', observedAt: T0 },
      latest: [],
    },
  };
}

const paths = [
  'cases',
  'cases.open',
  'cases.recent',
  'cases.other',
  'cases.open.0.id',
  'cases.open.0.tenantId',
  'cases.open.0.status',
  'cases.open.0.subject',
  'cases.open.0.priority',
  'cases.open.0.openedAt',
  'cases.recent.0.updatedAt',
  'cases.open.0.extra',
  'lastAgents',
  'lastAgents.0.agentId',
  'lastAgents.0.at',
  'signals',
  'signals.sentimentTrend',
  'signals.sentimentTrend.0.kind',
  'signals.sentimentTrend.0.value',
  'signals.sentimentTrend.0.label',
  'signals.sentimentTrend.0.confidence',
  'signals.sentimentTrend.0.observedAt',
  'signals.health',
  'signals.health.id',
  'signals.latest',
  'section',
  'extra',
] as const;

function mutate(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = doc;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null) return;
    cur = next as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (value === '<delete>') delete cur[last];
  else cur[last] = value;
}

describe('context hand checks', () => {
  it('plainContribution returns what ContextContributionSchema outputs, or leaves it to zod (property)', () => {
    let hand = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(odd, fc.constant('<delete>'))), {
          maxLength: 3,
        }),
        (mutations) => {
          const doc = validContribution();
          for (const [path, value] of mutations) mutate(doc, path, value);
          const mine = plainContribution(doc);
          if (mine === undefined) return;
          hand++;
          const theirs = ContextContributionSchema.safeParse(doc);
          expect(theirs.success).toBe(true);
          expect(mine).toEqual(theirs.data);
          expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs.data));
          expect(Object.keys(mine)).toEqual(Object.keys(theirs.data as object));
          if (doc.cases !== undefined) expect(mine.cases).not.toBe(doc.cases);
        },
      ),
      { seed: 15, numRuns: 3000 },
    );
    expect(hand).toBeGreaterThan(300);
  });

  it('getContext options: the hand check agrees with GetContextOptionsSchema (property)', () => {
    const keys = [
      'tenantId',
      'recentConversations',
      'recentWithinMs',
      'messagesPerConversation',
      'includeInternalNotes',
      'lastAgents',
      'sentimentPoints',
      'providers',
      'failOnProviderError',
      'at',
      'other',
    ];
    const value = fc.oneof(
      odd,
      fc.integer({ min: -2, max: 600 }),
      fc.boolean(),
      fc.constantFrom('t-1', ['cases']),
    );
    let hand = 0;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), (options) => {
        const mine = plainContextOptions(options);
        if (mine === undefined) return;
        hand++;
        const theirs = GetContextOptionsSchema.safeParse(options);
        expect(theirs.success).toBe(true);
        expect(mine).toEqual(theirs.data);
        expect(mine).not.toBe(options);
      }),
      { seed: 15, numRuns: 3000 },
    );
    expect(hand).toBeGreaterThan(100);
  });
});
