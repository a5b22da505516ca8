import type { WebhookFailureReason } from './types.js';

/** Default replay window: five minutes either way, as Slack and Standard Webhooks specify. */
export const DEFAULT_TOLERANCE_MS = 5 * 60 * 1000;

/** Parses a whole number of Unix seconds into epoch milliseconds. */
export function parseUnixSeconds(text: string): number | undefined {
  // Fifteen digits is far beyond any real date and keeps the product a safe integer.
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/** Checks a signed instant against the replay window around `now`. */
export function checkWindow(
  signedAt: number,
  now: number,
  toleranceMs: number,
): Extract<WebhookFailureReason, 'expired' | 'future'> | undefined {
  if (now - signedAt > toleranceMs) return 'expired';
  if (signedAt - now > toleranceMs) return 'future';
  return undefined;
}
