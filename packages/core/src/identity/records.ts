import type { PersonalDataDeclaration } from '../governance/personalData.js';
import type { StoredDocument } from '../ports/documentStore.js';
import type { Channel } from '../schemas/channel.js';
import type { IdentityKind } from '../schemas/identity.js';

/**
 * Collection names the identity service uses on the `DocumentStore`.
 * @deprecated for erasure registries: the service declares its collections in the store
 * (`declarePersonalData`, owner {@link IDENTITY_PERSONAL_DATA}`.owner`), so an erasure service on
 * the same store erases them without the host listing them. The names themselves stay valid.
 */
export const IDENTITY_COLLECTIONS = {
  customers: 'customers',
  identities: 'identities',
  conversations: 'conversations',
  merges: 'customer_merges',
  conflicts: 'identity_conflicts',
} as const;

/**
 * An identity as stored: the `Identity` fields plus `key` (normalised lookup key) and `matchKey`
 * (the same key, present only while the identity is not blocked, so matching never sees blocked
 * values). Both are indexed.
 */
export interface StoredIdentity extends StoredDocument {
  customerId: string;
  kind: IdentityKind;
  value: string;
  namespace?: string;
  key: string;
  matchKey?: string;
  verified: boolean;
  blocked: boolean;
  channel?: Channel;
  lastSeenAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** A customer document as the identity service writes it (`Customer` shape). */
export interface StoredCustomer extends StoredDocument {
  profile: Record<string, unknown>;
  attributes: Record<string, unknown>;
  consent: unknown[];
  mergedInto?: string;
  erasedAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** Why two customers were merged: the identity keys they shared, or a free-form note. */
export interface MergeEvidence {
  /** Identity key that linked them, e.g. `email:ana@x.com`. */
  key?: string;
  /** Free-form explanation (manual merges). */
  note?: string;
}

/** A customer document as it was before a merge (without the store-assigned version). */
export interface CustomerSnapshot {
  id: string;
  tenantId: string;
  profile: Record<string, unknown>;
  attributes: Record<string, unknown>;
  consent: unknown[];
  mergedInto?: string;
  erasedAt?: number;
  createdAt: number;
  updatedAt: number;
  [field: string]: unknown;
}

/** A merge record: who merged which customer into which, why, and what to restore on unmerge. */
export interface MergeRecord extends StoredDocument {
  survivorId: string;
  mergedId: string;
  status: 'applied' | 'reverted';
  reason: string;
  actor: { id: string; roles: readonly string[] };
  evidence: MergeEvidence[];
  /** State before the merge, used by `unmerge`. */
  snapshot: {
    survivor: CustomerSnapshot;
    merged: CustomerSnapshot;
    /** Identities moved from the merged customer to the survivor. */
    identityIds: string[];
    /** Conversations moved from the merged customer to the survivor. */
    conversationIds: string[];
    /** Survivor profile/attribute paths the merge filled from the merged customer (`profile.name`). */
    filled: string[];
  };
  createdAt: number;
  updatedAt: number;
  revertedAt?: number;
  revertedBy?: { id: string; roles: readonly string[] };
  revertReason?: string;
}

/** Kinds of identity conflict. */
export type IdentityConflictKind =
  /** Linking would give a customer more values of a kind than its limit (e.g. two external ids). */
  | 'limit_exceeded'
  /** A contact links customers that automatic merging (turned off) did not merge. */
  | 'merge_review';

/** A conflict record kept for human review. Repeats of the same conflict bump `occurrences`. */
export interface IdentityConflict extends StoredDocument {
  kind: IdentityConflictKind;
  status: 'open' | 'resolved' | 'dismissed';
  /** Customers involved (indexed: each element). */
  customerIds: string[];
  /** Identity keys involved. */
  keys: string[];
  /** The limit key that would be exceeded (`external_id`), for `limit_exceeded`. */
  limit?: string;
  detail: string;
  /** Same kind, customers and keys → same dedupe key. */
  dedupeKey: string;
  occurrences: number;
  firstSeenAt: number;
  lastSeenAt: number;
  createdAt: number;
  updatedAt: number;
  resolvedAt?: number;
  resolvedBy?: { id: string; roles: readonly string[] };
  resolution?: string;
}

/** Paths of a customer snapshot (inside a merge record) that hold personal data. */
const SNAPSHOT_FIELDS = ['profile', 'attributes', 'consent'] as const;

/**
 * What the identity service declares about the personal data it stores (written to the store by
 * `ready()`): customers (anonymised and stamped `erasedAt`), identities (deleted), conversations'
 * context, merge records' snapshots and evidence, conflict records' keys, and the identity keys,
 * evidence and free text of its events. Customers merged into an erased customer are erased with it.
 */
export const IDENTITY_PERSONAL_DATA = {
  owner: '@threadline/core/identity',
  collections: [
    {
      collection: IDENTITY_COLLECTIONS.customers,
      match: 'id',
      mode: 'anonymize',
      fields: ['profile', 'attributes', 'consent'],
      stamp: 'erasedAt',
    },
    { collection: IDENTITY_COLLECTIONS.identities, match: { field: 'customerId' }, mode: 'delete' },
    {
      collection: IDENTITY_COLLECTIONS.conversations,
      match: { field: 'customerId' },
      mode: 'anonymize',
      fields: ['context'],
    },
    ...(['survivorId', 'mergedId'] as const).map((field) => ({
      collection: IDENTITY_COLLECTIONS.merges,
      match: { field },
      mode: 'anonymize' as const,
      fields: [
        ...SNAPSHOT_FIELDS.map((f) => `snapshot.survivor.${f}`),
        ...SNAPSHOT_FIELDS.map((f) => `snapshot.merged.${f}`),
        'evidence',
        // Free text written by people: names are not something redaction can find.
        'reason',
        'revertReason',
      ],
    })),
    {
      collection: IDENTITY_COLLECTIONS.conflicts,
      match: { field: 'customerIds' },
      mode: 'anonymize',
      fields: ['keys', 'detail', 'dedupeKey', 'resolution'],
    },
  ],
  events: [
    {
      typePrefix: 'customer.',
      customerPaths: ['customerId', 'survivorId', 'mergedId'],
      fields: ['keys', 'evidence', 'reason'],
    },
    {
      typePrefix: 'identity.',
      customerPaths: ['customerId', 'customerIds'],
      fields: ['key', 'keys', 'detail', 'resolution'],
    },
  ],
  aliases: [{ collection: IDENTITY_COLLECTIONS.customers, field: 'mergedInto' }],
  identifyingValues: [
    { collection: IDENTITY_COLLECTIONS.customers, match: 'id', fields: ['profile.name', 'profile.company'] },
    { collection: IDENTITY_COLLECTIONS.identities, match: { field: 'customerId' }, fields: ['value'] },
  ],
} as const satisfies PersonalDataDeclaration;
