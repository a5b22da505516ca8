/**
 * When an inbound sender address counts as verified (internal). Identity resolution links a
 * contact to an existing customer by email only when the address is verified, and a `From`
 * header alone proves nothing. It counts when a DKIM signature of the `From` domain passed, as
 * reported by something the host trusts: Mailgun's and SendGrid's checks (their posts are
 * signed), or for raw MIME the `Authentication-Results` header added by the host's own MTA (named
 * by its authserv-id, so a header the sender wrote does not count).
 */

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Whether `domain` is the From domain or a parent of it (relaxed DMARC alignment). */
function aligned(domain: string, fromDomain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return fromDomain === d || fromDomain.endsWith(`.${d}`);
}

/** `Authentication-Results` headers from `authservId` report a passing DKIM signature aligned with the sender. */
export function dkimPassFromHeaders(headers: readonly string[], authservId: string, from: string): boolean {
  const fromDomain = domainOf(from);
  for (const value of headers) {
    const [id, ...results] = value.split(';');
    if (id?.trim().split(/\s+/)[0]?.toLowerCase() !== authservId.toLowerCase()) continue;
    for (const result of results) {
      const text = result.trim().toLowerCase();
      if (!text.startsWith('dkim=pass')) continue;
      const d = /header\.d=([^\s;]+)/.exec(text)?.[1];
      const i = /header\.i=[^\s;]*@([^\s;]+)/.exec(text)?.[1];
      if ((d && aligned(d, fromDomain)) || (i && aligned(i, fromDomain))) return true;
    }
  }
  return false;
}

/** SendGrid's `dkim` field (`{@example.org : pass, @other.test : fail}`) has a pass aligned with the sender. */
export function dkimPassFromSendGrid(field: string | undefined, from: string): boolean {
  if (!field) return false;
  const fromDomain = domainOf(from);
  for (const match of field.matchAll(/@([^\s:,{}]+)\s*:\s*(\w+)/g)) {
    if (match[2]?.toLowerCase() === 'pass' && match[1] && aligned(match[1], fromDomain)) return true;
  }
  return false;
}

/** Mailgun's `X-Mailgun-Dkim-Check-Result: Pass`. */
export function dkimPassFromMailgun(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'pass';
}
