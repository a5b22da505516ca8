import fc from 'fast-check';
import { type MetadataJson, ParseError, parsePhoneNumberWithError } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/min/metadata';
import { describe, expect, it } from 'vitest';
import {
  isThreadlineError,
  normalizeEmail,
  normalizeIdentity,
  normalizePhone,
  type ThreadlineError,
} from '../src/index.js';

const metadata = metadataJson as MetadataJson;

function validationError(fn: () => unknown): ThreadlineError {
  try {
    fn();
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return e;
    throw e;
  }
  throw new Error('expected a VALIDATION error');
}

/**
 * One number per country, written the ways people and systems write it. `national` forms are
 * read with the country's calling code as `defaultCountryCode`; `international` forms carry their
 * own country code and must give the same key with or without a default country.
 */
const PHONE_TABLE: {
  country: string;
  cc: string;
  e164: string;
  national: string[];
  international: string[];
}[] = [
  {
    country: 'IT (landline keeps its leading 0)',
    cc: '39',
    e164: '+390669821234',
    national: ['06 6982 1234', '06-69821234', '(06) 6982 1234', '0039 06 6982 1234'],
    international: ['+39 06 6982 1234', '+39 (06) 6982 1234', '0039 06 6982 1234', 'tel:+39-06-6982-1234'],
  },
  {
    country: 'IT mobile',
    cc: '39',
    e164: '+393471234567',
    national: ['347 123 4567', '347-1234567'],
    international: ['+39 347 123 4567', '(+39) 347 1234567', '+393471234567'],
  },
  {
    country: 'GB',
    cc: '44',
    e164: '+442079460958',
    national: ['020 7946 0958', '(020) 7946 0958', '0044 20 7946 0958'],
    international: [
      '+44 20 7946 0958',
      '+44 (0)20 7946 0958',
      '+44 0 20 7946 0958',
      '+4402079460958',
      '(+44) 20 7946 0958',
    ],
  },
  {
    country: 'US',
    cc: '1',
    e164: '+14155552671',
    national: ['(415) 555-2671', '415.555.2671', '1-415-555-2671', '1 (415) 555 2671', '011 1 415 555 2671'],
    international: [
      '+1 (415) 555-2671',
      '+1-415-555-2671',
      '+14155552671',
      '001 415 555 2671',
      '+1 415 555 2671 ext. 42',
    ],
  },
  {
    country: 'DE',
    cc: '49',
    e164: '+49301234567',
    national: ['030 1234567', '030/1234567', '(030) 123 45 67', '0049 30 1234567'],
    international: [
      '+49 30 1234567',
      '(+49) 30 1234567',
      '+49 (0)30 1234567',
      '+49 (0) 30 123 45 67',
      '0049 30 1234567',
    ],
  },
  {
    country: 'FR',
    cc: '33',
    e164: '+33123456789',
    national: ['01 23 45 67 89', '01.23.45.67.89', '0033 1 23 45 67 89'],
    international: ['+33 1 23 45 67 89', '+33 (0)1 23 45 67 89', '+33.1.23.45.67.89', '0033 1 23 45 67 89'],
  },
  {
    country: 'BR',
    cc: '55',
    e164: '+5511912345678',
    // `0 15 …`: trunk prefix plus a long-distance carrier code, dropped like the trunk prefix.
    national: ['(11) 91234-5678', '11 91234-5678', '0 11 91234 5678', '0 15 11 91234-5678'],
    international: ['+55 11 91234-5678', '+55 (11) 91234-5678', '+5511912345678'],
  },
  {
    country: 'IN',
    cc: '91',
    e164: '+919876543210',
    national: ['98765 43210', '098765 43210', '0091 98765 43210'],
    international: ['+91 98765 43210', '+91-98765-43210', '(+91) 98765 43210', '0091 98765 43210'],
  },
];

describe('normalizePhone: every written form of one number gives one key', () => {
  for (const row of PHONE_TABLE) {
    it(`${row.country}: ${row.e164}`, () => {
      for (const form of row.national) {
        expect(normalizePhone(form, { defaultCountryCode: row.cc }), form).toBe(row.e164);
      }
      for (const form of row.international) {
        expect(normalizePhone(form), form).toBe(row.e164);
        expect(normalizePhone(form, { defaultCountryCode: row.cc }), form).toBe(row.e164);
        // A default country only matters for numbers without a country code.
        expect(normalizePhone(form, { defaultCountryCode: row.cc === '1' ? '44' : '1' }), form).toBe(
          row.e164,
        );
      }
      const keys = new Set(
        [...row.national, ...row.international].map(
          (value) => normalizeIdentity({ kind: 'phone', value }, { defaultCountryCode: row.cc }).key,
        ),
      );
      expect([...keys]).toEqual([`phone:${row.e164}`]);
    });
  }

  it("reads the default country's international prefix (011 in North America)", () => {
    expect(normalizePhone('011 44 20 7946 0958', { defaultCountryCode: '1' })).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958', { defaultCountryCode: '1' })).toBe('+442079460958');
  });

  it('accepts a country code in parentheses, as the README says parentheses are removed', () => {
    expect(normalizePhone('(+49) 30 1234567')).toBe('+49301234567');
    expect(normalizePhone('(+1) 415 555 2671')).toBe('+14155552671');
  });
});

describe('normalizePhone: input that is not a phone number never becomes a key', () => {
  it.each([
    ['415 555 2671', 'missing_country'],
    ['+1 415 CALL NOW', 'invalid_phone'],
    ['++14155552671', 'invalid_phone'],
    ['12+34567890', 'invalid_phone'],
    ['49+ 30 1234567', 'invalid_phone'],
    ['+123', 'invalid_phone'],
    ['+1234567890123456', 'invalid_phone'],
    ['+0123456789', 'invalid_phone'],
    ['+999 1234567', 'invalid_phone'],
    ['+44 20 7946 09', 'invalid_phone'],
    ['+49', 'invalid_phone'],
    ['()', 'invalid_phone'],
  ])('%s → VALIDATION (%s) at path value', (input, code) => {
    const error = validationError(() => normalizePhone(input));
    expect(error.issues[0]?.path).toEqual(['value']);
    expect(error.issues[0]?.code).toBe(code);
  });

  it('names the identity index when resolve-style normalisation fails', () => {
    const error = validationError(() => normalizeIdentity({ kind: 'phone', value: '+44 20 7946 09' }));
    expect(error.issues[0]?.code).toBe('invalid_phone');
  });

  it('agrees with a full libphonenumber parse on any +<digits> input (property)', () => {
    // normalizePhone skips the parse when E.164 input is certainly canonical; this checks the
    // shortcut never gives a different answer than the parser would.
    const callingCodes = Object.keys(metadata.country_calling_codes);
    fc.assert(
      fc.property(
        fc.constantFrom(...callingCodes),
        fc.stringMatching(/^[0-9]{3,13}$/),
        fc.constantFrom('', '0', '1', '00', '01', '9', '15'),
        (cc, rest, lead) => {
          const input = `+${cc}${lead}${rest}`;
          // The oracle: the parser applied until its answer maps to itself (keys must be
          // idempotent), and only numbers possible for their country become keys.
          let expected: string | undefined;
          try {
            let current = input;
            for (let pass = 0; pass < 5; pass++) {
              const parsed = parsePhoneNumberWithError(current, metadata);
              if (!parsed.isPossible()) break;
              if (parsed.number === current) {
                expected = current;
                break;
              }
              current = parsed.number;
            }
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
          let actual: string | undefined;
          try {
            actual = normalizePhone(input);
          } catch (e) {
            if (!isThreadlineError(e, 'VALIDATION')) throw e;
          }
          expect(actual, input).toBe(expected);
        },
      ),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('is idempotent on what it accepts (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1', '39', '44', '49', '33', '55', '91', '7', '86', '61'),
        fc.stringMatching(/^[0-9]{6,12}$/),
        fc.boolean(),
        (cc, rest, international) => {
          const raw = international ? `+${cc} ${rest}` : `0${rest}`;
          let once: string;
          try {
            once = normalizePhone(raw, { defaultCountryCode: cc });
          } catch (e) {
            if (isThreadlineError(e, 'VALIDATION')) return;
            throw e;
          }
          expect(once).toMatch(/^\+[1-9]\d{1,14}$/);
          expect(normalizePhone(once)).toBe(once);
          expect(normalizePhone(once, { defaultCountryCode: cc })).toBe(once);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('normalizeEmail: internationalised domains', () => {
  const KEY = 'ana@xn--mnchen-3ya.de';

  it.each([
    ['ana@münchen.de', 'Unicode domain'],
    ['ana@xn--mnchen-3ya.de', 'ASCII (punycode) domain'],
    ['Ana@MÜNCHEN.DE', 'upper case'],
    ['ana@XN--MNCHEN-3YA.DE', 'upper-case punycode'],
    ['ana@ｍüｎｃｈｅｎ.ｄｅ', 'full-width letters'],
    ['ana@mu\u0308nchen.de', 'NFD (u + combining diaeresis)'],
    ['ana@m\u00fcnchen.de', 'NFC'],
    [' mailto:ana@münchen.de ', 'mailto: and spaces'],
  ])('%s (%s) gives one key', (input) => {
    expect(normalizeEmail(input)).toBe(KEY);
    expect(normalizeIdentity({ kind: 'email', value: input }).key).toBe(`email:${KEY}`);
  });

  it('keeps the local part as before (lower-cased, dots and plus kept)', () => {
    expect(normalizeEmail('Ana.Lopez+x@Bücher.example')).toBe('ana.lopez+x@xn--bcher-kva.example');
    expect(normalizeEmail('ANA@EXAMPLE.COM')).toBe('ana@example.com');
  });

  it.each([
    'ana@mün/chen.de',
    'ana@münchen.de:80',
    'ana@münchen..de',
    'ana@.münchen.de',
    'ana@münchen.123',
    'ana@mün%63hen.de',
    'ana@mün#chen.de',
  ])('%s is rejected at path value, not silently truncated', (input) => {
    const error = validationError(() => normalizeEmail(input));
    expect(error.issues[0]?.path).toEqual(['value']);
  });
});
