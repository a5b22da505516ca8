// Decodes one MIME part's body straight from the raw message, chunk by chunk, the way postal-mime
// decodes it (so a part we keep out of postal-mime's way comes out byte for byte the same):
// lines end at LF, the CRs before the LF belong to the break, a base64 unit ends at each `=`,
// quoted-printable drops trailing white space and honours soft breaks, and the line break before
// a boundary belongs to the boundary (RFC 2046 5.1.1) while a part ended by the end of the
// message keeps its last break.

/** Where a part's body lies in the raw message (internal). */
export interface BodyRange {
  /** Offset of the first body byte. */
  start: number;
  /** Offset just past the body: the start of the boundary line, or the end of the message. */
  end: number;
  /** Whether a boundary line ends the part (its line break is then not content). */
  boundaryEnded: boolean;
}

/** The transfer encodings decoded here; anything else passes through as postal-mime does. */
export type TransferEncoding = 'base64' | 'quoted-printable' | 'identity';

const CHUNK = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;
const LINE_FEED = new Uint8Array([LF]);

/** The base64 alphabet's values; -1 for bytes postal-mime strips, -2 for `=`. */
const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
B64[EQUALS] = -2;

/** Maps a header's `Content-Transfer-Encoding` token to how the body is decoded (internal). */
export function transferEncodingOf(token: string): TransferEncoding {
  if (token === 'base64') return 'base64';
  if (token === 'quoted-printable') return 'quoted-printable';
  return 'identity';
}

/** Collects output bytes into fixed chunks handed out as they fill. */
class Output {
  private buffer = new Uint8Array(CHUNK);
  private pos = 0;
  readonly ready: Uint8Array[] = [];
  size = 0;
  constructor(private readonly counting: boolean) {}
  byte(b: number): void {
    this.size += 1;
    if (this.counting) return;
    this.buffer[this.pos++] = b;
    if (this.pos === CHUNK) this.flush();
  }
  bytes(source: Uint8Array, from: number, to: number): void {
    this.size += to - from;
    if (this.counting) return;
    while (from < to) {
      const n = Math.min(to - from, CHUNK - this.pos);
      this.buffer.set(source.subarray(from, from + n), this.pos);
      this.pos += n;
      from += n;
      if (this.pos === CHUNK) this.flush();
    }
  }
  /** Hands a chunk the caller will not touch again straight out, after what is buffered. */
  take(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.counting) return;
    this.flush();
    this.ready.push(chunk);
  }
  flush(): void {
    if (this.pos === 0) return;
    this.ready.push(this.buffer.subarray(0, this.pos));
    this.buffer = new Uint8Array(CHUNK);
    this.pos = 0;
  }
}

interface Line {
  /** Content start and end (the CRs before the LF excluded). */
  from: number;
  to: number;
  /** The break: [to, breakEnd), or a synthetic LF when the message ends without one. */
  breakEnd: number;
  synthetic: boolean;
}

function* lines(raw: Uint8Array, range: BodyRange): Generator<Line> {
  let pos = range.start;
  while (pos < range.end) {
    const lf = raw.indexOf(LF, pos);
    if (lf < 0 || lf >= range.end) {
      let to = range.end;
      while (to > pos && (raw[to - 1] === CR || raw[to - 1] === LF)) to--;
      yield { from: pos, to, breakEnd: range.end, synthetic: true };
      return;
    }
    let to = lf;
    while (to > pos && raw[to - 1] === CR) to--;
    yield { from: pos, to, breakEnd: lf + 1, synthetic: false };
    pos = lf + 1;
  }
}

function writeBreak(raw: Uint8Array, line: Line, out: Output): void {
  if (line.synthetic) out.bytes(LINE_FEED, 0, 1);
  else out.bytes(raw, line.to, line.breakEnd);
}

function* identity(raw: Uint8Array, range: BodyRange, out: Output): Generator<Uint8Array> {
  let previous: Line | undefined;
  for (const line of lines(raw, range)) {
    if (previous) writeBreak(raw, previous, out);
    out.bytes(raw, line.from, line.to);
    previous = line;
    yield* out.ready.splice(0);
  }
  if (previous && !range.boundaryEnded) writeBreak(raw, previous, out);
}

function hex(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

function* quotedPrintable(raw: Uint8Array, range: BodyRange, out: Output): Generator<Uint8Array> {
  let pending: Line | undefined;
  for (const line of lines(raw, range)) {
    if (pending) writeBreak(raw, pending, out);
    let len = line.to;
    while (len > line.from && (raw[len - 1] === 0x20 || raw[len - 1] === 0x09)) len--;
    const soft = len > line.from && raw[len - 1] === EQUALS;
    if (soft) len--;
    let literal = line.from;
    for (let i = line.from; i < len; i++) {
      if (raw[i] !== EQUALS || i + 2 >= len) continue;
      const high = hex(raw[i + 1]);
      const low = hex(raw[i + 2]);
      if (high < 0 || low < 0) continue;
      out.bytes(raw, literal, i);
      out.byte((high << 4) | low);
      i += 2;
      literal = i + 1;
    }
    out.bytes(raw, literal, len);
    pending = soft ? undefined : line;
    yield* out.ready.splice(0);
  }
  if (pending && !range.boundaryEnded) writeBreak(raw, pending, out);
}

/** Bytes a base64 unit of `n` alphabet characters decodes to (a last group of one is dropped). */
function unitBytes(n: number): number {
  const rest = n % 4;
  return Math.floor(n / 4) * 3 + (rest === 2 ? 1 : rest === 3 ? 2 : 0);
}

function base64Size(raw: Uint8Array, range: BodyRange): number {
  let size = 0;
  let n = 0;
  for (let i = range.start; i < range.end; i++) {
    const v = B64[raw[i] as number] as number;
    if (v >= 0) n++;
    else if (v === -2) {
      size += unitBytes(n);
      n = 0;
    }
  }
  return size + unitBytes(n);
}

/** Alphabet characters gathered before a native decode; a multiple of four. */
const SCRATCH = 64 * 1024;

function* base64(raw: Uint8Array, range: BodyRange, out: Output): Generator<Uint8Array> {
  // A unit runs to the next `=`; postal-mime decodes each unit alone and drops a last group of
  // one character. The alphabet characters are gathered and decoded natively in aligned runs,
  // which gives the same bytes.
  const scratch = Buffer.allocUnsafe(SCRATCH);
  let n = 0;
  const decode = (count: number) => {
    const usable = count % 4 === 1 ? count - 1 : count;
    if (usable > 0) {
      const bytes = Buffer.from(scratch.toString('latin1', 0, usable), 'base64');
      if (bytes.byteLength >= 16 * 1024) out.take(bytes);
      else out.bytes(bytes, 0, bytes.byteLength);
    }
  };
  for (let i = range.start; i < range.end; i++) {
    const b = raw[i] as number;
    const v = B64[b] as number;
    if (v >= 0) {
      scratch[n++] = b;
      if (n === SCRATCH) {
        decode(n);
        n = 0;
        yield* out.ready.splice(0);
      }
    } else if (v === -2) {
      decode(n);
      n = 0;
      if (out.ready.length > 0) yield* out.ready.splice(0);
    }
  }
  decode(n);
}

function run(
  raw: Uint8Array,
  range: BodyRange,
  encoding: TransferEncoding,
  out: Output,
): Generator<Uint8Array> {
  if (encoding === 'base64') return base64(raw, range, out);
  if (encoding === 'quoted-printable') return quotedPrintable(raw, range, out);
  return identity(raw, range, out);
}

/** The decoded body, in chunks of at most 64 KiB, each a fresh buffer the caller may keep (internal). */
export function* decodedChunks(
  raw: Uint8Array,
  range: BodyRange,
  encoding: TransferEncoding,
): Generator<Uint8Array> {
  const out = new Output(false);
  yield* run(raw, range, encoding, out);
  out.flush();
  yield* out.ready.splice(0);
}

/** The decoded body's size in bytes, computed without keeping any of it (internal). */
export function decodedSize(raw: Uint8Array, range: BodyRange, encoding: TransferEncoding): number {
  if (encoding === 'identity') {
    let size = 0;
    let previous: Line | undefined;
    for (const line of lines(raw, range)) {
      if (previous) size += previous.synthetic ? 1 : previous.breakEnd - previous.to;
      size += line.to - line.from;
      previous = line;
    }
    if (previous && !range.boundaryEnded) size += previous.synthetic ? 1 : previous.breakEnd - previous.to;
    return size;
  }
  if (encoding === 'base64') return base64Size(raw, range);
  const out = new Output(true);
  for (const _ of run(raw, range, encoding, out)) {
    // counting only: nothing is produced
  }
  return out.size;
}
