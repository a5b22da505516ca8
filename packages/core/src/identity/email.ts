import { ThreadlineError } from '../errors.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
// Characters that would make `new URL('http://' + domain)` read part of the domain as a port,
// path, query or fragment — and silently drop it — instead of rejecting it.
const URL_DELIMITERS = /[/?#\\:[\]%@]/;
const ASCII_HOSTNAME = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

function invalidEmail(message: string): never {
  throw new ThreadlineError('VALIDATION', `Invalid identity value: ${message}`, {
    issues: [{ path: ['value'], message, code: 'invalid_identity' }],
  });
}

/**
 * The ASCII (punycode) form of an internationalised domain, via the WHATWG URL parser (in Node
 * and browsers alike): it applies IDNA mapping, so upper case, full-width letters and NFD input
 * give the same name as their lower-case NFC form.
 */
function domainToAscii(domain: string): string {
  if (URL_DELIMITERS.test(domain)) invalidEmail(`not an email domain: ${JSON.stringify(domain)}`);
  let host: string;
  try {
    host = new URL(`http://${domain}`).hostname;
  } catch {
    return invalidEmail(`not an email domain: ${JSON.stringify(domain)}`);
  }
  if (!ASCII_HOSTNAME.test(host)) invalidEmail(`not an email domain: ${JSON.stringify(domain)}`);
  return host;
}

/**
 * Normalises an email address: trims, drops `mailto:`, lower-cases, requires exactly one `@` with
 * non-empty local part and domain and no whitespace, and writes an internationalised domain in
 * its ASCII form (`münchen.de` → `xn--mnchen-3ya.de`), so both spellings give one key.
 * Plus-addressing and dots in the local part are kept (they are provider-specific).
 *
 * @example
 * ```ts
 * normalizeEmail('  Ana.Lopez@Example.COM '); // 'ana.lopez@example.com'
 * normalizeEmail('ana@München.de'); // 'ana@xn--mnchen-3ya.de'
 * ```
 */
export function normalizeEmail(input: string): string {
  if (typeof input !== 'string') invalidEmail('expected a string');
  const lowered = input
    .trim()
    .toLowerCase()
    .replace(/^mailto:/, '');
  if (!EMAIL_RE.test(lowered)) invalidEmail(`not an email address: ${JSON.stringify(input)}`);
  const at = lowered.indexOf('@');
  const local = lowered.slice(0, at);
  let domain = lowered.slice(at + 1);
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    invalidEmail(`not an email domain: ${JSON.stringify(domain)}`);
  }
  // ASCII domains are only lower-cased (as always); the URL parser is for the others.
  if (/[^\x00-\x7f]/.test(domain)) domain = domainToAscii(domain);
  const email = `${local}@${domain}`;
  if (email.length > 320) invalidEmail(`not an email address: ${JSON.stringify(input)}`);
  return email;
}
