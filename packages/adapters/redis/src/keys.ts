/**
 * Key layout: one stream per tenant and event family (the event type's first segment), so
 * `case.opened` of tenant `acme` goes to `threadline:acme:case`; dead letters to
 * `threadline:dead:acme:case`; the set of streams to `threadline:streams`; handled ids to
 * `threadline:seen:<group>:<event id>`. Segments are escaped so `:` in a tenant id cannot forge a
 * key: characters outside `[A-Za-z0-9_.-]` become `%` and two hex digits per byte.
 */

/** Escapes one key segment. */
export function escapeSegment(text: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(text)
    ? text
    : Array.from(Buffer.from(text, 'utf8'), (b) =>
        /[A-Za-z0-9_.-]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).padStart(2, '0')}`,
      ).join('');
}

/** The family of an event type: its first segment. */
export function familyOf(type: string): string {
  const dot = type.indexOf('.');
  return dot === -1 ? type : type.slice(0, dot);
}

export function streamKey(prefix: string, tenantId: string, family: string): string {
  return `${prefix}:${escapeSegment(tenantId)}:${escapeSegment(family)}`;
}

export function deadKey(prefix: string, tenantId: string, family: string): string {
  return `${prefix}:dead:${escapeSegment(tenantId)}:${escapeSegment(family)}`;
}

export function registryKey(prefix: string): string {
  return `${prefix}:streams`;
}

/** Whether a stream key (from the registry) holds events a pattern can match. */
export function streamMatches(prefix: string, key: string, pattern: string): boolean {
  if (!key.startsWith(`${prefix}:`)) return false;
  if (pattern === '*') return true;
  const family = escapeSegment(familyOf(pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern));
  return key.endsWith(`:${family}`);
}

/** Whether an event type matches a bus pattern (exact, `prefix.*`, or `*`), as the in-process bus matches. */
export function typeMatches(type: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}
