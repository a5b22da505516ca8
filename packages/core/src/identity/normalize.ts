import { ThreadlineError } from '../errors.js';
import type { IdentityKind } from '../schemas/identity.js';

/** Options for identity normalisation. */
export interface NormalizeOptions {
  /**
   * Country calling code (digits only, e.g. `'1'`, `'44'`) applied to phone numbers written in
   * national form (no `+` or `00` prefix). Without it, national numbers are rejected.
   */
  defaultCountryCode?: string;
}

/** An identity value in canonical form, with the lookup key the store indexes. */
export interface NormalizedIdentityValue {
  kind: IdentityKind;
  /** Canonical value: lower-cased email, E.164 phone, trimmed handle or id. */
  value: string;
  /** Provider namespace for `external_id`, `channel_handle` and `device` (default `'default'`). */
  namespace?: string;
  /** Lookup key, e.g. `email:ana@x.com`, `phone:+4915112345678`, `channel_handle:twitter:ana`. */
  key: string;
}

const NAMESPACED: ReadonlySet<IdentityKind> = new Set(['external_id', 'channel_handle', 'device']);
const NAMESPACE_RE = /^[A-Za-z0-9_.\-/]{1,100}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

function invalid(field: string, message: string, code = 'invalid_identity'): never {
  throw new ThreadlineError('VALIDATION', `Invalid identity ${field}: ${message}`, {
    issues: [{ path: [field], message, code }],
  });
}

/**
 * Normalises an email address: trims, lower-cases, requires exactly one `@` with non-empty local
 * part and domain, no whitespace. Plus-addressing and dots are kept (they are provider-specific).
 *
 * @example
 * ```ts
 * normalizeEmail('  Ana.Lopez@Example.COM '); // 'ana.lopez@example.com'
 * ```
 */
export function normalizeEmail(input: string): string {
  if (typeof input !== 'string') invalid('value', 'expected a string');
  const email = input
    .trim()
    .toLowerCase()
    .replace(/^mailto:/, '');
  if (email.length > 320 || !EMAIL_RE.test(email))
    invalid('value', `not an email address: ${JSON.stringify(input)}`);
  const domain = email.slice(email.indexOf('@') + 1);
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    invalid('value', `not an email domain: ${JSON.stringify(domain)}`);
  }
  return email;
}

/**
 * Normalises a phone number to E.164 (`+` and 8–15 digits): removes spaces, dashes, dots,
 * parentheses, `tel:` and a trailing extension (`ext. 12`, `x12`); `00` becomes `+`; a national
 * number (leading trunk `0` dropped) gets `defaultCountryCode`, and is rejected without one.
 *
 * @example
 * ```ts
 * normalizePhone('+1 (415) 555-2671'); // '+14155552671'
 * normalizePhone('0151 1234 5678', { defaultCountryCode: '49' }); // '+4915112345678'
 * ```
 */
export function normalizePhone(input: string, options: NormalizeOptions = {}): string {
  if (typeof input !== 'string') invalid('value', 'expected a string');
  let s = input.trim().toLowerCase().replace(/^tel:/, '');
  s = s.replace(/\s*(?:ext\.?|extension|x|#)\s*\d{1,6}$/, '');
  if (/[^0-9+\s\-.()/]/.test(s)) invalid('value', `not a phone number: ${JSON.stringify(input)}`);
  const plusCount = (s.match(/\+/g) ?? []).length;
  if (plusCount > 1 || (plusCount === 1 && !s.startsWith('+'))) {
    invalid('value', `misplaced "+" in phone number: ${JSON.stringify(input)}`);
  }
  const international = s.startsWith('+');
  let digits = s.replace(/\D/g, '');
  if (!international) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    else {
      const cc = options.defaultCountryCode;
      if (cc === undefined) {
        invalid(
          'value',
          `phone number ${JSON.stringify(input)} has no country code and no defaultCountryCode is set`,
        );
      }
      digits = cc + digits.replace(/^0+/, '');
    }
  }
  if (digits.startsWith('0')) invalid('value', `country code cannot start with 0: ${JSON.stringify(input)}`);
  if (digits.length < 8 || digits.length > 15) {
    invalid('value', `phone number must have 8 to 15 digits in E.164 form: ${JSON.stringify(input)}`);
  }
  return `+${digits}`;
}

/**
 * Normalises any identity and builds its lookup key. Emails and phones as above; channel handles
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
