// `resolve`'s boundary check: the hand check of the common shapes accepts only what the zod
// schemas accept (and then uses the input as zod would return it), and a bad input still fails
// with zod's paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isThreadlineError } from '../src/errors.js';
import { IdentityListSchema, ResolveOptionsSchema } from '../src/identity/options.js';
import { parseResolveInput } from '../src/identity/resolveInput.js';

function outcome(fn: () => unknown): { ok: unknown } | { paths: string[] } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return { paths: e.issues.map((i) => i.path.join('.')) };
    throw e;
  }
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const text = fc.oneof(
  fc.constantFrom('', ' ', 'ana@example.com', '+4915112345678', 'a b', 'x'.repeat(36), 'x'.repeat(101)),
  fc.string({ maxLength: 4 }),
);
const odd = fc.constantFrom<unknown>(null, 1, true, [], ['x'], new Date(0), { nested: 1 });
const identity = fc.record(
  {
    kind: fc.oneof(fc.constantFrom('email', 'phone', 'external_id', 'channel_handle', 'device', 'fax'), odd),
    value: fc.oneof(text, fc.constant('v'.repeat(1001)), odd),
    verified: maybe(fc.oneof(fc.boolean(), odd)),
    namespace: maybe(fc.oneof(text, odd)),
    channel: maybe(fc.oneof(fc.constantFrom('email', 'chat', 'pigeon'), odd)),
    extra: maybe(fc.constant('x')),
  },
  { requiredKeys: [] },
);
const options = fc.record(
  {
    tenantId: maybe(fc.oneof(text, odd)),
    profile: maybe(
      fc.oneof(
        fc.record(
          {
            name: maybe(fc.oneof(text, odd)),
            locale: maybe(text),
            company: maybe(text),
            age: maybe(fc.nat()),
          },
          { requiredKeys: [] },
        ),
        odd,
      ),
    ),
    attributes: maybe(fc.oneof(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue()), odd)),
    touch: maybe(fc.oneof(fc.boolean(), odd)),
    correlationId: maybe(fc.oneof(text, odd)),
    actor: maybe(fc.oneof(fc.constant({ id: 'ops', roles: ['admin'] }), odd)),
    bogus: maybe(fc.constant(1)),
  },
  { requiredKeys: [] },
);

describe('resolve input check', () => {
  it('agrees with IdentityListSchema and ResolveOptionsSchema, paths included (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(identity, { minLength: 0, maxLength: 3 }), odd),
        fc.oneof(options, fc.constant(undefined)),
        (identities, opts) => {
          const got = outcome(() => parseResolveInput(identities, opts));
          const zodList = IdentityListSchema.safeParse(identities);
          const zodOpts = ResolveOptionsSchema.safeParse(opts);
          if (zodList.success && zodOpts.success) {
            expect('ok' in got).toBe(true);
            const ok = (got as { ok: { list: unknown; opts: unknown } }).ok;
            expect(ok.list).toEqual(zodList.data);
            expect(ok.opts).toEqual(zodOpts.data);
          } else {
            expect('paths' in got).toBe(true);
            const expected = zodList.success
              ? (zodOpts.error?.issues ?? []).map((i) => i.path.join('.'))
              : zodList.error.issues.map((i) => i.path.join('.'));
            expect((got as { paths: string[] }).paths).toEqual(expected);
          }
        },
      ),
      { seed: 15, numRuns: 1000 },
    );
  });

  it('uses plain inputs as they are (no copy) and sends an actor through zod', () => {
    const identities = [{ kind: 'email' as const, value: 'ana@example.com' }];
    const options = { profile: { name: 'Ana' }, attributes: { tier: 'gold' }, touch: false };
    const { list, opts } = parseResolveInput(identities, options);
    expect(list).toBe(identities);
    expect(opts).toBe(options);
    const withActor = { actor: { id: 'ops', roles: ['admin'] } };
    expect(parseResolveInput(identities, withActor).opts).not.toBe(withActor);
  });
});
