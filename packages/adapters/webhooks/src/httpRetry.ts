// Retries for the HTTP senders of channel adapters (Twilio, WhatsApp, …): one policy, `Retry-After`
// honoured, exponential backoff with jitter, injectable sleep and randomness for tests.

/** How a sender retries a provider call that failed with 429, 5xx or a network error. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  maxAttempts: number;
  /** The first retry waits about this long; each later one doubles it (default 250 ms). */
  baseDelayMs: number;
  /** No computed wait exceeds this (default 10 000 ms). */
  maxDelayMs: number;
  /** A `Retry-After` longer than this ends the retries instead of waiting (default 60 000 ms). */
  maxRetryAfterMs: number;
}

/** The default {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

/** The `fetch` a sender calls: the global one, or any function with its shape. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The last answer of a provider call after retries. */
export type HttpOutcome =
  | { kind: 'response'; status: number; body: unknown; attempts: number; retryable: boolean }
  | { kind: 'network'; error: unknown; attempts: number };

/** What {@link callWithRetries} needs. */
export interface CallOptions {
  fetch: FetchLike;
  url: string;
  /** Builds the request for each attempt (a body stream can only be read once). */
  init: () => RequestInit;
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** A float in [0, 1) for jitter. */
  random: () => number;
  /** The current instant, to read a `Retry-After` date. */
  now: () => number;
  /** Whether a non-2xx answer is worth retrying (429 and 5xx always are). */
  retryableBody?: (status: number, body: unknown) => boolean;
}

/** Reads `Retry-After` (seconds or an HTTP date) as milliseconds from now; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The wait before retry `retry` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Calls a provider, retrying 429, 5xx, provider-specific throttling and network errors with
 * exponential backoff and jitter, honouring `Retry-After`. Resolves with the last answer; never
 * throws for the provider's answer (only for a bug in `fetch`'s caller).
 */
export async function callWithRetries(options: CallOptions): Promise<HttpOutcome> {
  const { policy } = options;
  for (let attempt = 1; ; attempt++) {
    let retryAfter: number | undefined;
    let outcome: HttpOutcome;
    try {
      const response = await options.fetch(options.url, options.init());
      const body = await readBody(response);
      if (response.status >= 200 && response.status < 300) {
        return { kind: 'response', status: response.status, body, attempts: attempt, retryable: false };
      }
      const retryable =
        response.status === 429 ||
        response.status >= 500 ||
        (options.retryableBody?.(response.status, body) ?? false);
      outcome = { kind: 'response', status: response.status, body, attempts: attempt, retryable };
      if (!retryable) return outcome;
      retryAfter = parseRetryAfter(response.headers.get('retry-after'), options.now());
    } catch (error) {
      outcome = { kind: 'network', error, attempts: attempt };
    }
    if (attempt >= policy.maxAttempts) return outcome;
    if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) return outcome;
    const delay = Math.max(backoffDelay(attempt, policy, options.random), retryAfter ?? 0);
    await options.sleep(delay);
  }
}

/** The default sleep: a real timer (tests inject their own). */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
