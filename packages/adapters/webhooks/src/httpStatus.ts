import { type ErrorCode, isThreadlineError } from '@threadline/core';

/**
 * The HTTP status every channel adapter answers for each error code, when the error does not
 * carry its own `details.status`:
 *
 * | code | status | meaning |
 * | --- | --- | --- |
 * | `VALIDATION` | 400 | the payload is not what the provider sends (bad JSON, missing field) |
 * | `UNAUTHENTICATED_WEBHOOK` | 401 | the signature, basic auth or token failed |
 * | `FORBIDDEN` | 403 | an authenticated caller that may not do this |
 * | `NOT_FOUND` | 404 | |
 * | `CONFLICT` | 409 | a duplicate delivery (already processed, or being processed now) |
 * | `CAPACITY` | 413 | the body is larger than the configured limit |
 * | `UNSUPPORTED` | 415 | a content type the adapter does not read |
 * | `TIMEOUT` | 503 | |
 * | anything else, or not a `ThreadlineError` | 500 | the provider should retry |
 *
 * An error raised with `details.status` (e.g. the 413 of `fromNodeRequest`) keeps that status.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  VALIDATION: 400,
  UNAUTHENTICATED_WEBHOOK: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CAPACITY: 413,
  UNSUPPORTED: 415,
  TIMEOUT: 503,
});

/**
 * The HTTP status a webhook endpoint answers for `error`: the error's own `details.status` when
 * it is a valid 4xx/5xx, else the mapping of {@link HTTP_STATUS_BY_CODE}, else 500 (so the
 * provider retries: a failure on our side never loses a message).
 *
 * @example
 * ```ts
 * try {
 *   const message = await parsePostmarkInbound({ headers, rawBody, now: Date.now() });
 *   await route(message);
 *   res.writeHead(200).end();
 * } catch (error) {
 *   res.writeHead(httpStatusOf(error)).end();
 * }
 * ```
 */
export function httpStatusOf(error: unknown): number {
  if (!isThreadlineError(error)) return 500;
  const own = error.details.status;
  if (typeof own === 'number' && Number.isInteger(own) && own >= 400 && own <= 599) return own;
  return HTTP_STATUS_BY_CODE[error.code] ?? 500;
}
