import type { HeadersInput } from './types.js';

function isFetchHeaders(headers: HeadersInput): headers is Headers {
  return typeof (headers as { get?: unknown }).get === 'function';
}

/**
 * Reads one header by name, case-insensitively, from any {@link HeadersInput}. Repeated values
 * are joined with `, ` as the Fetch `Headers` class does, so a duplicated signature header never
 * matches by accident.
 */
export function readHeader(headers: HeadersInput, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const lower = name.toLowerCase();
  if (isFetchHeaders(headers)) return headers.get(lower) ?? undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== lower) continue;
    const value: unknown = headers[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      return value.length === 0 ? undefined : value.join(', ');
    }
    return undefined;
  }
  return undefined;
}
