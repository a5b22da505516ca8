/**
 * Reads named text fields of a `multipart/form-data` body (RFC 7578), enough for a verifier
 * that needs a few small fields out of a post that may also carry files (Mailgun routes that
 * forward attachments). Works on the bytes without copying the file parts; `undefined` for a
 * body that is not well-formed multipart. Never throws on input from the network.
 */
export function readMultipartFields(
  contentType: string,
  body: Buffer,
  names: readonly string[],
): Map<string, string> | undefined {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const wanted = new Set(names);
  const found = new Map<string, string>();
  // The first delimiter may start the body or follow a preamble line.
  let start = body.indexOf(delimiter);
  if (start < 0 || (start > 0 && body[start - 1] !== 0x0a)) return undefined;
  for (;;) {
    let cursor = start + delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return found;
    cursor = skipLine(body, cursor);
    if (cursor < 0) return undefined;
    const headerEnd = body.indexOf('\r\n\r\n', cursor, 'latin1');
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), cursor);
    if (next < 0) return undefined;
    let name: string | undefined;
    let isFile = false;
    // A part with no headers starts its content right after the delimiter line.
    const headersText = headerEnd >= 0 && headerEnd < next ? body.toString('latin1', cursor, headerEnd) : '';
    const contentStart = headerEnd >= 0 && headerEnd < next ? headerEnd + 4 : cursor + 2;
    for (const line of headersText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
      const params = line.slice(colon + 1);
      name = parameter(params, 'name');
      isFile = parameter(params, 'filename') !== undefined;
    }
    if (name !== undefined && !isFile && wanted.has(name) && !found.has(name) && contentStart <= next) {
      found.set(name, body.toString('utf8', contentStart, next));
    }
    start = next + 2;
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');

function skipLine(body: Buffer, from: number): number {
  const end = body.indexOf(CRLF, from);
  return end < 0 ? -1 : end + 2;
}

function boundaryOf(contentType: string): string | undefined {
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return undefined;
  const value = parameter(contentType, 'boundary');
  // RFC 2046: 1–70 characters.
  if (value === undefined || value.length === 0 || value.length > 70) return undefined;
  return value;
}

/** A `; key=value` or `; key="value"` parameter of a header value, case-insensitive key. */
function parameter(header: string, key: string): string | undefined {
  const pattern = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const match = pattern.exec(header);
  if (match === null) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}
