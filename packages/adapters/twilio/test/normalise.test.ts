import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  classifyTwilioWebhook,
  normaliseTwilioMessage,
  normaliseTwilioStatus,
  normaliseTwilioVoice,
  normaliseTwilioWebhook,
  readTwilioForm,
} from '../src/index.js';

const receivedAt = Date.UTC(2026, 11, 7, 9, 30);

function validation(fn: () => unknown): (string | number)[] {
  try {
    fn();
  } catch (error) {
    if (isThreadlineError(error, 'VALIDATION')) return [...(error.path ?? [])];
    throw error;
  }
  throw new Error('expected a VALIDATION error');
}

describe('incoming messages', () => {
  // Shape from https://www.twilio.com/docs/messaging/guides/webhook-request (SMS, with the
  // geographic fields Twilio adds).
  const sms =
    'ToCountry=US&ToState=CA&SmsMessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&NumMedia=0&ToCity=SAN+FRANCISCO' +
    '&FromZip=&SmsSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&FromState=&SmsStatus=received&FromCity=&Body=Where+is+my+refund%3F' +
    '&FromCountry=GB&To=%2B14155238886&ToZip=94105&NumSegments=1&MessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f' +
    '&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B447700900123&ApiVersion=2010-04-01';

  it('normalises an SMS', () => {
    const item = normaliseTwilioWebhook(sms, { receivedAt });
    expect(item).toMatchObject({
      kind: 'message',
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      from: { identities: [{ kind: 'phone', value: '+447700900123', verified: true, channel: 'sms' }] },
      to: '+14155238886',
      text: 'Where is my refund?',
      attachments: [],
      occurredAt: receivedAt,
      threadKey: 'twilio:sms:+447700900123:+14155238886',
    });
    expect(item.metadata).toMatchObject({ FromCountry: 'GB', NumSegments: '1' });
  });

  it('normalises an MMS with two media items', () => {
    // MMS fields from the same page: NumMedia, MediaUrl{N}, MediaContentType{N}.
    const form = {
      MessageSid: 'MM800f449d0399ed014aae2bcc0cc2f2ec',
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: '+447700900123',
      To: '+14155238886',
      Body: 'Photos of the damage',
      NumMedia: '2',
      MediaContentType0: 'image/jpeg',
      MediaUrl0:
        'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM800f449d0399ed014aae2bcc0cc2f2ec/Media/ME1',
      MediaContentType1: 'image/png',
      MediaUrl1:
        'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM800f449d0399ed014aae2bcc0cc2f2ec/Media/ME2',
    };
    const item = normaliseTwilioMessage(form, { receivedAt });
    expect(item.attachments).toEqual([
      { url: form.MediaUrl0, contentType: 'image/jpeg' },
      { url: form.MediaUrl1, contentType: 'image/png' },
    ]);
  });

  it('rejects a declared media item that is missing, naming the field', () => {
    const form = { MessageSid: 'MM1', From: '+447700900123', To: '+14155238886', NumMedia: '1' };
    expect(validation(() => normaliseTwilioMessage(form, { receivedAt }))).toEqual(['MediaUrl0']);
  });

  it('normalises WhatsApp via Twilio: prefixes, profile name, location, button payload, reply context', () => {
    // Fields from https://www.twilio.com/docs/messaging/guides/webhook-request#whatsapp-specific-parameters
    const form = {
      MessageSid: 'SM2a7e4f4a3f0d1c2b3a4f5e6d7c8b9a01',
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: 'whatsapp:+447700900123',
      To: 'whatsapp:+14155238886',
      Body: '',
      NumMedia: '0',
      ProfileName: 'Ana Lima',
      WaId: '447700900123',
      MessageType: 'location',
      Latitude: '51.5074',
      Longitude: '-0.1278',
      Address: '10 Downing St, London',
      Label: 'Home',
      ButtonText: 'Talk to a person',
      ButtonPayload: 'handoff',
      OriginalRepliedMessageSid: 'SM0000000000000000000000000000beef',
    };
    const item = normaliseTwilioMessage(form, { receivedAt });
    expect(item).toMatchObject({
      channel: 'whatsapp',
      from: {
        displayName: 'Ana Lima',
        identities: [{ kind: 'phone', value: '+447700900123', channel: 'whatsapp' }],
      },
      to: '+14155238886',
      location: { latitude: 51.5074, longitude: -0.1278, name: 'Home', address: '10 Downing St, London' },
      interactive: { id: 'handoff', title: 'Talk to a person' },
      inReplyTo: 'SM0000000000000000000000000000beef',
      threadKey: 'twilio:whatsapp:+447700900123:+14155238886',
    });
    expect(item.metadata).toMatchObject({ WaId: '447700900123', MessageType: 'location' });
  });

  it('gives short codes and alphanumeric senders a channel handle, not a phone', () => {
    const item = normaliseTwilioMessage(
      { MessageSid: 'SM1', From: '48123', To: '+14155238886', Body: 'STOP' },
      { receivedAt },
    );
    expect(item.from.identities).toEqual([
      { kind: 'channel_handle', namespace: 'twilio', value: '48123', channel: 'sms' },
    ]);
  });

  it('names the bad field', () => {
    expect(validation(() => normaliseTwilioMessage({ From: '+1', To: '+2' }, { receivedAt }))).toEqual([
      'MessageSid',
    ]);
    expect(
      validation(() =>
        normaliseTwilioMessage(
          { MessageSid: 'SM1', From: '+447700900123', To: '+1', Latitude: '91', Longitude: '0' },
          { receivedAt },
        ),
      ),
    ).toEqual(['Latitude']);
    expect(validation(() => normaliseTwilioWebhook('MessageSid=SM1&To=%2B1', { receivedAt }))).toEqual([
      'From',
    ]);
    expect(
      validation(() => normaliseTwilioWebhook('MessageSid=SM1&To=x&From=y', { receivedAt: Number.NaN })),
    ).toEqual(['receivedAt']);
  });
});

describe('status callbacks', () => {
  // Shape from https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
  const form = {
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    From: '+14155238886',
    MessageSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
    MessageStatus: 'undelivered',
    SmsSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
    SmsStatus: 'undelivered',
    To: '+447700900123',
    ErrorCode: '30003',
    ApiVersion: '2010-04-01',
  };

  it('maps every Twilio status and keeps the error code', () => {
    const item = normaliseTwilioWebhook(form, { receivedAt });
    expect(item).toMatchObject({
      kind: 'status',
      channel: 'sms',
      providerMessageId: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
      state: 'failed',
      to: '+447700900123',
      error: { code: 'twilio:30003' },
    });
    const states = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'canceled', 'accepted'].map(
      (s) => normaliseTwilioStatus({ ...form, MessageStatus: s, ErrorCode: '' }, { receivedAt }).state,
    );
    expect(states).toEqual(['queued', 'sent', 'sent', 'delivered', 'read', 'failed', 'failed', 'queued']);
  });

  it('reads WhatsApp recipients and the legacy SmsStatus field', () => {
    const { MessageStatus: _drop, ...legacy } = form;
    const item = normaliseTwilioStatus(
      { ...legacy, SmsStatus: 'delivered', ErrorCode: '', To: 'whatsapp:+447700900123' },
      { receivedAt },
    );
    expect(item).toMatchObject({ channel: 'whatsapp', state: 'delivered', to: '+447700900123' });
    expect(item.error).toBeUndefined();
  });

  it('rejects an unknown status', () => {
    expect(
      validation(() => normaliseTwilioStatus({ ...form, MessageStatus: 'lost' }, { receivedAt })),
    ).toEqual(['MessageStatus']);
  });
});

describe('voice events', () => {
  // Status callback parameters from https://www.twilio.com/docs/voice/api/call-resource#statuscallback
  const base = {
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    CallSid: 'CA5f7c9d3a1b2e4f6a8c0d2e4f6a8b0c1d',
    From: '+447700900123',
    To: '+14155238886',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    Timestamp: 'Mon, 07 Dec 2026 09:31:02 +0000',
  };

  it('maps call progress to conversation events', () => {
    const type = (extra: Record<string, string>) =>
      normaliseTwilioVoice({ ...base, ...extra }, { receivedAt }).type;
    expect(type({ CallStatus: 'ringing' })).toBe('call.ringing');
    expect(type({ CallStatus: 'in-progress' })).toBe('call.answered');
    expect(type({ CallStatus: 'no-answer' })).toBe('call.ended');
    // Conference participant hold events: https://www.twilio.com/docs/voice/api/conference-resource#statuscallbackevent
    expect(type({ StatusCallbackEvent: 'participant-hold', ConferenceSid: 'CF1', Hold: 'true' })).toBe(
      'call.held',
    );
    expect(type({ StatusCallbackEvent: 'participant-unhold', ConferenceSid: 'CF1' })).toBe('call.resumed');
  });

  it('reads the end, the duration and the timestamp', () => {
    const event = normaliseTwilioVoice(
      { ...base, CallStatus: 'completed', CallDuration: '184' },
      { receivedAt },
    );
    expect(event).toMatchObject({
      kind: 'conversation',
      channel: 'voice',
      type: 'call.ended',
      providerConversationId: base.CallSid,
      durationSeconds: 184,
      occurredAt: Date.UTC(2026, 11, 7, 9, 31, 2),
      from: { identities: [{ kind: 'phone', value: '+447700900123', channel: 'voice' }] },
      to: '+14155238886',
      metadata: { callStatus: 'completed' },
    });
  });

  it('reads IVR digits and SIP transfers', () => {
    // <Gather> action parameters: https://www.twilio.com/docs/voice/twiml/gather#action
    const digits = normaliseTwilioWebhook(
      { ...base, CallStatus: 'in-progress', Digits: '2#' },
      { receivedAt },
    );
    expect(digits).toMatchObject({ type: 'call.digits', digits: '2#' });
    const transfer = normaliseTwilioVoice(
      { ...base, CallStatus: 'in-progress', ReferTransferTarget: 'sip:billing@example.com' },
      { receivedAt },
    );
    expect(transfer).toMatchObject({ type: 'call.transferred', transferTo: 'sip:billing@example.com' });
  });

  it('takes the callee as the customer on outbound calls', () => {
    const event = normaliseTwilioVoice(
      {
        ...base,
        From: '+14155238886',
        To: '+447700900123',
        Direction: 'outbound-api',
        CallStatus: 'ringing',
      },
      { receivedAt },
    );
    expect(event.from?.identities[0]?.value).toBe('+447700900123');
    expect(event.to).toBe('+14155238886');
  });

  it('rejects a callback that says nothing about the call', () => {
    expect(validation(() => normaliseTwilioVoice({ CallSid: 'CA1' }, { receivedAt }))).toEqual([
      'CallStatus',
    ]);
    expect(validation(() => normaliseTwilioVoice({ ...base, Digits: 'abc' }, { receivedAt }))).toEqual([
      'Digits',
    ]);
  });
});

describe('reading and classifying forms', () => {
  it('reads strings, bytes, URLSearchParams and records', () => {
    const text = 'A=1&B=two+words';
    expect(readTwilioForm(text)).toEqual({ A: '1', B: 'two words' });
    expect(readTwilioForm(new TextEncoder().encode(text))).toEqual({ A: '1', B: 'two words' });
    expect(readTwilioForm(new URLSearchParams(text))).toEqual({ A: '1', B: 'two words' });
    expect(readTwilioForm({ A: ['0', '1'], B: undefined })).toEqual({ A: '1' });
    expect(validation(() => readTwilioForm({ A: 1 }))).toEqual(['A']);
    expect(validation(() => readTwilioForm(null))).toEqual([]);
  });

  it('tells the three webhooks apart', () => {
    expect(classifyTwilioWebhook({ CallSid: 'CA1' })).toBe('voice');
    expect(classifyTwilioWebhook({ MessageSid: 'SM1', SmsStatus: 'received' })).toBe('message');
    expect(classifyTwilioWebhook({ MessageSid: 'SM1', MessageStatus: 'sent' })).toBe('status');
  });
});
