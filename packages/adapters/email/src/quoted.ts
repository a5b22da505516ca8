import { type SignatureSplit, splitSignature } from './signature.js';

/**
 * The customer's new words in a reply: the text above the quoted history and the signature
 * (see {@link splitSignature} for the signatures recognised).
 * Recognises the attribution line of the common clients (`On … wrote:`, `Le … a écrit :`,
 * `Am … schrieb …:`, `El … escribió:`), Outlook's `-----Original Message-----` and `From:` header
 * block, a run of `>`-quoted lines, and the `-- ` signature separator (RFC 3676). Conservative:
 * when nothing is recognised the text comes back trimmed, and a mail that is only a quote keeps
 * its text.
 *
 * @example
 * ```ts
 * import { stripQuotedReply } from '@threadline/adapter-email';
 *
 * stripQuotedReply('Still broken.\n\nOn Mon, 5 Jan 2026, Acme <support@acme.test> wrote:\n> Try again');
 * // 'Still broken.'
 * ```
 */
export function stripQuotedReply(text: string): string {
  return splitReply(text).text;
}

/**
 * A reply without its quoted history, split from its signature: what `stripQuotedReply`
 * returns as `text`, and the signature it cut (kept by the normalisers in `metadata.signature`).
 *
 * @example
 * ```ts
 * splitReply('Still broken.\n\nSent from my iPhone\n\nOn Mon, 5 Jan 2026, Acme wrote:\n> Try again');
 * // { text: 'Still broken.', signature: 'Sent from my iPhone' }
 * ```
 */
export function splitReply(text: string): SignatureSplit {
  const unquoted = stripQuote(text);
  const split = splitSignature(unquoted);
  // Nothing but a signature: keep the text as it was.
  return split.text === '' ? { text: unquoted } : split;
}

function stripQuote(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const next = (lines[i + 1] ?? '').trim();
    if (
      ATTRIBUTION.some((re) => re.test(line)) ||
      // An attribution wrapped over two lines ("On Mon, 5 Jan 2026 at 09:00, Ada\n<ada@…> wrote:").
      (/^(on|le|am|el)\s/i.test(line) && WROTE.test(next)) ||
      /^-{2,}\s*original message\s*-{2,}$/i.test(line) ||
      (/^from:\s/i.test(line) && /^(sent|date|to|subject):\s/i.test(next)) ||
      (line.startsWith('>') && lines.slice(i).every((l) => l.trim() === '' || l.trim().startsWith('>')))
    ) {
      end = i;
      break;
    }
  }
  const kept = lines.slice(0, end).join('\n').trim();
  return kept === '' ? text.trim() : kept;
}

const WROTE = /(wrote|a écrit|schrieb|escribió)\s*:?\s*$/i;
const ATTRIBUTION = [
  /^on\s.+wrote:\s*$/i,
  /^le\s.+a écrit\s*:\s*$/i,
  /^am\s.+schrieb.*:\s*$/i,
  /^el\s.+escribió:\s*$/i,
];
