import { z } from 'zod';
import type { DeliveryFailureStats } from '../delivery.js';
import { parseInput } from '../errors.js';
import { instrumentMethods } from '../observability/instrument.js';
import { TelemetrySchema } from '../observability/telemetry.js';
import type { Actor } from '../ports/audit.js';
import type { IdentityKind } from '../schemas/identity.js';
import * as blocking from './blocking.js';
import type { CompiledIdentityConfig } from './config.js';
import * as conflicts from './conflicts.js';
import { createIdentityContext, ensureReady, type IdentityContext } from './context.js';
import * as lookup from './lookup.js';
import * as merge from './merge.js';
import type {
  IdentityInput,
  IdentityServiceOptions,
  MergeOptions,
  ResolveOptions,
  UnmergeOptions,
} from './options.js';
import type { MergePreview } from './preview.js';
import * as preview from './preview.js';
import type { IdentityConflict, MergeRecord, StoredIdentity } from './records.js';
import type { ResolveResult } from './resolve.js';
import * as resolve from './resolve.js';
import * as unmerge from './unmerge.js';

/** The identity operations that run in a span and count in `threadline.commands` (with `telemetry`). */
const IDENTITY_COMMANDS = [
  'resolve',
  'merge',
  'unmerge',
  'setBlocked',
  'resolveConflict',
] as const satisfies readonly (keyof IdentityService)[];

// The public service and its option/result types are exported from here so existing imports of
// './service.js' keep working; each operation lives in the module named after it.
export type { IdentityEventPublisher } from './events.js';
export {
  ActorSchema,
  type IdentityInput,
  IdentityInputSchema,
  type IdentityServiceOptions,
  MergeEvidenceSchema,
  type MergeOptions,
  MergeOptionsSchema,
  type ResolveOptions,
  ResolveOptionsSchema,
  type UnmergeOptions,
  UnmergeOptionsSchema,
} from './options.js';
export type { MergePreview } from './preview.js';
export type { ResolveResult } from './resolve.js';

/**
 * Identity resolution over a `DocumentStore`: finds or creates the customer for an inbound
 * contact, merges and unmerges customers with evidence, records conflicts for review. Every
 * lookup goes through a declared index (`identities.matchKey`, `identities.key`,
 * `identities.customerId`, …); nothing scans. Mutations of one tenant are serialised in-process.
 *
 * @example
 * ```ts
 * const identity = createIdentityService({ storage, clock, ids, audit });
 * const r = await identity.resolve([
 *   { kind: 'email', value: 'Ana@Example.com', verified: true },
 *   { kind: 'channel_handle', namespace: 'whatsapp', value: '+34600111222' },
 * ]);
 * r.customerId; // the same customer next time either identity writes in
 * ```
 */
export class IdentityService {
  private readonly ctx: IdentityContext;
  /** The compiled configuration in force. */
  readonly config: CompiledIdentityConfig;

  constructor(options: IdentityServiceOptions) {
    this.ctx = createIdentityContext(options);
    this.config = this.ctx.config;
    if (options.telemetry !== undefined) {
      const { telemetry } = parseInput(
        z.object({ telemetry: TelemetrySchema }),
        { telemetry: options.telemetry },
        'identity service options',
        'CONFIG',
      );
      instrumentMethods(this, telemetry, 'identity', IDENTITY_COMMANDS);
    }
  }

  /**
   * Delivery failures so far: publishes the bus refused after a commit (the operation still
   * succeeded; see the `onError` option). Always 0 when events go through the storage's outbox,
   * whose relay reports its own (`createOutboxRelay(...).stats()`).
   */
  stats(): DeliveryFailureStats {
    return { publishFailures: this.ctx.delivery.publishFailures, handlerFailures: 0 };
  }

  /** Declares the collections and indexes the service uses (idempotent; called lazily). */
  ready(): Promise<void> {
    return ensureReady(this.ctx);
  }

  /**
   * Finds or creates the customer for an inbound contact (matching rules, limits and
   * blocking as in the package README's identity section). Creates the customer, merges linked customers, attaches new identities, records
   * conflicts, publishes events and audit entries.
   *
   * @example
   * ```ts
   * const { customerId, confidence } = await identity.resolve(
   *   [{ kind: 'email', value: 'ana@x.com', verified: true }],
   *   { profile: { name: 'Ana' } },
   * );
   * ```
   */
  resolve(identities: readonly IdentityInput[], options: ResolveOptions = {}): Promise<ResolveResult> {
    return resolve.resolve(this.ctx, identities, options);
  }

  /**
   * A dry run of {@link IdentityService.merge}: what would move, what would be filled, and whether
   * a limit forbids it. Writes nothing.
   *
   * @example
   * ```ts
   * const preview = await identity.previewMerge('cus-1', 'cus-2');
   * if (!preview.allowed) console.log(preview.conflicts);
   * ```
   */
  previewMerge(
    survivorId: string,
    mergedId: string,
    options: { tenantId?: string } = {},
  ): Promise<MergePreview> {
    return preview.previewMerge(this.ctx, survivorId, mergedId, options);
  }

  /**
   * Merges customer `mergedId` into `survivorId`: the merged customer's identities and
   * conversations move to the survivor, empty survivor profile fields and missing attributes are
   * filled from it, and it is marked `mergedInto`. Records a merge record with evidence and a
   * snapshot for {@link IdentityService.unmerge}, a `customer.merged` event and an audit entry.
   * A merge that would break a limit throws `CONFLICT`; already merged or erased customers throw
   * `CONFLICT`; unknown ids throw `NOT_FOUND`.
   *
   * @example
   * ```ts
   * const record = await identity.merge('cus-1', 'cus-2', {
   *   reason: 'same person, confirmed by phone', actor: { id: 'sup-7', roles: ['supervisor'] },
   * });
   * ```
   */
  merge(survivorId: string, mergedId: string, options: MergeOptions): Promise<MergeRecord> {
    return merge.merge(this.ctx, survivorId, mergedId, options);
  }

  /**
   * Reverts a merge: the merged customer comes back as it was, the identities and conversations
   * that moved (and still belong to the survivor) move back, and survivor profile fields the
   * merge filled are cleared when still unchanged. Identities attached to the survivor after the
   * merge stay with it. A later merge of the survivor must be reverted first (`CONFLICT`); a
   * reverted merge cannot be reverted again (`CONFLICT`).
   *
   * @example
   * ```ts
   * await identity.unmerge(record.id, { actor: { id: 'sup-7', roles: ['supervisor'] }, reason: 'different people' });
   * ```
   */
  unmerge(mergeId: string, options: UnmergeOptions = {}): Promise<MergeRecord> {
    return unmerge.unmerge(this.ctx, mergeId, options);
  }

  /**
   * Reads a merge record.
   *
   * @example
   * ```ts
   * const record = await identity.getMerge('merge_…');
   * ```
   */
  getMerge(mergeId: string, options: { tenantId?: string } = {}): Promise<MergeRecord | undefined> {
    return lookup.getMerge(this.ctx, mergeId, options);
  }

  /**
   * The identities of a customer (blocked ones included, flagged), ordered by id.
   *
   * @example
   * ```ts
   * const list = await identity.identitiesOf('cus-1');
   * ```
   */
  identitiesOf(customerId: string, options: { tenantId?: string } = {}): Promise<StoredIdentity[]> {
    return lookup.identitiesOf(this.ctx, customerId, options);
  }

  /**
   * Looks up the customer that owns an identity (one indexed lookup; blocked values own nothing).
   *
   * @example
   * ```ts
   * await identity.lookup({ kind: 'email', value: 'Ana@x.com' }); // 'cus-1' or undefined
   * ```
   */
  lookup(
    identity: { kind: IdentityKind; value: string; namespace?: string },
    options: { tenantId?: string } = {},
  ): Promise<string | undefined> {
    return lookup.lookup(this.ctx, identity, options);
  }

  /**
   * Blocks (or unblocks) a value for every customer holding it: blocked identities stay on their
   * customers but never link contacts again. Unblocking fails with `CONFLICT` when two customers
   * hold the value (merge or remove one first). Audited, publishes `identity.blocked`.
   *
   * @example
   * ```ts
   * await identity.setBlocked({ kind: 'email', value: 'info@shop.com' }, true, { actor });
   * ```
   */
  setBlocked(
    identity: { kind: IdentityKind; value: string; namespace?: string },
    blocked: boolean,
    options: { actor: Actor; tenantId?: string; reason?: string },
  ): Promise<StoredIdentity[]> {
    return blocking.setBlocked(this.ctx, identity, blocked, options);
  }

  /**
   * Lists conflict records for review, by status and/or customer, with cursor pagination.
   *
   * @example
   * ```ts
   * const { items } = await identity.listConflicts({ status: 'open' });
   * ```
   */
  listConflicts(
    query: conflicts.ConflictQuery = {},
  ): Promise<{ items: IdentityConflict[]; nextCursor?: string }> {
    return conflicts.listConflicts(this.ctx, query);
  }

  /**
   * Closes a conflict after review (`resolved`, e.g. after a manual merge, or `dismissed`).
   * Audited, publishes `identity.conflict_resolved`. Closing a closed conflict is `CONFLICT`.
   *
   * @example
   * ```ts
   * await identity.resolveConflict(conflictId, { status: 'dismissed', resolution: 'shared family email', actor });
   * ```
   */
  resolveConflict(
    conflictId: string,
    options: { status: 'resolved' | 'dismissed'; resolution?: string; actor: Actor; tenantId?: string },
  ): Promise<IdentityConflict> {
    return conflicts.resolveConflict(this.ctx, conflictId, options);
  }
}

/**
 * Creates an {@link IdentityService}.
 *
 * @example
 * ```ts
 * const { documents } = createMemoryStorage();
 * const identity = createIdentityService({ store: documents, clock, ids, config: { limits: { external_id: 1 } } });
 * ```
 */
export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  return new IdentityService(options);
}
