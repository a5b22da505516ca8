import { z } from 'zod';
import type { Clock } from '../clock.js';
import { isThreadlineError, parseInput } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { AuditEntry, AuditSink } from '../ports/audit.js';
import type { DocumentStore, FindPage, StoredDocument } from '../ports/documentStore.js';
import { validateAdapter } from '../ports/registration.js';
import { DEFAULT_TENANT, TenantIdSchema } from '../schemas/common.js';
import { declarePersonalData } from './personalData.js';

const AuditEntrySchema = z
  .object({
    id: z.string().min(1).max(500),
    tenantId: TenantIdSchema,
    at: z.number().int().finite(),
    actor: z.object({ id: z.string().min(1).max(500), roles: z.array(z.string()) }).strict(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'expected a dotted action, e.g. `customer.merged`'),
    resource: z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(500) }).strict(),
    outcome: z.enum(['allowed', 'denied']),
    reason: z.string().max(2000).optional(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** What {@link AuditTrail.append} takes: an entry without `id` and `at` (assigned from ids/clock). */
export type AuditEntryInput = Omit<AuditEntry, 'id' | 'at' | 'tenantId' | 'outcome'> & {
  tenantId?: string;
  outcome?: AuditEntry['outcome'];
};

/** Options of the audit-trail queries. */
export interface AuditQueryOptions {
  tenantId?: string;
  /** Page size, 1–1000 (default 100). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** The audit trail: an {@link AuditSink} stored in a `DocumentStore`, queryable by resource and actor. */
export interface AuditTrail extends AuditSink {
  /** Records a complete entry. Re-recording an identical entry (same id) is a no-op. */
  record(entry: AuditEntry): Promise<void>;
  /** Records an entry, assigning `id` and `at`; returns it. */
  append(input: AuditEntryInput): Promise<AuditEntry>;
  /** Reads one entry. */
  get(id: string, options?: { tenantId?: string }): Promise<AuditEntry | undefined>;
  /** Entries about one resource, oldest first (ids are time-ordered). */
  byResource(
    resource: { type: string; id: string },
    options?: AuditQueryOptions,
  ): Promise<FindPage<AuditEntry & StoredDocument>>;
  /** Entries made by one actor, oldest first. */
  byActor(actorId: string, options?: AuditQueryOptions): Promise<FindPage<AuditEntry & StoredDocument>>;
  /** Entries of one action (e.g. `customer.erased`), oldest first. */
  byAction(action: string, options?: AuditQueryOptions): Promise<FindPage<AuditEntry & StoredDocument>>;
}

/** Options for {@link createAuditTrail}. */
export interface AuditTrailOptions {
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Collection name (default `audit_entries`). */
  collection?: string;
}

const INDEXES = ['resourceKey', 'actorId', 'action'] as const;

/**
 * The customers an entry is about, stored beside it (indexed) so erasure finds every entry that
 * may hold a customer's data: the resource when it is a customer, and `details.customerId` /
 * `details.customerIds`.
 */
function customerRefs(entry: AuditEntry): string[] {
  const refs = new Set<string>();
  if (entry.resource.type === 'customer') refs.add(entry.resource.id);
  const d = entry.details ?? {};
  if (typeof d.customerId === 'string') refs.add(d.customerId);
  if (Array.isArray(d.customerIds)) for (const c of d.customerIds) if (typeof c === 'string') refs.add(c);
  return [...refs].sort();
}

function toEntry(doc: StoredDocument): AuditEntry & StoredDocument {
  const { resourceKey: _r, actorId: _a, customerRefs: _c, ...rest } = doc;
  return rest as AuditEntry & StoredDocument;
}

/**
 * Creates the audit trail on a `DocumentStore`. Entries are append-only documents indexed by
 * resource (`type:id`), actor and action, so every query is an indexed `find`.
 *
 * @example
 * ```ts
 * const audit = createAuditTrail({ store: storage.documents, clock, ids });
 * await audit.append({
 *   actor: { id: 'u1', roles: ['agent'] },
 *   action: 'customer.updated',
 *   resource: { type: 'customer', id: 'c1' },
 *   before: { version: 3 },
 *   after: { version: 4 },
 * });
 * const page = await audit.byResource({ type: 'customer', id: 'c1' });
 * ```
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  // Checked at construction, so a malformed adapter fails here and names what it lacks.
  const store = validateAdapter('DocumentStore', options.store);
  const { clock, ids } = options;
  const collection = options.collection ?? 'audit_entries';
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= (async () => {
      await store.defineCollection(collection, { indexes: [...INDEXES, 'customerRefs'] });
      // Erasure keeps who did what and when, and drops what the entry recorded about the customer.
      await declarePersonalData(store, {
        owner: `@threadline/core/audit-trail:${collection}`,
        collections: [
          {
            collection,
            match: { field: 'customerRefs' },
            mode: 'anonymize',
            // `reason` is free text people wrote: names are not something redaction can find.
            fields: ['before', 'after', 'details', 'reason'],
          },
        ],
      });
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };

  const record = async (raw: AuditEntry): Promise<void> => {
    const entry = parseInput(AuditEntrySchema, raw, 'audit entry') as AuditEntry;
    await ensure();
    const doc = {
      ...entry,
      resourceKey: `${entry.resource.type}:${entry.resource.id}`,
      actorId: entry.actor.id,
      customerRefs: customerRefs(entry),
    };
    try {
      await store.put(collection, doc, { expectedVersion: 0 });
    } catch (e) {
      if (!isThreadlineError(e, 'CONFLICT')) throw e;
      // A retried record of the same entry is fine; a different entry under the same id is not.
      const existing = await store.get(collection, entry.id, { tenantId: entry.tenantId });
      const { version: _v, ...stored } = existing ?? { version: 0 };
      if (JSON.stringify(stored) !== JSON.stringify(JSON.parse(JSON.stringify(doc)))) throw e;
    }
  };

  const query = async (
    field: (typeof INDEXES)[number],
    value: string,
    q: AuditQueryOptions = {},
  ): Promise<FindPage<AuditEntry & StoredDocument>> => {
    await ensure();
    const page = await store.find(collection, {
      tenantId: q.tenantId ?? DEFAULT_TENANT,
      where: { [field]: value },
      ...(q.limit === undefined ? {} : { limit: q.limit }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    const out: FindPage<AuditEntry & StoredDocument> = { items: page.items.map(toEntry) };
    if (page.nextCursor !== undefined) out.nextCursor = page.nextCursor;
    return out;
  };

  return {
    record,
    async append(input) {
      const entry: AuditEntry = {
        outcome: 'allowed',
        ...input,
        id: ids.next('audit'),
        at: clock.now(),
        tenantId: input.tenantId ?? DEFAULT_TENANT,
      } as AuditEntry;
      await record(entry);
      return entry;
    },
    async get(id, opts) {
      await ensure();
      const doc = await store.get(collection, id, { tenantId: opts?.tenantId ?? DEFAULT_TENANT });
      return doc ? toEntry(doc) : undefined;
    },
    byResource: (resource, q) => query('resourceKey', `${resource.type}:${resource.id}`, q),
    byActor: (actorId, q) => query('actorId', actorId, q),
    byAction: (action, q) => query('action', action, q),
  };
}
