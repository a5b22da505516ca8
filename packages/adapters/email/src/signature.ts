/** A reply split into the customer's words and the signature below them. */
export interface SignatureSplit {
  /** The text above the signature, trimmed (the whole text when no signature was recognised). */
  text: string;
  /** The signature, trimmed, without its delimiter line; absent when none was recognised. */
  signature?: string;
}

/**
 * The default "sent from" lines of the mobile mail apps that add one on their own (Apple Mail on
 * iOS, Outlook and Gmail on phones, Samsung and Windows Mail), in the languages stripQuotedReply
 * already recognises (English, French, German, Spanish) plus Italian, Portuguese and Dutch: these
 * are the strings the apps ship, so they are stable, and each is matched as a whole line.
 */
const SENT_FROM = [
  /^sent from my (iphone|ipad|ipod|android|mobile( device)?|samsung.*|galaxy.*|blackberry.*|phone)\.?$/i,
  /^sent from (mail|outlook) for (windows|ios|android)( 10| 11)?\.?$/i,
  /^sent from (outlook|yahoo mail|gmail|proton mail)( for (ios|android))?\.?$/i,
  /^sent (from|with) proton mail .*$/i,
  /^sent via .+ (app|mobile)\.?$/i,
  /^get outlook for (ios|android)\.?$/i,
  /^envoyé de mon (iphone|ipad|android|mobile|smartphone.*)\.?$/i,
  /^envoyé depuis (mon (iphone|ipad|android|mobile|smartphone.*)|outlook pour (ios|android))\.?$/i,
  /^von meinem (iphone|ipad|android|smartphone|mobiltelefon).* gesendet\.?$/i,
  /^gesendet von (meinem (iphone|ipad|android|smartphone)|outlook für (ios|android)).*$/i,
  /^enviado desde mi (iphone|ipad|android|móvil|smartphone.*)\.?$/i,
  /^enviado desde outlook para (ios|android)\.?$/i,
  /^inviato da (iphone|ipad|il mio (iphone|ipad|android|smartphone.*))\.?$/i,
  /^enviado do meu (iphone|ipad|android|celular|smartphone.*)\.?$/i,
  /^verzonden (met|vanaf) mijn (iphone|ipad|android|smartphone.*)\.?$/i,
];

/** Whether a trimmed line is a mobile app's "sent from" signature. */
export function isSentFromLine(line: string): boolean {
  return line.length <= 120 && SENT_FROM.some((re) => re.test(line));
}

/**
 * Splits the signature off a reply (a text whose quoted history is already removed, see
 * `stripQuotedReply`): the RFC 3676 delimiter `-- ` on its own line (also `--`, since many
 * clients trim the trailing space) and everything after it, or a mobile app's "sent from" line
 * ending the text (`Sent from my iPhone`, `Envoyé de mon iPhone`, `Von meinem iPhone gesendet`,
 * `Enviado desde mi iPhone`, `Get Outlook for iOS`, …). Conservative: when the signature would be
 * all there is, nothing is split.
 *
 * @example
 * ```ts
 * import { splitSignature } from '@threadline/adapter-email';
 *
 * splitSignature('Still broken.\n-- \nAda Lovelace\nAnalytical Engines Ltd');
 * // { text: 'Still broken.', signature: 'Ada Lovelace\nAnalytical Engines Ltd' }
 * splitSignature('Still broken.\n\nSent from my iPhone');
 * // { text: 'Still broken.', signature: 'Sent from my iPhone' }
 * ```
 */
export function splitSignature(text: string): SignatureSplit {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 1; i < lines.length; i++) {
    if ((lines[i] as string).trimEnd() !== '--') continue;
    const body = lines.slice(0, i).join('\n').trim();
    if (body === '') break;
    const signature = lines
      .slice(i + 1)
      .join('\n')
      .trim();
    return signature === '' ? { text: body } : { text: body, signature };
  }
  let last = lines.length - 1;
  while (last > 0 && (lines[last] as string).trim() === '') last--;
  const line = (lines[last] as string).trim();
  if (last > 0 && isSentFromLine(line)) {
    const body = lines.slice(0, last).join('\n').trim();
    if (body !== '') return { text: body, signature: line };
  }
  return { text: text.replace(/\r\n?/g, '\n').trim() };
}
