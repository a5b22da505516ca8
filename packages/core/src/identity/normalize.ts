import { ThreadlineError } from '../errors.js';
import type { IdentityKind } from '../schemas/identity.js';
import { normalizeEmail } from './email.js';
import { normalizePhone } from './phone.js';

export { normalizeEmail } from './email.js';
export { normalizePhone } from './phone.js';

/** Options for identity normalisation. */
export interface NormalizeOptions {
  /**
   * Country calling code (digits only, e.g. `'1'`, `'44'`) for phone numbers written without
   * one: its trunk prefix is dropped and its international prefix read (see `normalizePhone`).
   * Without it, such numbers are rejected.
   */
  defaultCountryCode?: string;
}

/** An identity value in canonical form, with the lookup key the store indexes. */
export interface NormalizedIdentityValue {
  kind: IdentityKind;
  /** Canonical value: lower-cased email (ASCII domain), E.164 phone, trimmed handle or id. */
  value: string;
  /** Provider namespace for `external_id`, `channel_handle` and `device` (default `'default'`). */
  namespace?: string;
  /** Lookup key, e.g. `email:ana@x.com`, `phone:+4915112345678`, `channel_handle:twitter:ana`. */
  key: string;
}

const NAMESPACED: ReadonlySet<IdentityKind> = new Set(['external_id', 'channel_handle', 'device']);
const NAMESPACE_RE = /^[A-Za-z0-9_.\-/]{1,100}$/;

function invalid(field: string, message: string, code = 'invalid_identity'): never {
  throw new ThreadlineError('VALIDATION', `Invalid identity ${field}: ${message}`, {
    issues: [{ path: [field], message, code }],
  });
}

/**
 * Normalises any identity and builds its lookup key. Emails and phones as `normalizeEmail` and
 * `normalizePhone` do; channel handles
 * are trimmed, lose a leading `@` and are lower-cased; external ids and devices are trimmed and
 * kept case-sensitive. Namespaced kinds get namespace `'default'` when none is given.
 *
 * @example
 * ```ts
 * normalizeIdentity({ kind: 'channel_handle', namespace: 'twitter', value: '@Ana' }).key;
 * // 'channel_handle:twitter:ana'
 * ```
 */
export function normalizeIdentity(
  input: { kind: IdentityKind; value: string; namespace?: string | undefined },
  options: NormalizeOptions = {},
): NormalizedIdentityValue {
  const { kind } = input;
  if (typeof input.value !== 'string') invalid('value', 'expected a string');
  switch (kind) {
    case 'email': {
      const value = normalizeEmail(input.value);
      return { kind, value, key: `email:${value}` };
    }
    case 'phone': {
      const value = normalizePhone(input.value, options);
      return { kind, value, key: `phone:${value}` };
    }
    case 'external_id':
    case 'channel_handle':
    case 'device': {
      const namespace = input.namespace ?? 'default';
      if (!NAMESPACE_RE.test(namespace)) {
        invalid('namespace', 'expected 1–100 letters, digits, "_", "-", "." or "/"');
      }
      let value = input.value.trim();
      if (kind === 'channel_handle') value = value.replace(/^@/, '').toLowerCase();
      if (value.length === 0 || value.length > 1000) invalid('value', 'expected 1–1000 characters');
      return { kind, value, namespace, key: `${kind}:${namespace}:${value}` };
    }
    default:
      return invalid('kind', `unknown identity kind ${JSON.stringify(kind)}`);
  }
}

/** True when identities of this kind carry a namespace in their key. */
export function isNamespacedKind(kind: IdentityKind): boolean {
  return NAMESPACED.has(kind);
}
