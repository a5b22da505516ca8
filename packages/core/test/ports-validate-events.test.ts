// The event checks on the storage write path: `validateOutboxEvents` (hand-written, zod only to
// explain a failure) accepts exactly what `EventEnvelopeSchema` accepts, and `validateAppend`'s
// payload check (a fast walk first, paths only on failure) rejects every non-JSON payload with
// its path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createEvent,
  createSequentialIds,
  EventEnvelopeSchema,
  isThreadlineError,
  ManualClock,
  validateAppend,
  validateOutboxEvents,
} from '../src/index.js';

const good = (i: number, payload: unknown = { n: i }) => ({
  id: `evt_${i}`,
  type: 'task.created',
  tenantId: 'default',
  aggregateId: `t${i}`,
  aggregateType: 'task',
  version: 1,
  occurredAt: 1_767_600_000_000 + i,
  payload,
});

function issuePaths(fn: () => void): string[] | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return e.issues.map((i) => i.path.join('.'));
    throw e;
  }
}

/** Envelope fields mutated into values that are sometimes valid and sometimes not. */
const fieldValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.constant('x'),
  fc.constant('a b'),
  fc.constant('task.created'),
  fc.constant('Task.Created'),
  fc.constant('x'.repeat(501)),
  fc.integer({ min: -2, max: 2 }),
  fc.constant(1.5),
  fc.constant(Number.NaN),
  fc.constant({ traceparent: 'tp' }),
  fc.constant({ traceparent: 1 }),
  fc.constant([]),
  fc.constant(['tp']),
);
const fieldName = fc.constantFrom(
  'id',
  'type',
  'tenantId',
  'aggregateId',
  'aggregateType',
  'version',
  'occurredAt',
  'causationId',
  'correlationId',
  'trace',
  'extra',
);

describe('validateOutboxEvents', () => {
  it('accepts well-formed envelopes and an empty array', () => {
    expect(issuePaths(() => validateOutboxEvents([]))).toBe('ok');
    expect(issuePaths(() => validateOutboxEvents([good(1), good(2)]))).toBe('ok');
  });

  it('names the path of a bad envelope and refuses a non-array', () => {
    const bad = { ...good(2), version: -1 };
    expect(issuePaths(() => validateOutboxEvents([good(1), bad]))).toEqual(['events.1.version']);
    expect(issuePaths(() => validateOutboxEvents({} as never))).toEqual(['events']);
  });

  it('agrees with EventEnvelopeSchema on mutated envelopes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 3 }), (edits) => {
        const e: Record<string, unknown> = good(1);
        for (const [k, v] of edits) {
          if (v === undefined) delete e[k];
          else e[k] = v;
        }
        const zodOk = EventEnvelopeSchema.safeParse(e).success;
        expect(issuePaths(() => validateOutboxEvents([e as never])) === 'ok').toBe(zodOk);
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});

describe('validateAppend payload check', () => {
  it('rejects a non-JSON value anywhere in the payload with its path (property)', () => {
    const bad = fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, new Date(0), () => 1, 1n);
    fc.assert(
      fc.property(
        fc.json(),
        bad,
        fc.array(fc.oneof(fc.string(), fc.nat(3)), { maxLength: 4 }),
        (j, b, route) => {
          const payload = JSON.parse(j) as unknown;
          // Plant the bad value at the end of a route of objects and arrays.
          const root: Record<string, unknown> = { keep: payload };
          let cur: unknown[] | Record<string, unknown> = root;
          const path: (string | number)[] = ['events', 0, 'payload'];
          // Each step nests a new container: an array for a numeric step, an object for a string one.
          for (const step of route) {
            const next: unknown[] | Record<string, unknown> = typeof step === 'number' ? [] : {};
            if (Array.isArray(cur)) {
              cur.push(next);
              path.push(cur.length - 1);
            } else {
              cur[`k${step}`] = next;
              path.push(`k${step}`);
            }
            cur = next;
          }
          if (Array.isArray(cur)) {
            cur.push(b);
            path.push(cur.length - 1);
          } else {
            cur.bad = b;
            path.push('bad');
          }
          const result = issuePaths(() => validateAppend('s1', [good(1, root)], undefined));
          expect(result).toEqual([path.join('.')]);
          // Without the planted value the same payload is accepted.
          expect(issuePaths(() => validateAppend('s1', [good(1, { keep: payload })], undefined))).toBe('ok');
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });

  it('rejects nesting deeper than 100 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 102; i++) deep = [deep];
    expect(issuePaths(() => validateAppend('s1', [good(1, deep)], undefined))).not.toBe('ok');
  });
});

describe('createEvent', () => {
  const deps = { clock: new ManualClock(1_767_600_000_000), ids: createSequentialIds() };
  const inputFields = ['type', 'aggregateId', 'aggregateType', 'version', 'tenantId', 'id', 'occurredAt'];

  it('accepts exactly the envelopes EventEnvelopeSchema accepts, with its paths (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...inputFields, 'causationId', 'correlationId', 'trace'), fieldValue),
          {
            maxLength: 3,
          },
        ),
        (edits) => {
          const input: Record<string, unknown> = {
            type: 'task.created',
            aggregateId: 't1',
            aggregateType: 'task',
            version: 1,
            payload: { n: 1 },
          };
          for (const [k, v] of edits) input[k] = v;
          const made = issuePaths(() => createEvent(deps, input as never));
          // The envelope createEvent builds from the input: defaults for absent fields.
          const envelope: Record<string, unknown> = {
            id: input.id ?? 'evt_x',
            type: input.type,
            tenantId: input.tenantId ?? 'default',
            aggregateId: input.aggregateId,
            aggregateType: input.aggregateType,
            version: input.version,
            occurredAt: input.occurredAt ?? 1,
            payload: input.payload,
          };
          for (const k of ['causationId', 'correlationId', 'trace'])
            if (input[k] !== undefined) envelope[k] = input[k];
          const zod = EventEnvelopeSchema.safeParse(envelope);
          if (zod.success) expect(made).toBe('ok');
          else expect(made).toEqual(zod.error.issues.map((i) => i.path.join('.')));
        },
      ),
      { seed: 15, numRuns: 500 },
    );
  });
});
