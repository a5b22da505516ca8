import type { z } from 'zod';
import { parseInput } from '../errors.js';
import { CHANNELS } from '../schemas/channel.js';
import { IDENTITY_KINDS } from '../schemas/identity.js';
import { IdentityListSchema, ResolveOptionsSchema } from './options.js';

const KINDS: ReadonlySet<unknown> = new Set(IDENTITY_KINDS);
const CHANNEL_NAMES: ReadonlySet<unknown> = new Set(CHANNELS);
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['kind', 'value', 'verified', 'namespace', 'channel']);
const OPTION_KEYS: ReadonlySet<string> = new Set([
  'tenantId',
  'actor',
  'profile',
  'attributes',
  'touch',
  'correlationId',
]);
/** Profile fields and their maximum lengths (`CustomerSchema.shape.profile`). */
const PROFILE_MAX: ReadonlyMap<string, number> = new Map([
  ['name', 500],
  ['locale', 35],
  ['timeZone', 100],
  ['company', 500],
]);
const WHITESPACE = /\s/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const optionalString = (v: unknown, min: number, max: number) =>
  v === undefined || (typeof v === 'string' && v.length >= min && v.length <= max);

function isPlainIdentity(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const k in v) if (!IDENTITY_KEYS.has(k)) return false;
  return (
    KINDS.has(v.kind) &&
    typeof v.value === 'string' &&
    v.value.length >= 1 &&
    v.value.length <= 1000 &&
    (v.verified === undefined || typeof v.verified === 'boolean') &&
    optionalString(v.namespace, 1, 100) &&
    (v.channel === undefined || CHANNEL_NAMES.has(v.channel))
  );
}

function isPlainOptions(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const k in v) if (!OPTION_KEYS.has(k)) return false;
  // An actor goes through zod (rare on the hot path: the service's system actor is the default).
  if (v.actor !== undefined) return false;
  const t = v.tenantId;
  if (t !== undefined && (typeof t !== 'string' || t.length < 1 || t.length > 200 || WHITESPACE.test(t)))
    return false;
  if (!optionalString(v.correlationId, 1, Number.POSITIVE_INFINITY)) return false;
  if (v.touch !== undefined && typeof v.touch !== 'boolean') return false;
  if (v.attributes !== undefined && !isPlainObject(v.attributes)) return false;
  const profile = v.profile;
  if (profile !== undefined) {
    if (!isPlainObject(profile)) return false;
    for (const k in profile) {
      const max = PROFILE_MAX.get(k);
      if (max === undefined || !optionalString(profile[k], 0, max)) return false;
    }
  }
  return true;
}

/**
 * The identities and options of `resolve`, validated once at the service's boundary. The common
 * shapes (plain identities; options without an actor) are checked by hand against the rules of
 * `IdentityListSchema` and `ResolveOptionsSchema` and used as they are — `resolve` only reads them
 * and copies what it stores. Anything else goes through zod, which also explains a bad input with
 * its paths (`identities.0.kind`, `resolve options.profile.name` …).
 */
export function parseResolveInput(
  identities: unknown,
  options: unknown,
): { list: z.output<typeof IdentityListSchema>; opts: z.output<typeof ResolveOptionsSchema> } {
  if (Array.isArray(identities) && identities.length >= 1 && identities.length <= 100) {
    let plain = isPlainOptions(options);
    for (let i = 0; plain && i < identities.length; i++) plain = isPlainIdentity(identities[i]);
    if (plain)
      return {
        list: identities as z.output<typeof IdentityListSchema>,
        opts: options as z.output<typeof ResolveOptionsSchema>,
      };
  }
  return {
    list: parseInput(IdentityListSchema, identities, 'identities'),
    opts: parseInput(ResolveOptionsSchema, options, 'resolve options'),
  };
}
