import { ThreadlineError } from '@threadline/core';

/**
 * Subject layout: `<prefix>.<tenant>.<aggregate>.<event>` — an event type `case.opened` of tenant
 * `acme` is published on `threadline.acme.case.opened`. Tokens are escaped so that any tenant id
 * or type is a valid NATS subject: characters outside `[A-Za-z0-9_-]` become `~` and two hex
 * digits (`acme.eu` → `acme~2eeu`), which keeps the mapping one-to-one.
 */

const SAFE = /^[A-Za-z0-9_-]+$/;

/** Escapes one subject token (see the module comment). */
export function escapeToken(token: string): string {
  if (token.length === 0) throw new ThreadlineError('VALIDATION', 'an empty subject token');
  if (SAFE.test(token)) return token;
  let out = '';
  for (const ch of token) {
    if (/[A-Za-z0-9_-]/.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The subject an event of `tenantId` with `type` is published on. */
export function eventSubject(prefix: string, tenantId: string, type: string): string {
  return `${prefix}.${escapeToken(tenantId)}.${type.split('.').map(escapeToken).join('.')}`;
}

/**
 * The filter subject of a bus pattern, across tenants: `*` → `<prefix>.*.>`, `case.*` →
 * `<prefix>.*.case.>` (every type under `case.`, as the in-process bus matches prefixes), an
 * exact type → its subject with any tenant.
 */
export function patternSubject(prefix: string, pattern: string): string {
  if (pattern === '*') return `${prefix}.*.>`;
  if (pattern.endsWith('.*')) {
    const head = pattern.slice(0, -2);
    return `${prefix}.*.${head.split('.').map(escapeToken).join('.')}.>`;
  }
  return `${prefix}.*.${pattern.split('.').map(escapeToken).join('.')}`;
}

/** A durable-consumer name from free text: NATS names allow no `.`, `*`, `>` or whitespace. */
export function consumerName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, (c) => (c === '*' ? 'all' : '_')).slice(0, 200);
}
