import type { Instant } from '@threadline/core';
import { type InboundChannelItem, InboundChannelItemSchema, parseInput, toMillis } from '@threadline/core';
import { z } from 'zod';

/** Options every Twilio normaliser takes. */
export interface TwilioNormaliseOptions {
  /** When the webhook arrived (Twilio's messaging callbacks carry no timestamp of their own). */
  receivedAt: Instant;
  /**
   * Whether phone numbers Twilio reports are marked `verified` for identity resolution (default
   * `true`: the carrier or WhatsApp delivered the message from that number, which is what lets
   * the same person on SMS and WhatsApp resolve to one customer).
   */
  phoneVerified?: boolean;
}

/** A Twilio SID-like identifier: letters, digits, `_` and `-`, up to 64 characters. */
export const SidSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a Twilio SID');

/** A non-empty address (`+14155550100`, `whatsapp:+…`, `client:ana`, `sip:…`). */
export const AddressSchema = z.string().min(1).max(1000);

/** A base-10 integer in a string, within bounds. */
export function intString(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,6}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** A decimal number in a string within bounds. */
export function decimalString(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d{1,3}(\.\d{1,15})?$/, 'expected a decimal number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
}

/** Validates the final item against core's schema (a last guard: the input schemas already checked). */
export function finish(item: unknown): InboundChannelItem {
  return parseInput(InboundChannelItemSchema, item, 'normalised Twilio item');
}

/** Epoch ms of the `receivedAt` option, as a `VALIDATION` error naming it when bad. */
export function receivedMs(options: TwilioNormaliseOptions): number {
  return toMillis(options.receivedAt, 'receivedAt');
}

/** Keeps the defined string fields of `form` named in `names` (for `metadata`). */
export function pick(form: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = form[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}
