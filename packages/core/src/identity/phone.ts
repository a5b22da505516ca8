import {
  type CountryCode,
  Metadata,
  type MetadataJson,
  ParseError,
  type PhoneNumber,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/core';
// The `min` metadata holds everything parsing needs (calling codes, international and national
// prefixes, trunk-prefix rules, possible lengths) at about half the size of `max`, which adds
// per-type patterns used only for `isValid()`/`getNumberType()` — checks we deliberately do not
// make (see `normalizePhone`).
import metadataJson from 'libphonenumber-js/min/metadata';
import { ThreadlineError } from '../errors.js';

const metadata = metadataJson as MetadataJson;

/** Options for phone normalisation. */
export interface PhoneNormalizeOptions {
  /**
   * Country calling code (digits only, e.g. `'1'`, `'44'`) for numbers written without one: it
   * decides the trunk prefix to drop and the international prefix (`00`, `011`, …) to read.
   */
  defaultCountryCode?: string | undefined;
}

function invalidPhone(input: string, message: string, code: string): never {
  throw new ThreadlineError('VALIDATION', `Invalid identity value: ${message}: ${JSON.stringify(input)}`, {
    issues: [{ path: ['value'], message: `${message}: ${JSON.stringify(input)}`, code }],
  });
}

// Separators people and systems write between digits; `(…)` around a trunk prefix or a country
// code carries no meaning once removed, because the parser below handles `+44 0 20…` itself.
const SEPARATORS = /[\s\-.()/]/g;
const EXTENSION = /\s*(?:ext\.?|extension|x|#)\s*\d{1,6}$/;

/**
 * Per calling code: when a number written `+<cc><national>` is already canonical. The full parse
 * costs 10–40 µs (it works out the region among e.g. the 25 countries sharing `+1`), which would
 * dominate an indexed lookup; for the common case — E.164 in, E.164 out — these facts decide it
 * without parsing. They are the intersection over every region sharing the code, so the shortcut
 * is taken only when the full parse cannot disagree (`test/identity-normalize.test.ts` checks
 * this equivalence).
 */
interface CanonicalRule {
  /** National-number lengths possible in every region with this calling code. */
  lengths: ReadonlySet<number>;
  /** Matches a national number starting with a prefix any of those regions strips in parsing. */
  prefix: RegExp | undefined;
}

/** The slice of libphonenumber's numbering-plan object the shortcut reads. */
interface NumberingPlanView {
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
}

const canonicalRules = new Map<string, CanonicalRule | null>();
const CALLING_CODES: ReadonlySet<string> = new Set(Object.keys(metadata.country_calling_codes));
/** Already compact E.164 — the form channels deliver and the store holds. */
const COMPACT_E164 = /^\+[1-9]\d{6,14}$/;

function canonicalRule(callingCode: string): CanonicalRule | null {
  let rule = canonicalRules.get(callingCode);
  if (rule !== undefined) return rule;
  rule = null;
  const regions = metadata.country_calling_codes[callingCode];
  if (regions && regions.length > 0) {
    const view = new Metadata(metadata) as unknown as {
      selectNumberingPlan(country: string): void;
      numberingPlan?: NumberingPlanView;
    };
    let lengths: Set<number> | undefined;
    // The 25 regions sharing +1 all strip `1`: one alternation of distinct prefixes keeps the
    // check to a single regex test.
    const prefixes = new Set<string>();
    for (const region of regions) {
      view.selectNumberingPlan(region);
      const plan = view.numberingPlan;
      const possible = plan?.possibleLengths();
      // Metadata in an unexpected shape: no shortcut, always parse.
      if (!plan || !Array.isArray(possible) || possible.length === 0) {
        lengths = new Set();
        break;
      }
      lengths = lengths ? new Set([...lengths].filter((l) => possible.includes(l))) : new Set(possible);
      const prefix = plan.nationalPrefixForParsing();
      if (prefix) prefixes.add(`(?:${prefix})`);
    }
    if (lengths && lengths.size > 0) {
      rule = {
        lengths,
        prefix: prefixes.size > 0 ? new RegExp(`^(?:${[...prefixes].join('|')})`) : undefined,
      };
    }
  }
  canonicalRules.set(callingCode, rule);
  return rule;
}

/** `digits` (no `+`) when it is certainly the canonical E.164 number, else `undefined`. */
function alreadyCanonical(digits: string): string | undefined {
  for (let ccLength = 1; ccLength <= 3; ccLength++) {
    const cc = digits.slice(0, ccLength);
    if (!CALLING_CODES.has(cc)) continue;
    const rule = canonicalRule(cc);
    if (!rule) return undefined;
    const national = digits.slice(ccLength);
    if (!rule.lengths.has(national.length)) return undefined;
    // A match — even an empty one — means the parser may rewrite the national number.
    if (rule.prefix?.test(national)) return undefined;
    return `+${digits}`;
  }
  return undefined;
}

function parse(
  input: string,
  text: string,
  options: { defaultCountry?: CountryCode; defaultCallingCode?: string },
): PhoneNumber {
  try {
    return parsePhoneNumberWithError(text, options, metadata);
  } catch (e) {
    if (e instanceof ParseError) {
      if (e.message === 'INVALID_COUNTRY')
        invalidPhone(input, 'unknown country calling code', 'invalid_phone');
      invalidPhone(input, 'not a phone number', 'invalid_phone');
    }
    throw e;
  }
}

/**
 * Normalises a phone number to E.164 with libphonenumber's numbering plans, so every way of
 * writing one number gives one value: separators, parentheses, `tel:` and a trailing extension
 * (`ext. 12`, `x12`) are removed; a written trunk prefix goes (`+44 (0)20…` → `+4420…`) while
 * countries whose numbers keep their leading `0` keep it (`06…` in Italy → `+39 06…`); numbers
 * without a country code use `defaultCountryCode`, whose trunk prefix (`0`, or `1` in North
 * America) is dropped and whose international prefix is read (`011 44…` with `1` → `+44…`);
 * `00` always reads as an international prefix when it cannot be a national number. A number
 * with no country code and no `defaultCountryCode`, an unknown calling code, or a length no
 * number of that country has throws `ThreadlineError` `VALIDATION` (path `value`, code
 * `invalid_phone`): such input never becomes a key. Numbers are not checked against allocated
 * ranges, so a number from a range newer than the bundled metadata still resolves.
 *
 * @example
 * ```ts
 * normalizePhone('+1 (415) 555-2671'); // '+14155552671'
 * normalizePhone('+44 (0)20 7946 0958'); // '+442079460958'
 * normalizePhone('06 6982 1234', { defaultCountryCode: '39' }); // '+390669821234'
 * normalizePhone('011 44 20 7946 0958', { defaultCountryCode: '1' }); // '+442079460958'
 * ```
 */
export function normalizePhone(input: string, options: PhoneNormalizeOptions = {}): string {
  if (typeof input !== 'string') invalidPhone(String(input), 'expected a string', 'invalid_type');
  if (COMPACT_E164.test(input)) {
    const canonical = alreadyCanonical(input.slice(1));
    if (canonical !== undefined) return canonical;
  }
  const s = input.trim().toLowerCase().replace(/^tel:/, '').replace(EXTENSION, '');
  if (/[^0-9+\s\-.()/]/.test(s)) invalidPhone(input, 'not a phone number', 'invalid_phone');
  const compact = s.replace(SEPARATORS, '');
  const plus = compact.lastIndexOf('+');
  if (plus > 0) invalidPhone(input, 'misplaced "+" in phone number', 'invalid_phone');
  const digits = plus === 0 ? compact.slice(1) : compact;
  if (!/^\d{1,17}$/.test(digits)) invalidPhone(input, 'not a phone number', 'invalid_phone');

  let number: PhoneNumber | undefined;
  if (plus === 0) {
    const canonical = alreadyCanonical(digits);
    if (canonical !== undefined) return canonical;
    // Normally reached only for a written trunk prefix (`+44 0 20…`) or an impossible number.
    number = parse(input, `+${digits}`, {});
  } else {
    const cc = options.defaultCountryCode;
    if (cc !== undefined) {
      const region = metadata.country_calling_codes[cc]?.[0];
      number = parse(
        input,
        digits,
        region !== undefined ? { defaultCountry: region } : { defaultCallingCode: cc },
      );
      // `00` is the international prefix almost everywhere; a country whose own prefix differs
      // (North America: 011) would otherwise read `0044…` as an impossible national number.
      if (!number.isPossible() && digits.startsWith('00')) number = parse(input, `+${digits.slice(2)}`, {});
    } else if (digits.startsWith('00')) {
      number = parse(input, `+${digits.slice(2)}`, {});
    } else {
      invalidPhone(
        input,
        'phone number has no country code and no defaultCountryCode is set',
        'missing_country',
      );
    }
  }
  if (!number.isPossible())
    invalidPhone(input, 'not a possible phone number for its country', 'invalid_phone');
  return stable(input, number.number);
}

/**
 * The stored value is normalised again whenever it is passed back (lookups, merges), so it must
 * map to itself. The parser drops a trunk prefix from international input too, so a national
 * number that still starts with one after the first pass (`0 0…` in India) would lose another
 * digit on the second: repeat until nothing changes, and reject what stops being a number.
 */
function stable(input: string, e164: string): string {
  let current = e164;
  for (let pass = 0; pass < 4; pass++) {
    if (alreadyCanonical(current.slice(1)) !== undefined) return current;
    const again = parse(input, current, {});
    if (!again.isPossible()) break;
    if (again.number === current) return current;
    current = again.number;
  }
  return invalidPhone(input, 'not a possible phone number for its country', 'invalid_phone');
}
