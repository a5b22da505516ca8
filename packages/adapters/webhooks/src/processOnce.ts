import type { DeliveryDedupe } from './deliveryDedupe.js';

/**
 * What {@link processOnce} did: `processed` (answer 2xx), `duplicate` (answer 409: processed
 * already, or being processed by a concurrent request), or `failed` (answer 5xx so the provider
 * retries; the claim was released, so the retry is processed).
 */
export type ProcessOnceResult =
  | { outcome: 'processed' }
  | { outcome: 'duplicate'; claim: 'in_flight' | 'completed' }
  | { outcome: 'failed'; error: unknown };

/**
 * Runs `process` for a delivery at most once with success: claims `key`, runs `process`, then
 * completes the claim; when `process` throws the claim is released so the provider's retry goes
 * through. A valid message is never dropped and never processed twice after success.
 *
 * @example
 * ```ts
 * const done = await processOnce(dedupe, `mailgun:${message.providerMessageId}`, () => route(message));
 * res.writeHead(done.outcome === 'processed' ? 200 : done.outcome === 'duplicate' ? 409 : 500).end();
 * ```
 */
export async function processOnce(
  dedupe: DeliveryDedupe,
  key: string,
  process: () => unknown,
): Promise<ProcessOnceResult> {
  const claim = await dedupe.claim(key);
  if (claim !== 'claimed') return { outcome: 'duplicate', claim };
  try {
    await process();
  } catch (error) {
    await dedupe.release(key);
    return { outcome: 'failed', error };
  }
  await dedupe.complete(key);
  return { outcome: 'processed' };
}
