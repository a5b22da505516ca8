/** How a sender retries transient failures. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** Delay before the first retry in ms (default 500); doubles each retry. */
  baseDelayMs?: number;
  /** Ceiling of one delay in ms (default 30 000). */
  maxDelayMs?: number;
}

/**
 * The delay before retry `n` (1-based): exponential with "full jitter" — a uniform draw in
 * `[0, min(max, base·2^(n-1))]` — so many senders retrying at once spread out (internal).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const base = policy.baseDelayMs ?? 500;
  const cap = Math.min(policy.maxDelayMs ?? 30_000, base * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}
