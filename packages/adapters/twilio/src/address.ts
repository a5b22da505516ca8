import type { Channel } from '@threadline/core';
import type { IdentityInput } from '@threadline/core/identity';

/** A Twilio address split into its channel and the bare number or handle. */
export interface TwilioAddress {
  /** `whatsapp` for `whatsapp:` addresses, `voice` for `client:`/`sip:`, else the caller's default. */
  channel: Channel;
  /** The address without its `whatsapp:` prefix. */
  value: string;
  /** True when the value is an E.164-looking number (`+` and 7–15 digits). */
  isPhone: boolean;
}

const PHONE = /^\+[1-9]\d{6,14}$/;

/** Splits a Twilio `From`/`To` into channel and value. */
export function parseTwilioAddress(raw: string, fallback: Channel): TwilioAddress {
  if (raw.startsWith('whatsapp:')) {
    const value = raw.slice('whatsapp:'.length);
    return { channel: 'whatsapp', value, isPhone: PHONE.test(value) };
  }
  return { channel: fallback, value: raw, isPhone: PHONE.test(raw) };
}

/**
 * The identity a Twilio address gives identity resolution: a phone number (marked verified: the
 * carrier or WhatsApp delivered from it) or, for short codes, alphanumeric senders and SIP or
 * client names, a channel handle in the `twilio` namespace.
 */
export function identityOf(address: TwilioAddress, phoneVerified: boolean): IdentityInput {
  if (address.isPhone) {
    return { kind: 'phone', value: address.value, verified: phoneVerified, channel: address.channel };
  }
  return { kind: 'channel_handle', namespace: 'twilio', value: address.value, channel: address.channel };
}
