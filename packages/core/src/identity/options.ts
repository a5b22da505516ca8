import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DeliveryErrorHandler } from '../delivery.js';
import type { AccessControl } from '../governance/access.js';
import type { IdGenerator } from '../ids.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { DocumentStore } from '../ports/documentStore.js';
import type { ThreadlineStorage } from '../ports/storage.js';
import { ChannelSchema } from '../schemas/channel.js';
import { AttributesSchema, IdSchema, TenantIdSchema } from '../schemas/common.js';
import { CustomerSchema } from '../schemas/customer.js';
import { IdentityKindSchema } from '../schemas/identity.js';
import type { IdentityResolutionConfig } from './config.js';
import type { IdentityEvent, IdentityEventPublisher } from './events.js';

/** Zod schema for an actor passed to the identity service. */
export const ActorSchema = z
  .object({ id: IdSchema, roles: z.array(z.string().min(1)), tenantId: TenantIdSchema.optional() })
  .strict();

/** Zod schema for an inbound identity handed to `resolve`. */
export const IdentityInputSchema = z
  .object({
    kind: IdentityKindSchema,
    value: z.string().min(1).max(1000),
    verified: z.boolean().optional(),
    namespace: z.string().min(1).max(100).optional(),
    channel: ChannelSchema.optional(),
  })
  .strict();

/** An inbound identity: what a channel knows about the contact. */
export type IdentityInput = z.input<typeof IdentityInputSchema>;

/** Zod schema for `resolve` options. */
export const ResolveOptionsSchema = z
  .object({
    tenantId: TenantIdSchema.optional(),
    /** Who resolves (recorded on automatic merges); defaults to the service's system actor. */
    actor: ActorSchema.optional(),
    /** Profile for a customer created by this call. */
    profile: CustomerSchema.shape.profile.optional(),
    /** Account attributes for a customer created by this call. */
    attributes: AttributesSchema.optional(),
    /** Update `lastSeenAt` (and `verified`) on identities seen again. Default true. */
    touch: z.boolean().optional(),
    correlationId: z.string().min(1).optional(),
  })
  .strict();

/** Options of `resolve`. */
export type ResolveOptions = z.input<typeof ResolveOptionsSchema>;

/** Zod schema for merge evidence. */
export const MergeEvidenceSchema = z
  .object({ key: z.string().min(1).max(1200).optional(), note: z.string().min(1).max(2000).optional() })
  .strict();

/** Zod schema for `merge` options. */
export const MergeOptionsSchema = z
  .object({
    reason: z.string().min(1).max(2000),
    actor: ActorSchema,
    evidence: z.array(MergeEvidenceSchema).max(100).optional(),
    tenantId: TenantIdSchema.optional(),
    correlationId: z.string().min(1).optional(),
  })
  .strict();

/** Options of `merge`. */
export type MergeOptions = z.input<typeof MergeOptionsSchema>;

/** Zod schema for `unmerge` options. */
export const UnmergeOptionsSchema = z
  .object({
    actor: ActorSchema.optional(),
    reason: z.string().min(1).max(2000).optional(),
    tenantId: TenantIdSchema.optional(),
    correlationId: z.string().min(1).optional(),
  })
  .strict();

/** Options of `unmerge`. */
export type UnmergeOptions = z.input<typeof UnmergeOptionsSchema>;

// Schemas built once (building zod schemas per call is costly on hot paths).
/** Internal input schema (not part of the public surface). */
export const IdentityListSchema = z.array(IdentityInputSchema).min(1).max(100);
/** Internal input schema (not part of the public surface). */
export const SingleIdentitySchema = z.array(IdentityInputSchema).length(1);
/** Internal input schema (not part of the public surface). */
export const MergePairSchema = z.object({ survivorId: IdSchema, mergedId: IdSchema });
/** Internal input schema (not part of the public surface). */
export const TenantOnlySchema = z.object({ tenantId: TenantIdSchema.optional() }).strict();
/** Internal input schema (not part of the public surface). */
export const SetBlockedOptionsSchema = z
  .object({
    actor: ActorSchema,
    tenantId: TenantIdSchema.optional(),
    reason: z.string().min(1).optional(),
  })
  .strict();
/** Internal input schema (not part of the public surface). */
export const ConflictQuerySchema = z
  .object({
    status: z.enum(['open', 'resolved', 'dismissed']).optional(),
    customerId: IdSchema.optional(),
    tenantId: TenantIdSchema.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();
/** Internal input schema (not part of the public surface). */
export const ResolveConflictOptionsSchema = z
  .object({
    status: z.enum(['resolved', 'dismissed']),
    resolution: z.string().min(1).max(2000).optional(),
    actor: ActorSchema,
    tenantId: TenantIdSchema.optional(),
  })
  .strict();
/** Internal input schema (not part of the public surface). */
export const BooleanSchema = z.boolean();

/** Options of {@link createIdentityService}. */
export interface IdentityServiceOptions {
  /**
   * Where the service keeps customers, identities, conversations, merges and conflicts: a storage
   * bundle (`createMemoryStorage()`, any storage adapter). When its document store has
   * transactions, each operation's events are written to the bundle's outbox in the same
   * transaction as its documents (both or neither), and a relay (`createOutboxRelay({ storage,
   * bus })`) publishes them; the `bus` option is then not published to directly.
   */
  storage?: ThreadlineStorage;
  /**
   * A document store alone: events are published to `bus` after each commit.
   * @deprecated Pass `storage` (the `{ documents, events, outbox }` bundle) instead.
   */
  store?: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /**
   * Where `customer.*` and `identity.*` events go after each commit (without an outbox). A bus
   * that throws or rejects does not fail the operation, whose data is committed: the failure is
   * counted in `stats().publishFailures` and passed to `onError`.
   */
  bus?: IdentityEventPublisher;
  /** Called when the bus refuses committed events (see `bus`); a throwing callback is ignored. */
  onError?: DeliveryErrorHandler<IdentityEvent>;
  /** Where merges, unmerges, creations, blocking and conflict decisions are audited. */
  audit?: AuditSink;
  config?: IdentityResolutionConfig;
  /** Actor for automatic actions (default `{ id: 'identity-resolver', roles: ['system'] }`). */
  systemActor?: Actor;
  /**
   * Access control every mutation passes through (permissions `customer.update` for `resolve`,
   * `customer.merge`, `customer.unmerge`, `identity.block` for `setBlocked`, `identity.review` for
   * `resolveConflict`); a denial is `FORBIDDEN`, audited by the access control, and changes nothing.
   */
  access?: AccessControl;
  /**
   * Tracing and metrics (default: none): `resolve`, `merge`, `unmerge`, `setBlocked` and
   * `resolveConflict` run in spans and count in `threadline.commands`. See `createTelemetry`.
   */
  telemetry?: Telemetry;
}
