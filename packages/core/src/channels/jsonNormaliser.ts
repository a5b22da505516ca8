import type { z } from 'zod';
import { issuesFromZod, ThreadlineError, validationError } from '../errors.js';
import { type InboundChannelItem, InboundChannelItemSchema } from './inbound.js';

/** What a host's `map` returns: core's normalised item, before defaults (`metadata`, …) are applied. */
export type InboundChannelItemInput = z.input<typeof InboundChannelItemSchema>;

/** Options of {@link createJsonNormaliser}. */
export interface JsonNormaliserOptions<S extends z.ZodType> {
  /** The host's zod schema of the provider's JSON body; it is the only validation of the payload. */
  schema: S;
  /** Maps a validated body to core's normalised item (it is validated again against core's schema). */
  map: (body: z.output<S>) => InboundChannelItemInput;
  /** Prefix of the dedupe keys (default: the mapped item's `provider`). */
  keyPrefix?: string;
  /** The largest body accepted, in bytes (default 1 MiB); larger is `CAPACITY` with status 413. */
  maxBytes?: number;
}

/** The outcome of {@link JsonNormaliser.normalise}. */
export interface JsonNormalised {
  item: InboundChannelItem;
  /** The key a retried delivery of the same item shares (see {@link inboundDedupeKey}). */
  dedupeKey: string;
}

/** A normaliser for one provider's JSON webhooks, built from the host's schema and mapping. */
export interface JsonNormaliser {
  /**
   * Parses the raw body (bytes or text exactly as received) or an already-parsed value, validates
   * it with the host's schema and maps it. Throws `VALIDATION` (HTTP 400, every bad field's path
   * in `issues`) for a body that is not JSON, fails the schema, or maps to an invalid item.
   */
  normalise(body: Uint8Array | string | { json: unknown }): JsonNormalised;
}

/**
 * The key every redelivery of one normalised item shares: the provider and its message id for a
 * message; the message id and state for a status (each state is news once); the conversation id,
 * event type and time for a conversation event.
 */
export function inboundDedupeKey(item: InboundChannelItem, prefix: string = item.provider): string {
  switch (item.kind) {
    case 'message':
      return `${prefix}:message:${item.providerMessageId}`;
    case 'status':
      return `${prefix}:status:${item.providerMessageId}:${item.state}`;
    default:
      return `${prefix}:${item.type}:${item.providerConversationId}:${item.occurredAt}`;
  }
}

function badRequest(what: string, error: ThreadlineError): ThreadlineError {
  return new ThreadlineError('VALIDATION', error.message, {
    issues: error.issues,
    cause: error.cause,
    details: { status: 400, what },
  });
}

/**
 * Builds a normaliser for any JSON webhook (a provider without its own adapter, your own
 * widget's backend): the body is validated once with the zod schema the host supplies, mapped by
 * the host to core's normalised item, and that item is checked against core's schema. Lives in
 * core because it needs nothing but zod and core's inbound types; verification (signature,
 * basic auth) stays in `@threadline/adapter-webhooks`, and the returned `dedupeKey` goes to its
 * delivery dedupe.
 *
 * @example
 * ```ts
 * import { createJsonNormaliser } from '@threadline/core/channels';
 * import { z } from 'zod';
 *
 * const acme = createJsonNormaliser({
 *   schema: z.object({ id: z.string(), from: z.string().email(), text: z.string(), sentAt: z.number() }),
 *   map: (b) => ({
 *     kind: 'message', channel: 'chat', provider: 'acme-forms', occurredAt: b.sentAt,
 *     providerMessageId: b.id, to: 'support', text: b.text,
 *     from: { identities: [{ kind: 'email', value: b.from, verified: false }] },
 *   }),
 * });
 * const { item, dedupeKey } = acme.normalise(rawBody); // VALIDATION (400) with paths when bad
 * ```
 */
export function createJsonNormaliser<S extends z.ZodType>(options: JsonNormaliserOptions<S>): JsonNormaliser {
  const { schema, map } = options ?? ({} as JsonNormaliserOptions<S>);
  if (typeof (schema as { safeParse?: unknown } | undefined)?.safeParse !== 'function') {
    throw validationError(
      'JSON normaliser options',
      [{ path: ['schema'], message: 'expected a zod schema', code: 'invalid_config' }],
      'CONFIG',
    );
  }
  if (typeof map !== 'function') {
    throw validationError(
      'JSON normaliser options',
      [{ path: ['map'], message: 'expected a function', code: 'invalid_config' }],
      'CONFIG',
    );
  }
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  return {
    normalise(body) {
      let json: unknown;
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
        if (size > maxBytes) {
          throw new ThreadlineError('CAPACITY', `The JSON body is larger than ${maxBytes} bytes`, {
            details: { status: 413, maxBytes },
          });
        }
        const text =
          typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
        try {
          json = JSON.parse(text);
        } catch (cause) {
          throw new ThreadlineError('VALIDATION', 'The body is not JSON', {
            cause,
            issues: [{ path: ['body'], message: 'not JSON', code: 'invalid_json' }],
            details: { status: 400 },
          });
        }
      } else if (body !== null && typeof body === 'object' && 'json' in body) {
        json = body.json;
      } else {
        throw new ThreadlineError('VALIDATION', 'The body must be bytes, text or { json }', {
          issues: [{ path: ['body'], message: 'expected bytes, text or { json }', code: 'invalid_type' }],
          details: { status: 400 },
        });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw badRequest(
          'payload',
          validationError('webhook payload', issuesFromZod(parsed.error.issues), 'VALIDATION', parsed.error),
        );
      }
      let mapped: unknown;
      try {
        mapped = map(parsed.data as z.output<S>);
      } catch (cause) {
        if (cause instanceof ThreadlineError) throw cause;
        throw new ThreadlineError('VALIDATION', 'The payload could not be mapped', {
          cause,
          issues: [{ path: ['body'], message: String((cause as Error)?.message ?? cause), code: 'custom' }],
          details: { status: 400 },
        });
      }
      const item = InboundChannelItemSchema.safeParse(mapped);
      if (!item.success) {
        throw badRequest(
          'item',
          validationError(
            'mapped item',
            issuesFromZod(item.error.issues, ['item']),
            'VALIDATION',
            item.error,
          ),
        );
      }
      return { item: item.data, dedupeKey: inboundDedupeKey(item.data, options.keyPrefix) };
    },
  };
}
