// Issue 14's proof across channels: the same person by phone on SMS and by e-mail ends as one
// customer with both identities. An SMS (the carrier vouches for the number) and a DKIM-verified
// e-mail share no identity key, so resolution keeps them apart at first — linking a phone number
// found in an e-mail's text would let anyone who types someone's number into a mail take over their
// record — until a person confirms and merges; from then on both channels resolve to the survivor.

import { parseEmail } from '@threadline/adapter-email';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { normaliseTwilioMessage } from '@threadline/adapter-twilio';
import { createIdentityService, createIdGenerator, type InboundMessage, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';

const PHONE = '+34600111222';
const EMAIL = 'ana.lopez@example.com';

function sms(sid: string, body: string, receivedAt: number): InboundMessage {
  return normaliseTwilioMessage(
    {
      MessageSid: sid,
      AccountSid: 'AC00000000000000000000000000000001',
      From: PHONE,
      To: '+15005550006',
      Body: body,
      NumMedia: '0',
    },
    { receivedAt },
  );
}

function mail(id: string, body: string, receivedAt: number): Promise<InboundMessage> {
  const raw = [
    'Authentication-Results: mx.acme.test; dkim=pass header.d=example.com; spf=pass',
    `From: Ana Lopez <${EMAIL}>`,
    'To: support@acme.test',
    'Subject: My order',
    `Message-ID: <${id}@example.com>`,
    '',
    body,
  ].join('\r\n');
  return parseEmail(raw, { receivedAt, trustedAuthServId: 'mx.acme.test' });
}

describe('one customer across SMS and e-mail', () => {
  it('keeps the contacts apart until a person merges them, then both channels resolve to one customer with both identities', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const identity = createIdentityService({
      storage: createMemoryStorage(),
      clock,
      ids: createIdGenerator({ clock, seed: 5 }),
    });
    const first = sms('SM00000000000000000000000000000001', 'Where is my order?', clock.now());
    expect(first.from.identities).toEqual([
      expect.objectContaining({ kind: 'phone', value: PHONE, verified: true }),
    ]);
    const bySms = await identity.resolve(first.from.identities);
    expect(bySms.status).toBe('created');

    clock.advance(60_000);
    const second = await mail('m1', `Hi, I texted you from ${PHONE} about my order.`, clock.now());
    expect(second.from.identities).toEqual([
      expect.objectContaining({ kind: 'email', value: EMAIL, verified: true }),
    ]);
    const byMail = await identity.resolve(second.from.identities);
    expect(byMail.status).toBe('created');
    expect(byMail.customerId).not.toBe(bySms.customerId);

    // An agent calls the number back, confirms it is Ana, and merges the two records.
    await identity.merge(bySms.customerId, byMail.customerId, {
      reason: 'confirmed by phone call',
      actor: { id: 'agent-7', roles: ['supervisor'] },
      evidence: [{ note: 'called back the SMS number; the caller named the order from the e-mail' }],
    });
    const keys = (await identity.identitiesOf(bySms.customerId)).map((i) => `${i.kind}:${i.value}`).sort();
    expect(keys).toEqual([`email:${EMAIL}`, `phone:${PHONE}`]);

    clock.advance(60_000);
    const again = await identity.resolve(
      sms('SM00000000000000000000000000000002', 'Thanks!', clock.now()).from.identities,
    );
    const againMail = await identity.resolve(
      (await mail('m2', 'Got it, thanks.', clock.now())).from.identities,
    );
    expect(again.customerId).toBe(bySms.customerId);
    expect(againMail.customerId).toBe(bySms.customerId);
  });
});
