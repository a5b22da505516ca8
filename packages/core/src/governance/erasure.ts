import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseInput } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import type { EventLog, StoredEvent } from '../ports/eventLog.js';
import { validateAdapter } from '../ports/registration.js';
import { DEFAULT_TENANT, IdSchema, TenantIdSchema } from '../schemas/common.js';
import type { AccessControl } from './access.js';
import { createRedactor, type RedactOptions } from './redact.js';

const FIELD_PATH = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a dotted field path');

/** Zod schema of one entry of a {@link PiiRegistry}: where a customer's personal data lives. */
export const PiiRegistryEntrySchema = z
  .object({
    /** The collection. */
    collection: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a collection name'),
    /**
     * How to find the customer's documents: `id` (the document id is the customer id) or an
     * indexed field holding the customer id (declared on the collection before the lookup).
     */
    match: z.union([z.literal('id'), z.object({ field: FIELD_PATH }).strict()]),
    /** `delete` the documents, or `anonymize` them (keep the document, erase the listed fields). */
    mode: z.enum(['delete', 'anonymize']),
    /** `anonymize`: fields to erase (strings → the erased marker, arrays → `[]`, objects → `{}`, others → `null`). */
    fields: z.array(FIELD_PATH).default([]),
    /** `anonymize`: string fields whose personal data is redacted in place (the rest of the text stays). */
    redactFields: z.array(FIELD_PATH).default([]),
    /** `anonymize`: a field set to the erasure time (e.g. `erasedAt` on the customer). */
    stamp: FIELD_PATH.optional(),
  })
  .strict()
  .refine(
    (e) => e.mode === 'delete' || e.fields.length + e.redactFields.length > 0 || e.stamp !== undefined,
    {
      message: 'an anonymize entry needs fields, redactFields or stamp',
      path: ['fields'],
    },
  );

/** Where a customer's personal data lives in the document store. */
export type PiiRegistryEntry = z.input<typeof PiiRegistryEntrySchema>;

/** The registry of collections/fields holding a customer's personal data. */
export type PiiRegistry = readonly PiiRegistryEntry[];

/** Zod schema of how event payloads are erased. */
export const EventErasureSchema = z
  .object({
    /** Payload paths holding the customer id; an event matches when one equals it (default `['customerId']`). */
    customerPaths: z.array(FIELD_PATH).default(['customerId']),
    /** Also match events whose `aggregateId` is the customer id (default `true`). */
    matchAggregate: z.boolean().default(true),
    /** Payload fields to erase outright. */
    fields: z.array(FIELD_PATH).default([]),
    /** Redact personal data in every other string of the payload (default `true`). */
    redactStrings: z.boolean().default(true),
  })
  .strict();

/** How event payloads are erased. */
export type EventErasure = z.input<typeof EventErasureSchema>;

/** Options for {@link createErasureService}. */
export interface ErasureServiceOptions {
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Where the customer's personal data lives. */
  registry: PiiRegistry;
  /** The event log whose payloads are erased too (through `EventLog.redactEvents`). */
  events?: EventLog;
  eventErasure?: EventErasure;
  audit?: AuditSink;
  /** Checked before erasing (`customer.erase`). */
  access?: AccessControl;
  /** Redaction options for `redactFields` and event strings (default: label style). */
  redaction?: RedactOptions;
  /** What erased strings become (default `'[erased]'`). */
  erasedValue?: string;
  /** Collection of tombstones (default `erasure_tombstones`). */
  tombstones?: string;
}

/** What one erasure did to one collection. */
export interface CollectionErasure {
  collection: string;
  mode: 'delete' | 'anonymize';
  /** Documents deleted or anonymised. */
  documents: number;
}

/** What happened to event payloads. */
export type EventErasureOutcome =
  | { status: 'redacted'; events: number }
  | { status: 'unsupported'; reason: string }
  | { status: 'not_configured' };

/** The record an erasure leaves behind: no personal data, only what was done, when and by whom. */
export interface ErasureTombstone extends StoredDocument {
  customerId: string;
  erasedAt: number;
  actorId: string;
  reason?: string;
  collections: CollectionErasure[];
  events: EventErasureOutcome;
}

/** The result of {@link ErasureService.eraseCustomer}. */
export interface ErasureResult {
  tombstone: ErasureTombstone;
  /** `true` when the customer had already been erased and nothing was done. */
  alreadyErased: boolean;
}

/** Erasure (right to be forgotten). */
export interface ErasureService {
  /**
   * Deletes or anonymises the customer's personal data in every registered collection and in
   * event payloads, then writes a tombstone and an audit entry. Idempotent: once a tombstone
   * exists, a call returns it and changes nothing.
   */
  eraseCustomer(
    customerId: string,
    context: { actor: Actor; tenantId?: string; reason?: string },
  ): Promise<ErasureResult>;
  /** The tombstone of an erased customer. */
  getTombstone(customerId: string, options?: { tenantId?: string }): Promise<ErasureTombstone | undefined>;
}

type Json = unknown;

function setPath(target: Record<string, Json>, path: string, update: (value: Json) => Json): void {
  const parts = path.split('.');
  let node: Record<string, Json> = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i] as string];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    node = next as Record<string, Json>;
  }
  const key = parts[parts.length - 1] as string;
  if (key in node) node[key] = update(node[key]);
}

function assignPath(target: Record<string, Json>, path: string, value: Json): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {};
    node = node[p] as Record<string, Json>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function getPath(target: unknown, path: string): unknown {
  let node = target;
  for (const p of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/**
 * Creates the erasure service. The registry is validated up front (`CONFIG` error with paths).
 *
 * @example
 * ```ts
 * const erasure = createErasureService({
 *   store, events, clock, ids, audit, access,
 *   registry: [
 *     { collection: 'customers', match: 'id', mode: 'anonymize', fields: ['profile', 'attributes'], stamp: 'erasedAt' },
 *     { collection: 'identities', match: { field: 'customerId' }, mode: 'delete' },
 *     { collection: 'messages', match: { field: 'customerId' }, mode: 'anonymize', fields: ['body', 'attachments'] },
 *   ],
 * });
 * const { tombstone } = await erasure.eraseCustomer('c1', { actor: admin, reason: 'GDPR art. 17 request' });
 * ```
 */
export function createErasureService(options: ErasureServiceOptions): ErasureService {
  const registry = parseInput(
    z.array(PiiRegistryEntrySchema).min(1),
    options.registry,
    'PII registry',
    'CONFIG',
  );
  const eventErasure = parseInput(EventErasureSchema, options.eventErasure ?? {}, 'event erasure', 'CONFIG');
  const store = validateAdapter('DocumentStore', options.store);
  const events = options.events === undefined ? undefined : validateAdapter('EventLog', options.events);
  const { clock, audit, access } = options;
  const redactor = createRedactor(options.redaction ?? {});
  const erasedValue = options.erasedValue ?? '[erased]';
  const tombstones = options.tombstones ?? 'erasure_tombstones';
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= (async () => {
      await store.defineCollection(tombstones, { indexes: [] });
      for (const e of registry) {
        await store.defineCollection(e.collection, { indexes: e.match === 'id' ? [] : [e.match.field] });
      }
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };

  // Keep the field's JSON type so documents still match their schemas.
  const erase = (value: Json): Json => {
    if (typeof value === 'string') return erasedValue;
    if (Array.isArray(value)) return [];
    if (typeof value === 'object' && value !== null) return {};
    return null;
  };
  const redactDeep = (value: Json): Json => {
    if (typeof value === 'string') return redactor.redact(value).text;
    if (Array.isArray(value)) return value.map(redactDeep);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
      return out;
    }
    return value;
  };

  const findIds = async (collection: string, field: string, customerId: string, tenantId: string) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.find(collection, {
        tenantId,
        where: { [field]: customerId },
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const d of page.items) ids.push(d.id);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return ids;
  };

  const getTombstone = async (customerId: string, opts?: { tenantId?: string }) => {
    await ensure();
    return store.get<ErasureTombstone>(tombstones, customerId, {
      tenantId: opts?.tenantId ?? DEFAULT_TENANT,
    });
  };

  return {
    getTombstone,
    async eraseCustomer(customerId, context) {
      parseInput(IdSchema, customerId, 'customerId');
      const tenantId = parseInput(TenantIdSchema, context?.tenantId ?? DEFAULT_TENANT, 'tenantId');
      const actor = context?.actor;
      if (access) await access.authorize(actor, 'erase', { type: 'customer', id: customerId, tenantId });
      else parseInput(z.object({ id: z.string().min(1), roles: z.array(z.string()) }), actor, 'actor');
      await ensure();
      const existing = await getTombstone(customerId, { tenantId });
      if (existing) return { tombstone: existing, alreadyErased: true };

      const now = clock.now();
      // Every step below is idempotent, and the tombstone is written last: an erasure that fails
      // half-way leaves no tombstone, and calling again finishes the job.
      const collections: CollectionErasure[] = [];
      for (const entry of registry) {
        const ids =
          entry.match === 'id'
            ? [customerId]
            : await findIds(entry.collection, entry.match.field, customerId, tenantId);
        let count = 0;
        for (const id of ids) {
          if (entry.mode === 'delete') {
            if (await store.delete(entry.collection, id, { tenantId })) count++;
            continue;
          }
          const doc = await store.get(entry.collection, id, { tenantId });
          if (!doc) continue;
          const copy = structuredClone(doc) as Record<string, Json>;
          for (const f of entry.fields) setPath(copy, f, erase);
          for (const f of entry.redactFields)
            setPath(copy, f, (v) => (typeof v === 'string' ? redactor.redact(v).text : v));
          if (entry.stamp !== undefined) assignPath(copy, entry.stamp, now);
          await store.put(entry.collection, copy as StoredDocument, { expectedVersion: doc.version });
          count++;
        }
        collections.push({ collection: entry.collection, mode: entry.mode, documents: count });
      }

      let eventOutcome: EventErasureOutcome = { status: 'not_configured' };
      if (events) {
        if (typeof events.redactEvents !== 'function') {
          eventOutcome = {
            status: 'unsupported',
            reason: `event log "${events.name}" cannot rewrite payloads (no redactEvents); its events still hold the customer's data`,
          };
        } else {
          const matches = (event: StoredEvent) =>
            (eventErasure.matchAggregate && event.aggregateId === customerId) ||
            eventErasure.customerPaths.some((p) => getPath(event.payload, p) === customerId);
          const rewritten = await events.redactEvents({ tenantId, match: matches }, (event) => {
            let payload = structuredClone(event.payload) as Json;
            if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
              for (const f of eventErasure.fields) setPath(payload as Record<string, Json>, f, erase);
            }
            if (eventErasure.redactStrings) payload = redactDeep(payload);
            return payload;
          });
          eventOutcome = { status: 'redacted', events: rewritten };
        }
      }

      const tombstoneDoc: Record<string, unknown> = {
        id: customerId,
        tenantId,
        customerId,
        erasedAt: now,
        actorId: actor.id,
        collections,
        events: eventOutcome,
      };
      if (context.reason !== undefined) tombstoneDoc.reason = context.reason;
      const tombstone = await store.put<ErasureTombstone>(tombstones, tombstoneDoc as { id: string }, {
        expectedVersion: 0,
      });
      if (audit) {
        await audit.record({
          id: options.ids.next('audit'),
          tenantId,
          at: now,
          actor: { id: actor.id, roles: [...actor.roles] },
          action: 'customer.erased',
          resource: { type: 'customer', id: customerId },
          outcome: 'allowed',
          before: {
            collections: collections.map((c) => ({ collection: c.collection, documents: c.documents })),
          },
          after: { tombstone: { collection: tombstones, id: customerId, version: tombstone.version } },
          details: {
            events: eventOutcome,
            ...(context.reason === undefined ? {} : { reason: context.reason }),
          },
        });
      }
      return { tombstone, alreadyErased: false };
    },
  };
}
