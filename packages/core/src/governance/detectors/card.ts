import { scanNumericRuns } from './numericRun.js';
import type { Detection } from './types.js';

/** Luhn (mod 10) checksum over a string of digits. */
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

/** The card network a number's issuer prefix (IIN) and length belong to, or `undefined`. */
export function cardBrand(digits: string): string | undefined {
  const len = digits.length;
  const p1 = Number(digits.slice(0, 1));
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if ((p2 === 34 || p2 === 37) && len === 15) return 'amex';
  if (p1 === 4 && (len === 13 || len === 16 || len === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len === 16) return 'mastercard';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && len >= 16)
    return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && len >= 16) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && len >= 14) return 'diners';
  if (p2 === 62 && len >= 16) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && len >= 12) return 'maestro';
  if (p4 === 2200 || p4 === 2201 || p4 === 2202 || p4 === 2203 || p4 === 2204)
    return len === 16 ? 'mir' : undefined;
  return undefined;
}

/** A number is a payment card when its length and issuer prefix fit a network and Luhn holds. */
export function isPaymentCard(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && cardBrand(digits) !== undefined && luhnValid(digits);
}

// IMEIs and ISBNs carry Luhn-style check digits too; a number announced as one is not a card.
const NOT_A_CARD = /\b(?:imei|isbn|imsi|iccid|meid)\b[\s:#.-]*$/i;

/**
 * Finds payment card numbers: digit groups joined by one space or dash, 12–19 digits, a known
 * issuer prefix and a valid Luhn checksum (so order numbers are left alone). Within a longer run
 * (`4111 1111 1111 1111 12/27`) the longest valid sequence of whole groups is taken; at most 19
 * digits are tried from each group, so the scan stays linear.
 */
export function detectCards(text: string, out: Detection[]): void {
  scanNumericRuns(text, 1, false, (run) => {
    if (run.separators.includes('.') || run.separators.includes('(') || run.separators.includes(')')) return;
    if (NOT_A_CARD.test(text.slice(Math.max(0, run.start - 16), run.start))) return;
    const { groups } = run;
    let s = 0;
    while (s < groups.length) {
      let best = -1;
      const first = text.charCodeAt((groups[s] as [number, number])[0]);
      // Every issuer prefix starts with 2–6; skip other starts without building strings.
      if (first >= 50 && first <= 54) {
        let digits = '';
        for (let j = s; j < groups.length; j++) {
          const [a, b] = groups[j] as [number, number];
          digits += text.slice(a, b);
          if (digits.length > 19) break;
          if (digits.length >= 12 && isPaymentCard(digits)) best = j;
        }
      }
      // A card ending where the run ends must end on a token boundary too (`…1111%` is not one).
      if (best === groups.length - 1 && !run.closed) best = -1;
      if (best >= 0) {
        out.push({
          kind: 'payment_card',
          start: (groups[s] as [number, number])[0],
          end: (groups[best] as [number, number])[1],
        });
        s = best + 1;
      } else {
        s++;
      }
    }
  });
}
