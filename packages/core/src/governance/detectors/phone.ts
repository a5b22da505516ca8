import { groupLength, groupValue, type NumericRun, runDigits, scanNumericRuns } from './numericRun.js';
import type { Detection } from './types.js';

// How far before a number we look for a word that says what it is (UTF-16 code units).
const CONTEXT_WINDOW = 40;
// Words announcing a phone number, and words announcing some other kind of number. The one
// closest to the number decides; `number`/`no.` alone are neutral ("order number", "my number").
const CONTEXT =
  /\b(?:(phone|telephone|tel|mobile|mob|cell|cellphone|call|called|calling|ring|text|txt|sms|whatsapp|fax|dial|landline|hotline|reach|contact|helpline)|(order|orders|ref|reference|invoice|inv|tracking|track|ticket|case|confirmation|conf|booking|pnr|account|acct|po|serial|sku|id|flight|zip|postcode|iban|card|version|build|txn|transaction|receipt|request|req|tag|tags|parcel|shipment|awb|isbn|imei|policy|claim|loyalty|membership|voucher|coupon|pin|otp|code|amount|total|price|qty|quantity|page|model|part|rma|item|sn|lot|batch|cheque|routing|sort)\b)/gi;
// The clause the number is in: "Ticket 123: customer at 0151 …" drops "Ticket".
const CLAUSE = /[.;:!?,()\n\]][^.;:!?,()\n\]]*[A-Za-z][^.;:!?,()\n\]]*$/;
// The sentence the number is in: a phone word earlier in it still counts when the clause names
// nothing ("call me on my mobile, it's 867-5309"). A sentence ends at `;`, `!`, `?`, a line break
// or a dot followed by a space and a capital letter (so "Tel. 555 1234" stays one sentence).
const SENTENCE = /(?:[;!?\n]|\.\s+(?=[A-Z]))[^;!?\n]*$/;

type Context = 'phone' | 'other' | 'none';

function lastContext(window: string): Context {
  let result: Context = 'none';
  CONTEXT.lastIndex = 0;
  for (let m = CONTEXT.exec(window); m !== null; m = CONTEXT.exec(window)) {
    result = m[1] !== undefined ? 'phone' : 'other';
  }
  return result;
}

/**
 * What the words before a number say it is. Only the last {@link CONTEXT_WINDOW} characters
 * count. Within them the closest context word of the number's clause decides; with none there, a
 * phone word earlier in the same sentence does.
 */
function contextBefore(text: string, start: number): Context {
  const window = text.slice(Math.max(0, start - CONTEXT_WINDOW), start);
  const clauseAt = CLAUSE.exec(window);
  const clause = clauseAt ? window.slice(clauseAt.index + 1) : window;
  let result = lastContext(clause);
  // `#12345` or `No. 12345` right before the number marks an identifier, unless the clause has
  // just said it is a phone number ("phone no. 555-1234", "tel #555 1234").
  if (result !== 'phone' && /(?:#|\bno\.?|\bnr\.?)\s*$/i.test(clause)) return 'other';
  if (result === 'none' && clauseAt) {
    const sentenceAt = SENTENCE.exec(window);
    if (lastContext(sentenceAt ? window.slice(sentenceAt.index + 1) : window) === 'phone') result = 'phone';
  }
  return result;
}

function groupLengths(run: NumericRun): number[] {
  const out: number[] = [];
  for (let i = 0; i < run.count; i++) out.push(groupLength(run, i));
  return out;
}

function looksLikeDate(text: string, run: NumericRun): boolean {
  if (run.count !== 3) return false;
  const v = [groupValue(text, run, 0), groupValue(text, run, 1), groupValue(text, run, 2)];
  const l = groupLengths(run);
  const [a, b, c] = v as [number, number, number];
  const plausibleYear = (y: number) => y >= 1900 && y <= 2100;
  if (l[0] === 4 && l[1]! <= 2 && l[2]! <= 2)
    return plausibleYear(a) && b >= 1 && b <= 12 && c >= 1 && c <= 31;
  if (l[2] === 4 && l[0]! <= 2 && l[1]! <= 2)
    return plausibleYear(c) && a >= 1 && b >= 1 && ((a <= 12 && b <= 31) || (a <= 31 && b <= 12));
  return false;
}

function looksLikeIp(text: string, run: NumericRun): boolean {
  if (run.count !== 4 || run.separators !== '.') return false;
  for (let i = 0; i < 4; i++) if (groupLength(run, i) > 3 || groupValue(text, run, i) > 255) return false;
  return true;
}

// North American numbering plan: [1] NXX NXX XXXX with N in 2–9, written in groups.
function isNanp(digits: string, lengths: number[]): boolean {
  let d = digits;
  let l = lengths;
  if (d.length === 11 && d[0] === '1') {
    d = d.slice(1);
    if (l[0] === 1) l = l.slice(1);
    else if (l.length > 1) return false;
  }
  if (d.length !== 10 || d[0]! < '2' || d[3]! < '2') return false;
  if (l.length === 1) return true;
  return l.length === 3 && l[0] === 3 && l[1] === 3 && l[2] === 4;
}

/** Decides whether a numeric run is a phone number. */
function classify(text: string, run: NumericRun): boolean {
  if (!run.closed) return false;
  // Glued to punctuation: only `#` after a phone word ("phone #555-1234") can start a phone number.
  if (run.glued !== -1 && run.glued !== 35 /* # */) return false;
  const digits = runDigits(text, run);
  const lengths = groupLengths(run);
  const separated = run.count > 1;
  // International format: `+44 20 7946 0958`, `+1-415-555-2671`, `+4915123456789`.
  if (run.plus) return digits.length >= 8 && digits.length <= 15 && digits[0] !== '0';
  if (looksLikeIp(text, run) || looksLikeDate(text, run)) return false;
  const context = contextBefore(text, run.start);
  if (context === 'other' || (run.glued !== -1 && context !== 'phone')) return false;
  // International call prefix: `0044 20 7946 0958`.
  if (digits.startsWith('00') && digits[2] !== '0') {
    const n = digits.length - 2;
    return n >= 9 && n <= 15 && (separated || context === 'phone');
  }
  // Written with separators, groups never a single digit (except a leading `1` trunk code).
  const tidy = lengths.every((l, i) => l >= 2 || (i === 0 && l === 1 && digits[0] === '1'));
  if (isNanp(digits, lengths) && (separated || context === 'phone')) return true;
  // National format with a trunk `0`: `020 7946 0958`, `07700 900123`, `06 12 34 56 78`.
  if (digits[0] === '0' && digits[1] !== '0' && digits.length >= 9 && digits.length <= 12 && tidy) {
    return separated || context === 'phone';
  }
  // Anything else counts only when the text says it is a phone number.
  return context === 'phone' && digits.length >= 7 && digits.length <= 13 && tidy;
}

/**
 * Finds phone numbers in international (`+CC …`, `00CC …`) and national formats (NANP, trunk-`0`
 * numbers of 9–12 digits, others, including 7-digit local numbers such as `867-5309`, when a word
 * such as "call" or "mobile" stands in the 40 characters before them, in the same sentence). Dates, IP
 * addresses, decimals, version strings and numbers announced as orders, tickets, tracking or
 * references are not phone numbers. One pass over the text plus a bounded look-back per number.
 */
export function detectPhones(text: string, out: Detection[]): void {
  scanNumericRuns(text, 3, true, (run) => {
    if (run.digits < 7 || run.digits > 17) return;
    if (classify(text, run)) out.push({ kind: 'phone', start: run.start, end: run.end });
  });
}
