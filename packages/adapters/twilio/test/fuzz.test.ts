import { InboundChannelItemSchema, isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseTwilioWebhook } from '../src/index.js';

// Field names the normalisers read, so random values land where they are parsed.
const NAMES = [
  'MessageSid',
  'From',
  'To',
  'Body',
  'NumMedia',
  'MediaUrl0',
  'MediaContentType0',
  'MediaUrl1',
  'MediaContentType1',
  'ProfileName',
  'ButtonPayload',
  'ButtonText',
  'Latitude',
  'Longitude',
  'Label',
  'Address',
  'MessageStatus',
  'SmsStatus',
  'ErrorCode',
  'CallSid',
  'CallStatus',
  'Digits',
  'CallDuration',
  'StatusCallbackEvent',
  'ReferTransferTarget',
  'Timestamp',
  'Direction',
  '__proto__',
  'constructor',
];
const VALUES = [
  'SM1f0e8ae6ade43cb3c0ce4525424e404f',
  '+447700900123',
  'whatsapp:+447700900123',
  '2',
  '1',
  '0',
  '-0.5',
  '91',
  'https://example.com/a.jpg',
  'image/jpeg',
  'delivered',
  'received',
  'undelivered',
  'in-progress',
  'completed',
  'participant-hold',
  'outbound-api',
  '12#',
  'Mon, 07 Dec 2026 09:31:02 +0000',
  '',
];

const field = fc.tuple(
  fc.oneof(fc.constantFrom(...NAMES), fc.string()),
  fc.oneof(fc.constantFrom(...VALUES), fc.string()),
);
const formRecord = fc.array(field, { maxLength: 14 }).map((pairs) => {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs)
    Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  return out;
});
// Valid webhooks of each kind with random fields replaced, added or removed.
const BASES: Record<string, string>[] = [
  { MessageSid: 'SM1', From: '+447700900123', To: '+14155238886', Body: 'hi', NumMedia: '0' },
  {
    MessageSid: 'SM2',
    From: 'whatsapp:+447700900123',
    To: 'whatsapp:+14155238886',
    Latitude: '1.5',
    Longitude: '2',
  },
  { MessageSid: 'SM3', MessageStatus: 'delivered', To: '+447700900123', ErrorCode: '' },
  { CallSid: 'CA1', CallStatus: 'completed', From: '+447700900123', To: '+14155238886', CallDuration: '12' },
];
const mutated = fc
  .tuple(fc.constantFrom(...BASES), formRecord, fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }))
  .map(([base, extra, drop]) => {
    const out: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(extra).slice(0, 2)) {
      Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
    }
    for (const name of drop) delete out[name];
    return out;
  });
const body = fc.oneof(
  mutated,
  mutated.map((r) => new URLSearchParams(Object.entries(r)).toString()),
  formRecord,
  formRecord.map((r) => new URLSearchParams(Object.entries(r)).toString()),
  fc.uint8Array({ maxLength: 200 }),
  fc.string(),
  fc.jsonValue(),
);

describe('normaliseTwilioWebhook fuzz', () => {
  it('returns a valid item or throws VALIDATION with a path, never anything else', () => {
    let items = 0;
    fc.assert(
      fc.property(body, (input) => {
        try {
          const item = normaliseTwilioWebhook(input as never, { receivedAt: 1_800_000_000_000 });
          expect(InboundChannelItemSchema.safeParse(item).success).toBe(true);
          items++;
        } catch (error) {
          if (!isThreadlineError(error, 'VALIDATION')) throw error;
          expect(Array.isArray(error.path)).toBe(true);
        }
      }),
      { numRuns: 3000, seed: 14 },
    );
    // The generator is aimed well enough that some inputs are valid webhooks.
    expect(items).toBeGreaterThan(10);
  });
});
