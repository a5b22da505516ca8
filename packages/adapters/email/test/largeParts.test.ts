import { createHash } from 'node:crypto';
import { isThreadlineError } from '@threadline/core';
import { InboundMessageSchema } from '@threadline/core/channels';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { type AttachmentFile, parseEmail } from '../src/index.js';
import { skeletonOf } from '../src/largeParts.js';

const receivedAt = Date.UTC(2026, 0, 10);
const MiB = 1024 * 1024;

type Encoding = 'base64' | 'quoted-printable' | '7bit' | '8bit' | 'binary';
interface Leaf {
  kind: 'leaf';
  type: string;
  disposition: 'attachment' | 'inline' | undefined;
  filename: string | undefined;
  contentId: string | undefined;
  encoding: Encoding;
  body: Uint8Array;
}
interface Multi {
  kind: 'multi';
  subtype: 'mixed' | 'alternative' | 'related';
  children: Tree[];
  closed: boolean;
}
type Tree = Leaf | Multi;

function qp(bytes: Uint8Array, nl: string): string {
  let out = '';
  let line = '';
  for (const b of bytes) {
    const safe = b >= 33 && b <= 126 && b !== 61;
    const piece = safe ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + piece.length > 72) {
      out += `${line}=${nl}`;
      line = '';
    }
    line += piece;
  }
  return out + line;
}

function encodeBody(leaf: Leaf, nl: string): Buffer {
  switch (leaf.encoding) {
    case 'base64':
      // Odd lengths: every line encoded alone, padded mid-body as some mailers do.
      if (leaf.body.length % 2 === 1) {
        const lines: string[] = [];
        for (let i = 0; i < leaf.body.length; i += 50)
          lines.push(Buffer.from(leaf.body.subarray(i, i + 50)).toString('base64'));
        return Buffer.from(lines.join(nl), 'latin1');
      }
      return Buffer.from(
        Buffer.from(leaf.body)
          .toString('base64')
          .replace(/.{76}/g, `$&${nl}`)
          .replace(new RegExp(`${nl}$`), ''),
        'latin1',
      );
    case 'quoted-printable':
      return Buffer.from(qp(leaf.body, nl), 'latin1');
    default:
      return Buffer.from(leaf.body);
  }
}

let boundaryCount = 0;
function render(tree: Tree, nl: string): Buffer[] {
  if (tree.kind === 'leaf') {
    const headers = [`Content-Type: ${tree.type}${tree.filename ? `; name="${tree.filename}"` : ''}`];
    headers.push(`Content-Transfer-Encoding: ${tree.encoding}`);
    if (tree.disposition)
      headers.push(
        `Content-Disposition: ${tree.disposition}${tree.filename ? `; filename="${tree.filename}"` : ''}`,
      );
    if (tree.contentId) headers.push(`Content-ID: <${tree.contentId}>`);
    return [Buffer.from(headers.join(nl) + nl + nl, 'latin1'), encodeBody(tree, nl)];
  }
  boundaryCount += 1;
  const boundary = `=_b${boundaryCount}_x`;
  const out: Buffer[] = [
    Buffer.from(`Content-Type: multipart/${tree.subtype}; boundary="${boundary}"${nl}${nl}`),
  ];
  out.push(Buffer.from(`preamble${nl}`));
  for (const child of tree.children) {
    out.push(Buffer.from(`--${boundary}${nl}`));
    out.push(...render(child, nl));
    out.push(Buffer.from(nl));
  }
  if (tree.closed) out.push(Buffer.from(`--${boundary}--${nl}`));
  return out;
}

function message(tree: Tree, nl: string): Buffer {
  const head = [
    'From: Ada <ada@example.com>',
    'To: support@acme.test',
    'Subject: parts',
    'Message-ID: <p@x>',
  ];
  return Buffer.concat([Buffer.from(head.join(nl) + nl, 'latin1'), ...render(tree, nl)]);
}

/** Deterministic bytes from a seed: random binary, or printable text with line breaks. */
function bytesFrom(seed: number, length: number, text: boolean): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = text ? (x % 50 === 0 ? 10 : 32 + (x % 95)) : x & 0xff;
  }
  return out;
}

const leaf: fc.Arbitrary<Leaf> = fc
  .record({
    type: fc.constantFrom(
      'application/pdf',
      'image/png',
      'text/plain',
      'text/html',
      'application/octet-stream',
    ),
    disposition: fc.constantFrom('attachment' as const, 'inline' as const, undefined),
    filename: fc.option(fc.constantFrom('a.pdf', 'shot.png', 'notes.txt', 'r\u00e9sum\u00e9.pdf'), {
      nil: undefined,
    }),
    contentId: fc.option(fc.constantFrom('cid-1@x', 'cid-2@x'), { nil: undefined }),
    encoding: fc.constantFrom<Encoding>('base64', 'quoted-printable', '7bit', '8bit', 'binary'),
    length: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 4000 })),
    seed: fc.integer(),
  })
  .map(({ length, seed, ...rest }) => ({
    kind: 'leaf' as const,
    ...rest,
    // base64 and quoted-printable carry any bytes; 7bit, 8bit and binary carry text here.
    body: bytesFrom(seed, length, rest.encoding !== 'base64' && rest.encoding !== 'quoted-printable'),
  }));
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      kind: fc.constant('multi' as const),
      subtype: fc.constantFrom('mixed' as const, 'alternative' as const, 'related' as const),
      children: fc.array(tie('tree'), { minLength: 1, maxLength: 4 }),
      closed: fc.boolean(),
    }),
  ),
})).tree;

interface Received {
  name: string | undefined;
  size: number;
  sha: string;
  streamed: boolean;
}

async function parseCollecting(raw: Buffer, maxAttachmentBytes: number, viaStream: boolean) {
  const files: Received[] = [];
  const m = await parseEmail(raw, {
    receivedAt,
    maxAttachmentBytes,
    attachmentSink: async (file: AttachmentFile) => {
      const hash = createHash('sha256');
      let n = 0;
      if (viaStream) {
        for await (const chunk of file.stream()) {
          expect(chunk.byteLength).toBeLessThanOrEqual(64 * 1024);
          hash.update(chunk);
          n += chunk.byteLength;
        }
      } else {
        hash.update(file.content);
        n = file.content.byteLength;
      }
      expect(n).toBe(file.size);
      const lazy = Object.getOwnPropertyDescriptor(file, 'content')?.get !== undefined;
      files.push({ name: file.filename, size: n, sha: hash.digest('hex'), streamed: lazy });
      return undefined;
    },
  });
  return { m, files };
}

describe('large parts: the MIME pre-pass', () => {
  it('a 10 MB attachment: same metadata as postal-mime alone, the sink streams exactly its bytes', async () => {
    const bytes = new Uint8Array(10 * MiB);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 31 + 7) & 0xff;
    const raw = Buffer.from(
      [
        'From: Ada <ada@example.com>',
        'To: support@acme.test',
        'Message-ID: <big@example.com>',
        'Content-Type: multipart/mixed; boundary="mixed"',
        '',
        '--mixed',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Invoice attached.',
        '--mixed',
        'Content-Type: application/pdf; name="invoice.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="invoice.pdf"',
        '',
        Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--mixed--',
        '',
      ].join('\r\n'),
    );
    const skeleton = skeletonOf(raw, 5 * MiB);
    expect(skeleton?.parts.length).toBe(1);
    expect(skeleton?.chunks.reduce((n, c) => n + c.byteLength, 0)).toBeLessThan(2048);
    const { m, files } = await parseCollecting(raw, 5 * MiB, true);
    const alone = await PostalMime.parse(raw);
    expect(m.attachments).toEqual([
      {
        id: 'big@example.com/1',
        contentType: 'application/pdf',
        filename: 'invoice.pdf',
        size: bytes.length,
        inline: false,
      },
    ]);
    expect(
      alone.attachments.map((a) => [a.filename, a.mimeType, (a.content as ArrayBuffer).byteLength]),
    ).toEqual([['invoice.pdf', 'application/pdf', bytes.length]]);
    expect(m.text).toBe(alone.text);
    expect(files).toEqual([
      {
        name: 'invoice.pdf',
        size: bytes.length,
        sha: createHash('sha256').update(bytes).digest('hex'),
        streamed: true,
      },
    ]);
  });

  it('the pre-pass and postal-mime give the same attachments, text and bytes as postal-mime alone', async () => {
    let streamed = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(tree, fc.constantFrom('\r\n', '\n'), fc.boolean(), async (t, nl, viaStream) => {
        const raw = message(t, nl);
        const whole = await parseCollecting(raw, 1e9, false);
        const split = await parseCollecting(raw, 64, viaStream);
        expect(split.m.attachments).toEqual(whole.m.attachments);
        expect(split.m.text).toBe(whole.m.text);
        expect(split.m.html).toBe(whole.m.html);
        expect(split.files.map(({ streamed: _, ...f }) => f)).toEqual(
          whole.files.map(({ streamed: _, ...f }) => f),
        );
        streamed += split.files.filter((f) => f.streamed).length;
        total += split.files.length;
      }),
      { numRuns: 300, seed: 1404 },
    );
    // The pre-pass did the work (not the fallback to a whole parse) for most large parts.
    expect(streamed).toBeGreaterThan(total / 2);
  });

  it('malformed MIME under a low limit (cut, flipped, unclosed, boundaries in bodies) gives a message or VALIDATION, in bounded time', async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        tree,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(10, 13, 45, 61, 65, 0x2d)), { maxLength: 12 }),
        fc.nat(),
        fc.option(fc.nat(), { nil: undefined }),
        async (t, flips, cut, boundaryAt) => {
          let raw = message(t, '\r\n');
          for (const [at, byte] of flips) raw[at % raw.length] = byte;
          if (boundaryAt !== undefined) {
            const at = boundaryAt % raw.length;
            raw = Buffer.concat([raw.subarray(0, at), Buffer.from('\r\n--=_b1_x\r\n'), raw.subarray(at)]);
          }
          raw = raw.subarray(0, 1 + (cut % raw.length));
          try {
            const m = await parseEmail(raw, {
              receivedAt,
              maxAttachmentBytes: 16,
              attachmentSink: async (f) => {
                for await (const _ of f.stream()) {
                  // drain
                }
                return undefined;
              },
            });
            expect(InboundMessageSchema.safeParse(m).success).toBe(true);
          } catch (error) {
            if (!isThreadlineError(error, 'VALIDATION')) throw error;
          }
        },
      ),
      { numRuns: 2500, seed: 1405 },
    );
    expect(performance.now() - started).toBeLessThan(120_000);
  }, 180_000);

  it('refuses a maxAttachmentBytes that is not a positive integer with VALIDATION on that path', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(
        parseEmail('From: a@example.com\r\nTo: s@acme.test\r\n\r\nhi', {
          receivedAt,
          maxAttachmentBytes: bad,
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ path: ['maxAttachmentBytes'] }] });
    }
  });
});
