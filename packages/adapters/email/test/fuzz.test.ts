import { isThreadlineError } from '@threadline/core';
import { InboundMessageSchema } from '@threadline/core/channels';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEmail } from '../src/index.js';
import { fixture } from './fixtures.js';

const receivedAt = Date.UTC(2026, 0, 10);

/** Parses and checks the contract: a valid normalised message, or a VALIDATION error — nothing else. */
async function outcome(raw: Uint8Array | string): Promise<'message' | 'validation'> {
  try {
    const m = await parseEmail(raw, { receivedAt });
    expect(InboundMessageSchema.safeParse(m).success).toBe(true);
    return 'message';
  } catch (error) {
    if (isThreadlineError(error, 'VALIDATION')) return 'validation';
    throw error;
  }
}

const FIXTURES = ['alternative.eml', 'attachments.eml', 'encoded-subject.eml', 'latin1.eml', 'koi8r.eml'];

describe('parseEmail fuzz', () => {
  it('random bytes give a normalised message or a VALIDATION error, never another throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        await outcome(bytes);
      }),
      { numRuns: 400, seed: 1401 },
    );
  });

  it('random text with header-like lines and MIME punctuation behaves the same', async () => {
    const line = fc.oneof(
      fc.constantFrom(
        'From: a@example.com',
        'To: support@acme.test',
        'Content-Type: multipart/mixed; boundary="b"',
        'Content-Type: text/plain; charset=koi8-r',
        'Content-Transfer-Encoding: base64',
        'Content-Transfer-Encoding: quoted-printable',
        '--b',
        '--b--',
        'Subject: =?UTF-8?B?',
        'References: <a@b> <',
        'Message-ID: <>',
        '',
      ),
      fc.string({ maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), async (lines) => {
        await outcome(lines.join('\r\n'));
      }),
      { numRuns: 400, seed: 1402 },
    );
  });

  it('fixtures with random byte flips, cuts and insertions never throw anything but VALIDATION', async () => {
    const mails = FIXTURES.map(fixture);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: mails.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
        fc.nat(),
        async (which, flips, cut) => {
          const mail = Buffer.from(mails[which] as Buffer);
          for (const [at, byte] of flips) mail[at % mail.length] = byte;
          await outcome(mail.subarray(0, 1 + (cut % mail.length)));
        },
      ),
      { numRuns: 300, seed: 1403 },
    );
  });

  it('a deeply nested multipart is refused or parsed, in bounded time', async () => {
    let body = 'x';
    for (let i = 0; i < 400; i++)
      body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--`;
    const raw = `From: a@example.com\r\nTo: s@acme.test\r\n${body}`;
    const started = performance.now();
    expect(['message', 'validation']).toContain(await outcome(raw));
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
