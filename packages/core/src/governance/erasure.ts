import { z } from 'zod';
import type { Clock } from '../clock.js';
import { isThreadlineError, parseInput, ThreadlineError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import type { EventLog } from '../ports/eventLog.js';
import { findAllDocuments } from '../ports/findAll.js';
import { validateAdapter } from '../ports/registration.js';
import type { ThreadlineStorage } from '../ports/storage.js';
import { resolveDocumentStoreOption } from '../ports/storageOption.js';
import { DEFAULT_TENANT, IdSchema, TenantIdSchema } from '../schemas/common.js';
import type { AccessControl } from './access.js';
import { CUSTOMER_ERASED_EVENT_TYPE, type CustomerErasedEvent } from './customerErased.js';
import {
  createEventEraser,
  eraseLoggedEvents,
  eraseOutboxRows,
  type OutboxErasureOutcome,
} from './erasureEvents.js';
import { notifyCustomerErasure } from './erasureListeners.js';
import { assignPath, type Json, readPath, updatePath } from './jsonPath.js';
import {
  declarationsForTenant,
  declaredCollections,
  PERSONAL_DATA_COLLECTION,
  type StoredPersonalDataDeclaration,
} from './personalData.js';
import { type PiiRegistry, PiiRegistryEntrySchema } from './piiRegistry.js';
import { createRedactor, type RedactOptions } from './redact.js';
import { fenceStreams } from './streamFence.js';

export type { OutboxErasureOutcome } from './erasureEvents.js';
export {
  type PiiRegistry,
  type PiiRegistryEntry,
  PiiRegistryEntrySchema,
} from './piiRegistry.js';

const FIELD_PATH = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a dotted field path');

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
  /**
   * The storage bundle (`createMemoryStorage()`, any storage adapter): its documents hold the
   * registered collections and the personal-data declarations, its event log's payloads are
   * erased (unless `events` is given) and its outbox rows not yet delivered too.
   */
  storage?: ThreadlineStorage;
  /**
   * A document store alone (no outbox rows are erased then).
   * @deprecated Pass `storage` (the `{ documents, events, outbox }` bundle) instead.
   */
  store?: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /**
   * The host's own collections holding a customer's personal data. Engines' collections need not
   * be listed: every declaration made with `declarePersonalData` on the same store is read at
   * erase time and erased too.
   */
  registry?: PiiRegistry;
  /** The event log whose payloads are erased (through `EventLog.redactEvents`); default `storage.events`. */
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
  /** Outbox rows not yet delivered whose events were erased (absent for tombstones of older versions). */
  outbox?: OutboxErasureOutcome;
  /**
   * Other ids erased as the same person (declared aliases, e.g. customers merged into this one);
   * absent when there were none.
   */
  aliases?: string[];
  /** Streams fenced against writers that had not heard of the erasure (absent when none). */
  fencedStreams?: number;
  /** Id of the `customer.erased` event committed with the tombstone (absent without an outbox). */
  eventId?: string;
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
/**
 * Creates the erasure service. The registry is validated up front (`CONFIG` error with paths).
 * Besides the registry, every collection, stream and event type declared on the same store with
 * `declarePersonalData` (identity, consent, the audit trail, other engines, other processes) is
 * erased; declarations are read at erase time.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * const erasure = createErasureService({
 *   storage, clock, ids, audit, access,
 *   registry: [
 *     { collection: 'messages', match: { field: 'customerId' }, mode: 'anonymize', fields: ['body', 'attachments'] },
 *   ],
 * });
 * const { tombstone } = await erasure.eraseCustomer('c1', { actor: admin, reason: 'GDPR art. 17 request' });
 * ```
 */
export function createErasureService(options: ErasureServiceOptions): ErasureService {
  const registry = parseInput(
    z.array(PiiRegistryEntrySchema),
    options.registry ?? [],
    'PII registry',
    'CONFIG',
  );
  const eventErasure = parseInput(EventErasureSchema, options.eventErasure ?? {}, 'event erasure', 'CONFIG');
  // Passing a bundle and its own document store is the same store twice, not a contradiction. A
  // store alone keeps its earlier check (an `ADAPTER` error naming the missing methods).
  const sameStore = options.storage !== undefined && options.storage.documents === options.store;
  const store =
    options.storage === undefined && options.store !== undefined
      ? validateAdapter('DocumentStore', options.store)
      : resolveDocumentStoreOption('erasure service', options.storage, sameStore ? undefined : options.store);
  if (store === undefined) {
    throw new ThreadlineError('CONFIG', 'Invalid erasure service options: storage is required', {
      issues: [{ path: ['storage'], message: 'required', code: 'missing' }],
    });
  }
  const eventsOption = options.events ?? options.storage?.events;
  const events = eventsOption === undefined ? undefined : validateAdapter('EventLog', eventsOption);
  const outbox = options.storage?.outbox;
  const { clock, audit, access } = options;
  const redactor = createRedactor(options.redaction ?? {});
  const erasedValue = options.erasedValue ?? '[erased]';
  /** Redaction by shape, after the customer's own identifying values (see `identifyingValues`). */
  const textRedactor = (known: RegExp | undefined) => (text: string) =>
    redactor.redact(known === undefined ? text : text.replace(known, erasedValue)).text;
  const tombstones = options.tombstones ?? 'erasure_tombstones';
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= (async () => {
      await store.defineCollection(tombstones, { indexes: [] });
      // Declarations are read from here; the collection exists even before anyone declared.
      await store.defineCollection(PERSONAL_DATA_COLLECTION, { indexes: [] });
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  // Declarations arrive at erase time, so their lookup fields are declared as indexes then.
  const defined = new Set<string>();
  const defineLookup = async (collection: string, field: string | undefined) => {
    const key = `${collection}\u0000${field ?? ''}`;
    if (defined.has(key)) return;
    await store.defineCollection(collection, { indexes: field === undefined ? [] : [field] });
    defined.add(key);
  };

  // Keep the field's JSON type so documents still match their schemas.
  const erase = (value: Json): Json => {
    if (typeof value === 'string') return erasedValue;
    if (Array.isArray(value)) return [];
    if (typeof value === 'object' && value !== null) return {};
    return null;
  };

  const findIds = async (collection: string, field: string, customerId: string, tenantId: string) => {
    await defineLookup(collection, field);
    return (await findAllDocuments(store, collection, tenantId, { [field]: customerId })).map((d) => d.id);
  };

  /** The customer and, transitively, every declared alias of it (customers merged into it, …). */
  const closure = async (
    customerId: string,
    tenantId: string,
    decls: readonly StoredPersonalDataDeclaration[],
  ) => {
    const aliases = decls.flatMap((d) => d.aliases);
    const ids = new Set([customerId]);
    const queue = [customerId];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      for (const a of aliases) {
        for (const found of await findIds(a.collection, a.field, id, tenantId)) {
          if (ids.has(found)) continue;
          ids.add(found);
          queue.push(found);
        }
      }
    }
    return ids;
  };

  /** The identifying strings the declarations point at, for the erased customers. */
  const identifyingValues = async (
    decls: readonly StoredPersonalDataDeclaration[],
    ids: ReadonlySet<string>,
    tenantId: string,
  ): Promise<string[]> => {
    const values = new Set<string>();
    const collect = (value: unknown) => {
      if (typeof value === 'string') {
        const v = value.trim();
        if (v.length >= 3) values.add(v);
        // Each word of a name too ("Lopez" alone in "Ms Lopez called").
        for (const word of v.split(/[\s,]+/)) if (word.length >= 3 && word !== v) values.add(word);
      } else if (Array.isArray(value)) for (const item of value) collect(item);
    };
    for (const spec of decls.flatMap((d) => d.identifyingValues)) {
      await defineLookup(spec.collection, spec.match === 'id' ? undefined : spec.match.field);
      for (const id of ids) {
        const docs =
          spec.match === 'id'
            ? [await store.get(spec.collection, id, { tenantId })]
            : await findAllDocuments(store, spec.collection, tenantId, { [spec.match.field]: id });
        for (const doc of docs) if (doc) for (const f of spec.fields) collect(readPath(doc, f));
      }
    }
    return [...values];
  };

  const anonymize = async (
    entry: Entry,
    id: string,
    tenantId: string,
    now: number,
    redactKnown: (text: string) => string,
  ): Promise<boolean> => {
    // A concurrent writer may change the document between read and write: read again and retry.
    for (let attempt = 1; ; attempt++) {
      const doc = await store.get(entry.collection, id, { tenantId });
      if (!doc) return false;
      const copy = structuredClone(doc) as Record<string, Json>;
      for (const f of entry.fields) updatePath(copy, f, erase);
      for (const f of entry.redactFields)
        updatePath(copy, f, (v) => (typeof v === 'string' ? redactKnown(v) : v));
      if (entry.stamp !== undefined) assignPath(copy, entry.stamp, now);
      try {
        await store.put(entry.collection, copy as StoredDocument, { expectedVersion: doc.version });
        return true;
      } catch (error) {
        if (attempt >= 3 || !isThreadlineError(error, 'CONFLICT')) throw error;
      }
    }
  };

  const eraseCollections = async (
    entries: readonly Entry[],
    ids: ReadonlySet<string>,
    tenantId: string,
    now: number,
    redactKnown: (text: string) => string,
  ) => {
    const out: CollectionErasure[] = [];
    for (const entry of entries) {
      await defineLookup(entry.collection, entry.match === 'id' ? undefined : entry.match.field);
      const docIds = new Set<string>();
      for (const id of ids) {
        if (entry.match === 'id') docIds.add(id);
        else for (const d of await findIds(entry.collection, entry.match.field, id, tenantId)) docIds.add(d);
      }
      let count = 0;
      for (const id of docIds) {
        const done =
          entry.mode === 'delete'
            ? await store.delete(entry.collection, id, { tenantId })
            : await anonymize(entry, id, tenantId, now, redactKnown);
        if (done) count++;
      }
      out.push({ collection: entry.collection, mode: entry.mode, documents: count });
    }
    return out;
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
      const declarations = await declarationsForTenant(store, tenantId);
      const ids = await closure(customerId, tenantId, declarations);
      // Read before anything is erased: the values are gone afterwards.
      const known = knownValuesPattern(await identifyingValues(declarations, ids, tenantId));
      const redactKnown = textRedactor(known);
      const eraser = createEventEraser({
        customerIds: ids,
        customerPaths: eventErasure.customerPaths,
        matchAggregate: eventErasure.matchAggregate,
        fields: eventErasure.fields,
        redactStrings: eventErasure.redactStrings,
        declarations,
        erase,
        redactText: redactKnown,
      });
      // Running engines on this store first drop the customer from memory and from what they
      // have not committed (and let a commit in flight land, so the scan below finds it).
      const claimed = new Set<string>();
      await notifyCustomerErasure(store, {
        tenantId,
        customerIds: ids,
        redactStrings: eventErasure.redactStrings,
        redactText: redactKnown,
        matches: (event) => eraser.matches(event),
        rewrite: (event) => eraser.rewrite(event),
        claimStream: (streamId) => {
          claimed.add(streamId);
        },
      });
      const entries = uniqueEntries([...registry, ...declaredCollections(declarations)]);
      const collections = await eraseCollections(entries, ids, tenantId, now, redactKnown);

      let eventOutcome: EventErasureOutcome = { status: 'not_configured' };
      let fencedStreams = 0;
      if (events) {
        // Streams whose writers append from memory are fenced once rewritten (see `fence`).
        const fencePrefixes = declarations.flatMap((d) =>
          d.streams.filter((st) => st.fence).map((st) => st.streamPrefix),
        );
        const toFence = new Set<string>();
        const seen =
          fencePrefixes.length === 0
            ? undefined
            : (e: { streamId: string }) => {
                if (!claimed.has(e.streamId) && fencePrefixes.some((p) => e.streamId.startsWith(p)))
                  toFence.add(e.streamId);
              };
        eventOutcome =
          typeof events.redactEvents === 'function'
            ? { status: 'redacted', events: await eraseLoggedEvents(events, tenantId, eraser, seen) }
            : {
                status: 'unsupported',
                reason: `event log "${events.name}" cannot rewrite payloads (no redactEvents); its events still hold the customer's data`,
              };
        if (toFence.size > 0) {
          fencedStreams = await fenceStreams({
            events,
            tenantId,
            streams: [...toFence].sort(),
            eraser,
            payload: { customerId, customerIds: [...ids].sort(), erasedAt: now },
            eventId: (streamId) => `${options.ids.next('evt')}:${streamId}`,
          });
        }
      }
      const outboxOutcome: OutboxErasureOutcome =
        outbox === undefined
          ? { status: 'not_configured' }
          : { status: 'redacted', entries: await eraseOutboxRows(outbox, tenantId, eraser) };

      const tombstoneDoc: Record<string, unknown> = {
        id: customerId,
        tenantId,
        customerId,
        erasedAt: now,
        actorId: actor.id,
        collections,
        events: eventOutcome,
        outbox: outboxOutcome,
      };
      const aliases = [...ids].filter((id) => id !== customerId);
      if (aliases.length > 0) tombstoneDoc.aliases = aliases;
      if (context.reason !== undefined) tombstoneDoc.reason = context.reason;
      if (fencedStreams > 0) tombstoneDoc.fencedStreams = fencedStreams;
      // Engines in other processes hear of it through the outbox: ids only, committed with the
      // tombstone (the event is delivered if and only if the erasure finished).
      const erased: CustomerErasedEvent | undefined =
        outbox === undefined
          ? undefined
          : {
              id: options.ids.next('evt'),
              type: CUSTOMER_ERASED_EVENT_TYPE,
              tenantId,
              aggregateId: customerId,
              aggregateType: 'customer',
              version: 1,
              occurredAt: now,
              payload: { customerId, customerIds: [...ids].sort(), erasedAt: now },
            };
      if (erased !== undefined) tombstoneDoc.eventId = erased.id;
      const putTombstone = (docs: DocumentStore) =>
        docs.put<ErasureTombstone>(tombstones, tombstoneDoc as { id: string }, { expectedVersion: 0 });
      let tombstone: ErasureTombstone;
      if (erased === undefined || outbox === undefined) tombstone = await putTombstone(store);
      else if (typeof store.transaction === 'function' && options.storage?.documents === store) {
        tombstone = await store.transaction(async (tx) => {
          await tx.outbox.add([erased]);
          return putTombstone(tx.documents);
        });
      } else {
        // No transaction: the event first, so a tombstone never exists without it (a retry after
        // a failure in between adds a second event with another id; handlers are idempotent).
        await outbox.add([erased]);
        tombstone = await putTombstone(store);
      }
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
            outbox: outboxOutcome,
            ...(aliases.length > 0 ? { aliases } : {}),
            ...(context.reason === undefined ? {} : { reason: context.reason }),
          },
        });
      }
      return { tombstone, alreadyErased: false };
    },
  };
}

type Entry = z.output<typeof PiiRegistryEntrySchema>;

/** The entries without exact repeats (a host may still list what an engine declares). */
function uniqueEntries(entries: readonly Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = JSON.stringify(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * One pattern matching any of the values as a whole word (not inside a longer word), case- and
 * accent-insensitively as far as Unicode case folding goes; longest first so "Ana Lopez" wins
 * over "Ana". `undefined` when there is nothing to find.
 */
function knownValuesPattern(values: readonly string[]): RegExp | undefined {
  if (values.length === 0) return undefined;
  const escaped = [...values]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}
