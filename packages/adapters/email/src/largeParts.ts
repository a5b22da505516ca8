// The MIME pre-pass: walks the raw message's structure the way postal-mime reads it (lines end
// at LF, boundaries per RFC 2046 checked outermost first, a trailing `--` closes, white space may
// follow a delimiter, headers end at an empty line or a line that is no field) and finds the
// leaf parts whose encoded body is larger than a limit and that postal-mime would list as
// attachments. It then builds a skeleton of the message — views of the raw bytes around those
// bodies, each body replaced by a short marker — so postal-mime decodes only the small parts and
// the text. The caller checks that every marker came back as exactly one attachment; when one
// did not (a structure this pass reads differently), it parses the whole message instead.
import { randomBytes } from 'node:crypto';
import { type BodyRange, type TransferEncoding, transferEncodingOf } from './transferDecode.js';

/** One body kept out of postal-mime (internal). */
export interface LargePart {
  range: BodyRange;
  encoding: TransferEncoding;
  /** What postal-mime decodes the skeleton's stand-in body to. */
  expected: Uint8Array;
}

/** The skeleton handed to postal-mime and the parts it leaves out (internal). */
export interface Skeleton {
  chunks: Uint8Array[];
  parts: LargePart[];
  /** A string no text of the message may contain: found there, the skeleton was misread. */
  nonce: string;
}

interface Node {
  parent: Node | undefined;
  state: 'header' | 'body' | 'finished';
  headers: string[];
  multipart: boolean;
  parentMultipart: string | undefined;
  subtype: string;
  type: string;
  disposition: string;
  encoding: string;
  bodyStart: number;
  children: Node[];
  finalized: number;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const FIELD_START = /^(?:From |[!-9;-~]*[ \t]*:)/;
const MAX_PARTS = 10_000;
const MAX_DEPTH = 256;
/** postal-mime's own header budget; past it the message is refused there anyway. */
const MAX_HEADER_BYTES = 2 * 1024 * 1024;

const isWsp = (b: number | undefined) => b === 0x20 || b === 0x09;

/** The value of a structured header and its parameters; undefined when it needs RFC 2231 or comments. */
function structured(value: string): { value: string; params: Map<string, string> } | undefined {
  if (value.includes('(') || /\*\s*=/.test(value)) return undefined;
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const head = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.slice(Math.max(semi, 0)).matchAll(re)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!params.has(name))
      params.set(name, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim());
  }
  return { value: head, params };
}

function newNode(parent: Node | undefined): Node {
  return {
    parent,
    state: 'header',
    headers: [],
    multipart: false,
    parentMultipart: parent?.subtype,
    subtype: '',
    type: parent?.subtype === 'digest' ? 'message/rfc822' : 'text/plain',
    disposition: '',
    encoding: '',
    bodyStart: 0,
    children: [],
    finalized: 0,
  };
}

/** Whether postal-mime lists a leaf of this type and disposition as an attachment (not text, not an inline message). */
function listedAsAttachment(node: Node): boolean {
  if (node.type === 'text/calendar' || node.type === 'application/ics') return false;
  if (node.disposition === 'attachment') return true;
  if (node.type === 'text/plain' || node.type === 'text/html') return false;
  if (node.type === 'message/rfc822')
    return node.encoding === 'base64' || node.encoding === 'quoted-printable';
  return true;
}

/**
 * Finds the leaf parts whose encoded body is over `maxBytes` and builds the skeleton without
 * them; `undefined` when there is none, or when the structure is one this pass leaves to
 * postal-mime (a multipart Content-Type with comments or RFC 2231 parameters, too many parts or
 * levels) (internal).
 */
export function skeletonOf(raw: Uint8Array, maxBytes: number): Skeleton | undefined {
  if (raw.byteLength <= maxBytes) return undefined;
  const found: Array<{ range: BodyRange; node: Node }> = [];
  const boundaries: Array<{ value: Uint8Array; node: Node }> = [];
  let count = 1;
  const root = newNode(undefined);
  let current = root;
  let unsupported = false;
  let headerBytes = 0;

  const endHeaders = (node: Node, bodyStart: number) => {
    node.state = 'body';
    node.bodyStart = bodyStart;
    const folded: string[] = [];
    for (const line of node.headers) {
      if (folded.length > 0 && isWsp(line.charCodeAt(0))) folded[folded.length - 1] += line;
      else folded.push(line);
    }
    const seen = new Map<string, string>();
    for (const line of folded) {
      const sep = line.indexOf(':');
      if (sep < 0) continue;
      const key = line.slice(0, sep).toLowerCase();
      if (!seen.has(key)) seen.set(key, line.slice(sep + 1).replace(/^[ \t]+|[ \t]+$/g, ''));
    }
    const contentType = seen.get('content-type');
    if (contentType !== undefined) {
      const parsed = structured(contentType);
      if (parsed === undefined) {
        if (/^[ \t]*multipart\//i.test(contentType)) unsupported = true;
        node.type = '';
      } else {
        node.type = parsed.value;
        if (node.type.startsWith('multipart/')) {
          const boundary = (parsed.params.get('boundary') ?? '').trimEnd();
          if (boundary === '' || /[^\x00-\x7f]/.test(boundary)) node.type = 'text/plain';
          else {
            node.multipart = true;
            node.subtype = node.type.slice('multipart/'.length);
            boundaries.push({ value: Buffer.from(boundary, 'latin1'), node });
          }
        }
      }
    }
    const disposition = seen.get('content-disposition');
    if (disposition !== undefined) {
      const parsed = structured(disposition);
      node.disposition = parsed === undefined ? '?' : (parsed.value.split(/[ \t]/)[0] ?? '');
    }
    const cte = seen.get('content-transfer-encoding') ?? '';
    node.encoding = cte.includes('(') ? '?' : (/^[ \t]*([\w-]+)/.exec(cte.toLowerCase())?.[1] ?? '');
    node.headers = [];
  };

  const finalize = (node: Node, at: number, boundaryEnded: boolean) => {
    if (node.state === 'finished') return;
    if (node.state === 'header') endHeaders(node, at);
    const own = boundaries.findIndex((b) => b.node === node);
    if (own >= 0) boundaries.splice(own, 1);
    finalizeChildren(node, at, boundaryEnded);
    if (!node.multipart && at - node.bodyStart > maxBytes)
      found.push({ node, range: { start: node.bodyStart, end: at, boundaryEnded } });
    node.state = 'finished';
  };
  const finalizeChildren = (node: Node, at: number, boundaryEnded: boolean) => {
    while (node.finalized < node.children.length)
      finalize(node.children[node.finalized++] as Node, at, boundaryEnded);
  };

  let pos = 0;
  while (pos < raw.length && !unsupported) {
    const lf = raw.indexOf(LF, pos);
    const next = lf < 0 ? raw.length : lf + 1;
    let to = lf < 0 ? raw.length : lf;
    while (to > pos && (raw[to - 1] === CR || raw[to - 1] === LF)) to--;
    const length = to - pos;
    let again = true;
    while (again) {
      again = false;
      let matched = false;
      if (boundaries.length > 0 && length > 2 && raw[pos] === DASH && raw[pos + 1] === DASH) {
        for (const boundary of boundaries) {
          const b = boundary.value;
          if (length < b.length + 2) continue;
          let same = true;
          for (let j = 0; j < b.length && same; j++) same = raw[pos + 2 + j] === b[j];
          if (!same) continue;
          let end = b.length + 2;
          const terminator = length >= b.length + 4 && raw[pos + end] === DASH && raw[pos + end + 1] === DASH;
          if (terminator) end += 2;
          let trailing = true;
          for (let j = end; j < length && trailing; j++) trailing = isWsp(raw[pos + j]);
          if (!trailing) continue;
          matched = true;
          if (terminator) {
            finalize(boundary.node, pos, true);
            current = boundary.node.parent ?? root;
          } else {
            finalizeChildren(boundary.node, pos, true);
            count += 1;
            const child = newNode(boundary.node);
            let depth = 0;
            for (let n: Node | undefined = child; n?.parent; n = n.parent) depth++;
            if (count > MAX_PARTS || depth > MAX_DEPTH) unsupported = true;
            boundary.node.children.push(child);
            current = child;
          }
          break;
        }
      }
      if (matched || current.state !== 'header') continue;
      if (length === 0) {
        endHeaders(current, next);
        continue;
      }
      const text = Buffer.from(raw.buffer, raw.byteOffset + pos, length).toString('latin1');
      if (!isWsp(raw[pos]) && !FIELD_START.test(text)) {
        endHeaders(current, pos);
        again = true;
        continue;
      }
      headerBytes += Math.max(length, 64);
      if (headerBytes > MAX_HEADER_BYTES) unsupported = true;
      current.headers.push(text);
    }
    pos = next;
  }
  if (unsupported) return undefined;
  finalize(root, raw.length, false);

  const view = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const large = found
    .filter(({ node, range }) => {
      if (node.encoding === '?' || node.disposition === '?' || node.type === '') return false;
      if (!listedAsAttachment(node)) return false;
      // A body with a line that starts with `--` may hold a delimiter this pass reads differently.
      if (raw[range.start] === DASH && raw[range.start + 1] === DASH) return false;
      const dash = view.indexOf('\n--', range.start);
      return dash < 0 || dash + 1 >= range.end;
    })
    .sort((a, b) => a.range.start - b.range.start);
  if (large.length === 0) return undefined;

  // Unguessable, so no part of a crafted mail can pose as a marker (an id, not behaviour: the
  // result does not depend on it).
  const nonce = randomBytes(9).toString('hex');
  const chunks: Uint8Array[] = [];
  const parts: LargePart[] = [];
  let at = 0;
  for (const [i, { node, range }] of large.entries()) {
    const encoding = transferEncodingOf(node.encoding);
    // 36 characters: a multiple of three, so its base64 needs no padding.
    const marker = Buffer.from(`threadline${nonce}${String(i).padStart(8, '0')}`, 'latin1');
    chunks.push(raw.subarray(at, range.start));
    chunks.push(
      Buffer.from(encoding === 'base64' ? marker.toString('base64') : marker.toString('latin1'), 'latin1'),
    );
    if (range.boundaryEnded) chunks.push(Buffer.from('\r\n', 'latin1'));
    at = range.end;
    const expected =
      range.boundaryEnded || encoding === 'base64' ? marker : Buffer.concat([marker, Buffer.from('\n')]);
    parts.push({ range, encoding, expected });
  }
  chunks.push(raw.subarray(at));
  return { chunks, parts, nonce };
}
