/**
 * Graph API error codes the WhatsApp sender treats specially
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 */

/** Throttling and transient errors: retried with backoff like a 429 or 5xx. */
export const RETRYABLE_GRAPH_CODES: ReadonlySet<number> = new Set([
  1, // API unknown (temporary)
  2, // API service (temporary downtime)
  4, // API too many calls (application rate limit)
  80007, // WhatsApp Business Account rate limit
  130429, // Cloud API throughput reached
  131000, // something went wrong
  131016, // service unavailable
  131056, // pair rate limit: too many messages to one recipient
  133004, // server temporarily unavailable
]);

/** Plain explanations for the refusals a host most often has to act on. */
export const GRAPH_ERROR_HINTS: Readonly<Record<number, string>> = {
  131047:
    'Re-engagement message: more than 24 hours have passed since the customer last replied; send an approved template instead',
  131026:
    'Message undeliverable: the recipient cannot receive WhatsApp messages (no account, old app or terms not accepted)',
  131051: 'Unsupported message type',
  132000: 'Template parameter count mismatch',
  132001: 'Template does not exist in this language or is not approved',
  131009: 'A parameter value is not valid',
  100: 'Invalid parameter',
  190: 'Access token expired or invalid',
  368: 'Temporarily blocked for policy violations',
};

/** The error body the Graph API answers with. */
export interface GraphErrorBody {
  code?: number;
  message?: string;
  details?: string;
}

/** Reads `{ error: { code, message, error_data: { details } } }`; empty when the body has another shape. */
export function readGraphError(body: unknown): GraphErrorBody {
  if (body === null || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  if (error === null || typeof error !== 'object') return {};
  const e = error as { code?: unknown; message?: unknown; error_data?: { details?: unknown } };
  const out: GraphErrorBody = {};
  if (typeof e.code === 'number') out.code = e.code;
  if (typeof e.message === 'string') out.message = e.message;
  if (typeof e.error_data?.details === 'string') out.details = e.error_data.details;
  return out;
}
