import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEmail, splitReply, splitSignature, stripQuotedReply } from '../src/index.js';

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

describe('splitSignature / splitReply', () => {
  it('splits the RFC 3676 delimiter and keeps the signature', () => {
    expect(splitSignature('Agreed.\n-- \nAda Lovelace\nAnalytical Engines Ltd')).toEqual({
      text: 'Agreed.',
      signature: 'Ada Lovelace\nAnalytical Engines Ltd',
    });
    // Clients that trim trailing spaces send "--".
    expect(splitSignature('Agreed.\r\n--\r\nAda')).toEqual({ text: 'Agreed.', signature: 'Ada' });
  });

  it('splits the mobile apps’ "sent from" lines in several languages', () => {
    for (const line of [
      'Sent from my iPhone',
      'Sent from my Samsung Galaxy smartphone.',
      'Get Outlook for iOS',
      'Sent from Mail for Windows',
      'Envoyé de mon iPhone',
      'Von meinem iPhone gesendet',
      'Enviado desde mi iPhone',
      'Inviato da iPhone',
      'Enviado do meu iPhone',
      'Verzonden met mijn iPhone',
    ]) {
      expect(splitSignature(`It still fails.\n\n${line}\n`)).toEqual({
        text: 'It still fails.',
        signature: line,
      });
    }
  });

  it('leaves the words alone: a "sent from" sentence mid-text, a lone signature, "--" inside prose', () => {
    const prose = 'Sent from my iPhone\nbut the app crashed anyway.';
    expect(splitSignature(prose)).toEqual({ text: prose });
    expect(splitSignature('Sent from my iPhone')).toEqual({ text: 'Sent from my iPhone' });
    expect(splitSignature('-- \nAda')).toEqual({ text: '-- \nAda' });
    expect(splitSignature('a -- b')).toEqual({ text: 'a -- b' });
  });

  it('splitReply removes the quote, then the signature', () => {
    expect(
      splitReply(
        'Still broken.\n\nSent from my iPhone\n\nOn Mon, 5 Jan 2026, Acme <s@acme.test> wrote:\n> Try',
      ),
    ).toEqual({ text: 'Still broken.', signature: 'Sent from my iPhone' });
    expect(splitReply('Yes.\n-- \nAda\n> old\n> text')).toEqual({ text: 'Yes.', signature: 'Ada' });
  });

  it('parseEmail keeps the signature in metadata.signature', async () => {
    const raw =
      'From: ada@example.com\r\nTo: support@acme.test\r\n\r\nStill broken.\r\n-- \r\nAda Lovelace\r\n';
    const m = await parseEmail(raw, { receivedAt: 0 });
    expect(m.text).toContain('Ada Lovelace');
    expect(m.metadata).toMatchObject({ replyText: 'Still broken.', signature: 'Ada Lovelace' });
  });

  it('never throws and never grows the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const split = splitReply(text);
        expect(split.text.length).toBeLessThanOrEqual(text.replace(/\r\n?/g, '\n').length);
      }),
      { numRuns: 500, seed: 1417 },
    );
  });
});
