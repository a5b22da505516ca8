import { codeAt, isAsciiLetter, isDigit, isSpace, isWordChar } from './chars.js';
import type { Detection } from './types.js';

/** IBAN length per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

function alnumValue(c: number): number {
  if (isDigit(c)) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

/** ISO 7064 mod-97-10 check of a compact IBAN (country, check digits, BBAN): remainder must be 1. */
export function ibanChecksumValid(iban: string): boolean {
  if (iban.length < 5) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const v = alnumValue(rearranged.charCodeAt(i));
    if (v < 0) return false;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** `true` when `value` (spaces allowed) is an IBAN of its country's length with a valid checksum. */
export function isValidIban(value: string): boolean {
  const compact = value.replace(/[\s]/g, '').toUpperCase();
  const len = IBAN_LENGTHS[compact.slice(0, 2)];
  return (
    len !== undefined &&
    compact.length === len &&
    /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact) &&
    ibanChecksumValid(compact)
  );
}

/**
 * Finds IBANs: a known country code, two check digits, then exactly that country's number of
 * characters, compact or printed in groups of four, validated with mod-97. Each candidate reads
 * at most 34 characters past its start, so the scan is linear.
 */
export function detectIbans(text: string, out: Detection[]): void {
  const n = text.length;
  let i = 0;
  while (i + 4 <= n) {
    const c0 = text.charCodeAt(i);
    if (!isAsciiLetter(c0) || !isAsciiLetter(text.charCodeAt(i + 1)) || isWordChar(codeAt(text, i - 1))) {
      i++;
      continue;
    }
    if (!isDigit(text.charCodeAt(i + 2)) || !isDigit(text.charCodeAt(i + 3))) {
      i++;
      continue;
    }
    const country = text.slice(i, i + 2).toUpperCase();
    const len = IBAN_LENGTHS[country];
    if (len === undefined) {
      i++;
      continue;
    }
    let compact = '';
    let j = i;
    while (j < n && compact.length < len) {
      const c = text.charCodeAt(j);
      if (alnumValue(c) >= 0) {
        compact += text[j];
        j++;
      } else if (
        isSpace(c) &&
        compact.length % 4 === 0 &&
        compact.length > 0 &&
        alnumValue(codeAt(text, j + 1)) >= 0
      ) {
        // Printed form: one space after every group of four.
        j++;
      } else {
        break;
      }
    }
    if (compact.length === len && !isWordChar(codeAt(text, j)) && ibanChecksumValid(compact.toUpperCase())) {
      out.push({ kind: 'iban', start: i, end: j });
      i = j;
    } else {
      i++;
    }
  }
}
