import { codeAt, isAsciiLetter, isDigit, isLetter } from './chars.js';
import type { Detection } from './types.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
// Asset names such as `logo@2x.png` look like addresses; a single-label "domain" followed by a
// file extension is not one.
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tif', 'tiff']);

// Local-part characters we accept: letters, digits and the punctuation real addresses use.
function isLocalChar(c: number): boolean {
  return (
    isDigit(c) ||
    isLetter(c) ||
    c === 46 /* . */ ||
    c === 95 /* _ */ ||
    c === 37 /* % */ ||
    c === 43 /* + */ ||
    c === 45 /* - */ ||
    c === 39 /* ' */
  );
}

function isDomainChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 45 || c === 46;
}

function validDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) return false;
    if (label.charCodeAt(0) === 45 || label.charCodeAt(label.length - 1) === 45) return false;
  }
  const tld = labels[labels.length - 1] as string;
  if (tld.length < 2) return false;
  if (!tld.startsWith('xn--')) {
    for (let i = 0; i < tld.length; i++) if (!isLetter(tld.charCodeAt(i))) return false;
  }
  if (labels.length === 2 && FILE_EXTENSIONS.has(tld.toLowerCase())) return false;
  return true;
}

/**
 * Finds e-mail addresses. Every `@` is expanded left over at most 64 local-part characters and
 * right over at most 253 domain characters, so the scan is linear in the text length.
 */
export function detectEmails(text: string, out: Detection[]): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) return;
    from = at + 1;
    // Local part.
    let s = at;
    while (s > 0 && at - s < MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) s--;
    if (s > 0 && at - s >= MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) continue;
    // Quotes and dots may wrap an address ("'jane@x.com'", "...jane@x.com"): trim them.
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 39)) s++;
    if (s === at) continue;
    const local = text.slice(s, at);
    if (local.endsWith('.') || local.includes('..')) continue;
    // An address glued to a preceding `@` or `/` is part of a URL or handle, not an address.
    const before = codeAt(text, s - 1);
    if (before === 64 || before === 47) continue;
    let hasLetterOrDigit = false;
    for (let i = 0; i < local.length; i++) {
      const c = local.charCodeAt(i);
      if (isDigit(c) || isLetter(c)) hasLetterOrDigit = true;
    }
    if (!hasLetterOrDigit) continue;
    // Domain.
    let e = at + 1;
    while (e < text.length && e - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(e))) e++;
    // Sentence punctuation after an address is not part of it.
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    if (e === at + 1) continue;
    const next = codeAt(text, e);
    if (next === 64 || (next !== -1 && isAsciiLetter(next))) continue;
    if (!validDomain(text.slice(at + 1, e))) continue;
    out.push({ kind: 'email', start: s, end: e });
    from = e;
  }
}
