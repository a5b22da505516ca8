import { parseInput, ThreadlineError } from '../errors.js';
import type { Actor } from '../ports/audit.js';
import { DEFAULT_TENANT, IdSchema } from '../schemas/common.js';
import { actorRef, ensureReady, type IdentityContext, locked, notFound, withoutVersion } from './context.js';
import { type IdentityEvent, type IdentityEventMap, identityEvent, publishEvents } from './events.js';
import { authorize, recordAudit } from './guard.js';
import { ConflictQuerySchema, ResolveConflictOptionsSchema } from './options.js';
import { NEW_CUSTOMER, type PlannedConflict } from './plan.js';
import { IDENTITY_COLLECTIONS as C, type IdentityConflict } from './records.js';
import type { IdentityService } from './service.js';
import { commitWrites, type StagedWrite } from './writes.js';

/**
 * Records a conflict the planner found, or bumps `occurrences` on the open record with the same
 * kind, customers and keys; returns the `identity.conflict_detected` event to publish.
 */
export async function upsertConflict(
  ctx: IdentityContext,
  tenantId: string,
  planned: PlannedConflict,
  newCustomerId: string,
  correlationId: string | undefined,
): Promise<{ id: string; event: IdentityEvent }> {
  const customerIds = [
    ...new Set(planned.customerIds.map((c) => (c === NEW_CUSTOMER ? newCustomerId : c))),
  ].sort();
  const keys = [...planned.keys].sort();
  const dedupeKey = `${planned.kind}|${customerIds.join(',')}|${keys.join(',')}`;
  const now = ctx.clock.now();
  const [existing] = (
    await ctx.store.find<IdentityConflict>(C.conflicts, {
      tenantId,
      where: { dedupeKey, status: 'open' },
      limit: 1,
    })
  ).items;
  let stored: IdentityConflict;
  if (existing) {
    [stored] = (await commitWrites(ctx.store, [
      {
        collection: C.conflicts,
        document: {
          ...withoutVersion(existing),
          occurrences: existing.occurrences + 1,
          lastSeenAt: now,
          updatedAt: now,
        },
        prior: existing,
      },
    ])) as [IdentityConflict];
  } else {
    const doc: Record<string, unknown> = {
      id: ctx.ids.next('cfl'),
      tenantId,
      kind: planned.kind,
      status: 'open',
      customerIds,
      keys,
      detail: planned.detail.replaceAll(NEW_CUSTOMER, newCustomerId),
      dedupeKey,
      occurrences: 1,
      firstSeenAt: now,
      lastSeenAt: now,
      createdAt: now,
      updatedAt: now,
    };
    if (planned.limit !== undefined) doc.limit = planned.limit;
    [stored] = (await commitWrites(ctx.store, [
      { collection: C.conflicts, document: doc as StagedWrite['document'] },
    ])) as [IdentityConflict];
  }
  const payload: IdentityEventMap['identity.conflict_detected'] = {
    conflictId: stored.id,
    kind: stored.kind,
    customerIds,
    keys,
    detail: stored.detail,
    occurrences: stored.occurrences,
  };
  if (stored.limit !== undefined) payload.limit = stored.limit;
  return {
    id: stored.id,
    event: identityEvent(
      ctx,
      'identity.conflict_detected',
      tenantId,
      { type: 'identity_conflict', id: stored.id, version: stored.version },
      payload,
      correlationId,
    ),
  };
}

/** Implements {@link IdentityService.listConflicts} (documented there). */
/** What `listConflicts` filters on: status, customer, tenant, and a page (`limit`, `cursor`). */
export interface ConflictQuery {
  status?: IdentityConflict['status'];
  customerId?: string;
  tenantId?: string;
  limit?: number;
  cursor?: string;
}

export async function listConflicts(
  ctx: IdentityContext,
  query: ConflictQuery = {},
): Promise<{ items: IdentityConflict[]; nextCursor?: string }> {
  const q = parseInput(ConflictQuerySchema, query, 'conflict query');
  await ensureReady(ctx);
  const where: Record<string, string> = {};
  if (q.status) where.status = q.status;
  if (q.customerId) where.customerIds = q.customerId;
  return ctx.store.find<IdentityConflict>(C.conflicts, {
    tenantId: q.tenantId ?? DEFAULT_TENANT,
    where,
    limit: q.limit ?? 100,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
}

/** Implements {@link IdentityService.resolveConflict} (documented there). */
export async function resolveConflict(
  ctx: IdentityContext,
  conflictId: string,
  options: { status: 'resolved' | 'dismissed'; resolution?: string; actor: Actor; tenantId?: string },
): Promise<IdentityConflict> {
  const id = parseInput(IdSchema, conflictId, 'conflictId');
  const opts = parseInput(ResolveConflictOptionsSchema, options, 'options');
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  await authorize(ctx, opts.actor, 'review', 'identity', id, tenantId);
  await ensureReady(ctx);
  return locked(ctx, tenantId, async () => {
    const conflict = await ctx.store.get<IdentityConflict>(C.conflicts, id, { tenantId });
    if (!conflict) throw notFound('Conflict', id);
    if (conflict.status !== 'open') {
      throw new ThreadlineError('CONFLICT', `Conflict ${id} is already ${conflict.status}`, {
        details: { conflictId: id },
      });
    }
    const now = ctx.clock.now();
    const [stored] = (await commitWrites(ctx.store, [
      {
        collection: C.conflicts,
        document: {
          ...withoutVersion(conflict),
          status: opts.status,
          resolvedAt: now,
          resolvedBy: actorRef(opts.actor),
          ...(opts.resolution ? { resolution: opts.resolution } : {}),
          updatedAt: now,
        },
        prior: conflict,
      },
    ])) as [IdentityConflict];
    await recordAudit(ctx, {
      tenantId,
      actor: actorRef(opts.actor),
      action: 'identity.conflict_resolved',
      resource: { type: 'identity_conflict', id },
      ...(opts.resolution ? { reason: opts.resolution } : {}),
      before: { status: 'open' },
      after: { status: opts.status },
    });
    const payload: IdentityEventMap['identity.conflict_resolved'] = {
      conflictId: id,
      status: opts.status,
      actorId: opts.actor.id,
    };
    if (opts.resolution) payload.resolution = opts.resolution;
    await publishEvents(ctx.bus, [
      identityEvent(
        ctx,
        'identity.conflict_resolved',
        tenantId,
        { type: 'identity_conflict', id, version: stored.version },
        payload,
        undefined,
      ),
    ]);
    return stored;
  });
}
