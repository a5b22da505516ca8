import { z } from 'zod';
import { parseInput } from '../errors.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { PiiRegistryEntrySchema } from './piiRegistry.js';

/** The collection where engines declare the personal data they store (one document per owner). */
export const PERSONAL_DATA_COLLECTION = 'threadline_personal_data';

const FIELD_PATH = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a dotted field path');

/** Zod schema of a {@link PersonalDataDeclaration}. */
export const PersonalDataDeclarationSchema = z
  .object({
    /** Who stores the data: a package or component name, e.g. `@threadline/cases`. One declaration per owner. */
    owner: z.string().min(1).max(200),
    /** Collections holding a customer's personal data, in the erasure registry's shape. */
    collections: z.array(PiiRegistryEntrySchema).default([]),
    /**
     * Event-log streams holding a customer's personal data: events of streams whose id starts
     * with `streamPrefix` match a customer when one of `customerPaths` (payload paths; a path
     * may hold one id or an array of ids) equals the customer id.
     */
    streams: z
      .array(
        z
          .object({
            streamPrefix: z.string().min(1),
            customerPaths: z.array(FIELD_PATH).min(1),
            /**
             * Streams with one writer that appends with `expectedVersion` from what it holds in
             * memory (a routing journal): after rewriting, the erasure appends a fence event to
             * each of the tenant's streams with this prefix (`erasure.stream_fenced`, ids only),
             * so a writer in another process that has not heard of the erasure yet is refused
             * (`CONFLICT`) instead of writing the customer's data back, and recovers. Writers that
             * heard in-process (`onCustomerErasure`) claim their stream and are not fenced.
             */
            fence: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * Events of the given types holding a customer's personal data, wherever they are stored (any
     * event-log stream, outbox rows not yet delivered): an event matches a customer when its type
     * starts with `typePrefix` and one of `customerPaths` (payload paths; one id or an array of ids)
     * holds the customer id. `fields` are payload paths erased outright (the rest of the payload's
     * strings are redacted).
     */
    events: z
      .array(
        z
          .object({
            typePrefix: z.string().min(1),
            customerPaths: z.array(FIELD_PATH).min(1),
            fields: z.array(FIELD_PATH).default([]),
          })
          .strict(),
      )
      .default([]),
    /**
     * Documents that stand for the same person under another id: a document of `collection` whose
     * `field` (declared as an index) equals an erased customer id is an alias (e.g. a customer
     * merged into the erased one, `{ collection: 'customers', field: 'mergedInto' }`), and its id is
     * erased as well, transitively.
     */
    aliases: z.array(z.object({ collection: z.string().min(1), field: FIELD_PATH }).strict()).default([]),
    /**
     * Where the customer's identifying values live (a name, e-mail addresses, phone numbers): the
     * strings at `fields` of the customer's documents of `collection` (found by id or by an
     * indexed field holding the customer id) are read before anything is erased, and every
     * occurrence of them — and of each word of a multi-word value — is replaced wherever the
     * erasure rewrites text (matched events and outbox rows, `redactFields`). Redaction finds
     * e-mail addresses and phone numbers by their shape; names have none, so this is how free
     * text such as a case subject "Refund for Ana Lopez" loses them.
     */
    identifyingValues: z
      .array(
        z
          .object({
            collection: z.string().min(1),
            match: z.union([z.literal('id'), z.object({ field: FIELD_PATH }).strict()]),
            fields: z.array(FIELD_PATH).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** What one engine or component declares about the personal data it stores. */
export type PersonalDataDeclaration = z.input<typeof PersonalDataDeclarationSchema>;

/** A declaration as stored and read back (defaults applied). */
export type StoredPersonalDataDeclaration = z.output<typeof PersonalDataDeclarationSchema>;

interface DeclarationDocument extends StoredDocument {
  declaration: StoredPersonalDataDeclaration;
}

function documentId(owner: string): string {
  // Document ids are free-form strings in every adapter; keep the owner readable.
  return `pii:${owner}`;
}

/**
 * Records, in the store itself, where a component keeps customers' personal data, so erasure
 * does not depend on the host listing every collection: an erasure service on the same store (in
 * this process or another) reads every declaration. Engines call it when they are given storage;
 * hosts call it for their own collections. Idempotent: a later call by the same owner replaces
 * its declaration. Bad input is a `VALIDATION` error naming the field.
 *
 * @example
 * ```ts
 * await declarePersonalData(storage.documents, {
 *   owner: 'my-app/notes',
 *   collections: [{ collection: 'notes', match: { field: 'customerId' }, mode: 'anonymize', redactFields: ['text'] }],
 * });
 * ```
 */
export async function declarePersonalData(
  store: DocumentStore,
  declaration: PersonalDataDeclaration,
  options: { tenantId?: string } = {},
): Promise<StoredPersonalDataDeclaration> {
  const parsed = parseInput(PersonalDataDeclarationSchema, declaration, 'personal data declaration');
  const doc: Record<string, unknown> = { id: documentId(parsed.owner), declaration: parsed };
  if (options.tenantId !== undefined) doc.tenantId = options.tenantId;
  await store.put(PERSONAL_DATA_COLLECTION, doc as never);
  return parsed;
}

/**
 * Every personal-data declaration in the store (ordered by owner), as written by
 * {@link declarePersonalData}.
 *
 * @example
 * ```ts
 * const owners = (await listPersonalDataDeclarations(storage.documents)).map((d) => d.owner);
 * ```
 */
export async function listPersonalDataDeclarations(
  store: DocumentStore,
  options: { tenantId?: string } = {},
): Promise<StoredPersonalDataDeclaration[]> {
  const out: StoredPersonalDataDeclaration[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.find<DeclarationDocument>(PERSONAL_DATA_COLLECTION, {
      ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      limit: 200,
    });
    for (const d of page.items) out.push(PersonalDataDeclarationSchema.parse(d.declaration));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
}

/**
 * The declarations an erasure in `tenantId` must honour: those written without a tenant (engines
 * declare once per store, in `'default'`) and those of the tenant itself; a tenant's declaration
 * replaces the default one of the same owner.
 */
export async function declarationsForTenant(
  store: DocumentStore,
  tenantId: string,
): Promise<StoredPersonalDataDeclaration[]> {
  const byOwner = new Map<string, StoredPersonalDataDeclaration>();
  for (const d of await listPersonalDataDeclarations(store)) byOwner.set(d.owner, d);
  if (tenantId !== 'default') {
    for (const d of await listPersonalDataDeclarations(store, { tenantId })) byOwner.set(d.owner, d);
  }
  return [...byOwner.values()].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
}

/** Every collection entry of the declarations, for an erasure registry. */
export function declaredCollections(
  declarations: readonly StoredPersonalDataDeclaration[],
): StoredPersonalDataDeclaration['collections'] {
  return declarations.flatMap((d) => d.collections);
}
