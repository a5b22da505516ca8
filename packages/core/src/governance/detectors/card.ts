import { scanNumericRuns } from './numericRun.js';
import type { Detection } from './types.js';

/**
 * Luhn (mod 10) checksum over a string of digits.
 *
 * @example
 * ```ts
 * luhnValid('4111111111111111'); // true
 * ```
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * The card network for the first six digits (`p6`, as a number) and the length, or `undefined`.
 * Works on numbers so the scanner can test many lengths without building strings.
 */
function brandOf(p6: number, len: number): string | undefined {
  const p1 = Math.floor(p6 / 100_000);
  const p2 = Math.floor(p6 / 10_000);
  const p3 = Math.floor(p6 / 1000);
  const p4 = Math.floor(p6 / 100);
  if ((p2 === 34 || p2 === 37) && len === 15) return 'amex';
  if (p1 === 4 && (len === 13 || len === 16 || len === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len === 16) return 'mastercard';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && len >= 16)
    return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && len >= 16) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && len >= 14) return 'diners';
  if (p2 === 62 && len >= 16) return 'unionpay';
  // Maestro: only the prefixes actually issued, not the whole nominal 50/56–69 block, which would
  // make one in ten long numeric ids (order numbers, snowflake ids) look like cards.
  if (
    (p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893 || p4 === 6304 || (p4 >= 6759 && p4 <= 6763)) &&
    len >= 12
  )
    return 'maestro';
  if (p4 >= 2200 && p4 <= 2204) return len === 16 ? 'mir' : undefined;
  return undefined;
}

/**
 * The card network a number's issuer prefix (IIN) and length belong to, or `undefined`.
 *
 * @example
 * ```ts
 * cardBrand('4111111111111111'); // 'visa'
 * cardBrand('1234567812345670'); // undefined
 * ```
 */
export function cardBrand(digits: string): string | undefined {
  if (!/^\d{6,19}$/.test(digits)) return undefined;
  return brandOf(Number(digits.slice(0, 6)), digits.length);
}

/**
 * A number is a payment card when its length and issuer prefix fit a network and Luhn holds.
 *
 * @example
 * ```ts
 * isPaymentCard('4111111111111111'); // true
 * isPaymentCard('4111111111111112'); // false (Luhn)
 * ```
 */
export function isPaymentCard(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && cardBrand(digits) !== undefined && luhnValid(digits);
}

const DIGITS = new Uint8Array(20);

function luhnDigits(digits: Uint8Array, len: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = len - 1; i >= 0; i--) {
    let d = digits[i] as number;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// IMEIs and ISBNs carry Luhn-style check digits too; a number announced as one is not a card.
const NOT_A_CARD = /\b(?:imei|isbn|imsi|iccid|meid)\b[\s:#.-]*$/i;

// Punctuation a card number may be glued to: `#4111…`, `ref=4111…`, `ORD-4111…`, `/cards/4111…`.
// A Luhn-valid number with an issuer prefix is a card whatever label precedes it; money signs,
// dots (`v1.2`) and `@` still glue a number into another token.
function acceptsGlue(code: number): boolean {
  return (
    code === -1 || code === 35 /* # */ || code === 61 /* = */ || code === 45 /* - */ || code === 47
  ); /* / */
}

/**
 * Finds payment card numbers: digit groups joined by one space or dash, 12–19 digits, a known
 * issuer prefix and a valid Luhn checksum (so order numbers are left alone), whatever word or
 * label precedes them (`order ref 4111 1111 1111 1111`, `ticket #4111111111111111`). Within a longer run
 * (`4111 1111 1111 1111 12/27`) the longest valid sequence of whole groups is taken; at most 19
 * digits are tried from each group, so the scan stays linear.
 */
export function detectCards(text: string, out: Detection[]): void {
  scanNumericRuns(text, 1, false, (run) => {
    if (!acceptsGlue(run.glued)) return;
    if (run.separators.includes('.') || run.separators.includes('(') || run.separators.includes(')')) return;
    if (NOT_A_CARD.test(text.slice(Math.max(0, run.start - 16), run.start))) return;
    const { bounds, count } = run;
    let s = 0;
    while (s < count) {
      let best = -1;
      const first = text.charCodeAt(bounds[2 * s] as number);
      // Every issuer prefix starts with 2–6; skip other starts without building strings.
      if (first >= 50 && first <= 54) {
        let len = 0;
        let p6 = 0;
        for (let j = s; j < count && len <= 19; j++) {
          const a = bounds[2 * j] as number;
          const b = bounds[2 * j + 1] as number;
          for (let k = a; k < b && len <= 19; k++) {
            const d = text.charCodeAt(k) - 48;
            DIGITS[len++] = d;
            if (len <= 6) p6 = p6 * 10 + d;
          }
          if (len > 19) break;
          if (len >= 12 && brandOf(p6, len) !== undefined && luhnDigits(DIGITS, len)) best = j;
        }
      }
      // A card ending where the run ends must end on a token boundary too (`…1111%` is not one).
      if (best === count - 1 && !run.closed) best = -1;
      if (best >= 0) {
        out.push({
          kind: 'payment_card',
          start: bounds[2 * s] as number,
          end: bounds[2 * best + 1] as number,
        });
        s = best + 1;
      } else {
        s++;
      }
    }
  });
}
