import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEmail, stripQuotedReply } from '../src/index.js';

describe('stripQuotedReply', () => {
  it('cuts at the attribution lines of common clients, in several languages', () => {
    expect(
      stripQuotedReply(
        'Still broken.\r\n\r\nOn Mon, 5 Jan 2026 at 09:00, Acme <support@acme.test> wrote:\r\n> Try again',
      ),
    ).toBe('Still broken.');
    expect(
      stripQuotedReply(
        'Toujours cassé.\n\nLe lun. 5 janv. 2026 à 09:00, Acme <support@acme.test> a écrit :\n> Réessayez',
      ),
    ).toBe('Toujours cassé.');
    expect(
      stripQuotedReply(
        'Immer noch kaputt.\n\nAm Mo., 5. Jan. 2026 um 09:00 Uhr schrieb Acme <support@acme.test>:\n> Nochmal',
      ),
    ).toBe('Immer noch kaputt.');
    expect(
      stripQuotedReply(
        'Sigue roto.\n\nEl lun, 5 ene 2026 a las 09:00, Acme (<support@acme.test>) escribió:\n> Otra vez',
      ),
    ).toBe('Sigue roto.');
    expect(
      stripQuotedReply(
        'Thanks!\n\nOn Mon, 5 Jan 2026 at 09:00, Acme Support\n<support@acme.test> wrote:\n> Done',
      ),
    ).toBe('Thanks!');
  });

  it('cuts at Outlook headers, plain > quotes and the signature separator', () => {
    expect(stripQuotedReply('Yes please.\n\n-----Original Message-----\nFrom: Acme\nSent: Monday')).toBe(
      'Yes please.',
    );
    expect(
      stripQuotedReply(
        'Yes please.\n\nFrom: Acme Support <support@acme.test>\nSent: Monday, 5 January 2026 09:00\nTo: Ada',
      ),
    ).toBe('Yes please.');
    expect(stripQuotedReply('Agreed.\n\n> earlier\n> text\n')).toBe('Agreed.');
    expect(stripQuotedReply('Agreed.\n-- \nAda Lovelace\nAnalytical Engines Ltd')).toBe('Agreed.');
  });

  it('keeps interleaved answers, and a mail that is only a quote', () => {
    const inline = '> Did you restart it?\nYes, twice.\n> And now?\nStill broken.';
    expect(stripQuotedReply(inline)).toBe(inline);
    expect(stripQuotedReply('> only a quote')).toBe('> only a quote');
  });

  it('never throws and never grows the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        expect(stripQuotedReply(text).length).toBeLessThanOrEqual(text.replace(/\r\n?/g, '\n').length);
      }),
      { numRuns: 500, seed: 1416 },
    );
  });

  it('parseEmail keeps the whole text and adds metadata.replyText when there is a quote', async () => {
    const raw =
      'From: ada@example.com\r\nTo: support@acme.test\r\n\r\nStill broken.\r\n\r\nOn Mon, 5 Jan 2026, Acme <support@acme.test> wrote:\r\n> Try again\r\n';
    const m = await parseEmail(raw, { receivedAt: 0 });
    expect(m.text).toContain('> Try again');
    expect(m.metadata.replyText).toBe('Still broken.');
  });
});
