import { ThreadlineError } from '@threadline/core';

/** A Twilio webhook body: the raw form text or bytes, `URLSearchParams`, or fields already parsed. */
export type TwilioFormInput =
  | string
  | Uint8Array
  | URLSearchParams
  | Readonly<Record<string, string | readonly string[] | undefined>>;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads a Twilio webhook body into a flat record of fields (the last value wins when a name
 * repeats; Twilio repeats none). Anything that is not a form throws `VALIDATION`.
 */
export function readTwilioForm(input: unknown): Record<string, string> {
  let params: URLSearchParams | undefined;
  if (typeof input === 'string') params = new URLSearchParams(input);
  else if (input instanceof Uint8Array) params = new URLSearchParams(decoder.decode(input));
  else if (input instanceof URLSearchParams) params = input;
  if (params) {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of params) out[k] = v;
    return out;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ThreadlineError('VALIDATION', 'Invalid Twilio webhook: expected a form body', {
      issues: [{ path: [], message: 'expected a form body or a record of fields', code: 'invalid_type' }],
    });
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0) {
      out[k] = v[v.length - 1] as string;
    } else {
      throw new ThreadlineError('VALIDATION', `Invalid Twilio webhook: ${k}: expected a string`, {
        issues: [{ path: [k], message: 'expected a string', code: 'invalid_type' }],
      });
    }
  }
  return out;
}
