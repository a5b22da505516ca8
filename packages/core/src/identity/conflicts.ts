import { parseInput, ThreadlineError } from '../errors.js';
import type { Actor } from '../ports/audit.js';
import { DEFAULT_TENANT, IdSchema } from '../schemas/common.js';
import { actorRef, ensureReady, type IdentityContext, locked, notFound, withoutVersion } from './context.js';
import { commitWithEvents, type IdentityEventMap, identityEvent, publishEvents } from './events.js';
import { authorize, recordAudit } from './guard.js';
import { ConflictQuerySchema, ResolveConflictOptionsSchema } from './options.js';
import { NEW_CUSTOMER, type PlannedConflict } from './plan.js';
import { IDENTITY_COLLECTIONS as C, type IdentityConflict } from './records.js';
import type { IdentityService } from './service.js';
import type { Staging } from './staging.js';
import type { StagedWrite } from './writes.js';

/**
 * Stages a conflict the planner found, or an `occurrences` bump on the open record with the same
 * kind, customers and keys, with its `identity.conflict_detected` event; returns the record's id.
 */
export async function upsertConflict(
  ctx: IdentityContext,
  staging: Staging,
  planned: PlannedConflict,
  newCustomerId: string,
  correlationId: string | undefined,
): Promise<string> {
  const { tenantId } = staging;
  const customerIds = [
    ...new Set(planned.customerIds.map((c) => (c === NEW_CUSTOMER ? newCustomerId : c))),
  ].sort();
  const keys = [...planned.keys].sort();
  const dedupeKey = `${planned.kind}|${customerIds.join(',')}|${keys.join(',')}`;
  const now = ctx.clock.now();
  const existing = await staging.findFirst<IdentityConflict>(C.conflicts, { dedupeKey, status: 'open' });
  let stored: IdentityConflict;
  if (existing) {
    stored = staging.put<IdentityConflict>(
      C.conflicts,
      { ...withoutVersion(existing), occurrences: existing.occurrences + 1, lastSeenAt: now, updatedAt: now },
      existing,
    );
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
    stored = staging.put<IdentityConflict>(C.conflicts, doc as StagedWrite['document']);
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
  staging.events.push(
    identityEvent(
      ctx,
      'identity.conflict_detected',
      tenantId,
      { type: 'identity_conflict', id: stored.id, version: stored.version },
      payload,
      correlationId,
    ),
  );
  return stored.id;
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
    const payload: IdentityEventMap['identity.conflict_resolved'] = {
      conflictId: id,
      // Names the customers, so erasure finds the event (its `resolution` is free text).
      customerIds: [...conflict.customerIds],
      status: opts.status,
      actorId: opts.actor.id,
    };
    if (opts.resolution) payload.resolution = opts.resolution;
    const committed = await commitWithEvents(
      ctx,
      [
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
      ],
      (docs) => [
        identityEvent(
          ctx,
          'identity.conflict_resolved',
          tenantId,
          { type: 'identity_conflict', id, version: (docs[0] as IdentityConflict).version },
          payload,
          undefined,
        ),
      ],
    );
    const stored = committed.stored[0] as IdentityConflict;
    await recordAudit(ctx, {
      tenantId,
      actor: actorRef(opts.actor),
      action: 'identity.conflict_resolved',
      resource: { type: 'identity_conflict', id },
      ...(opts.resolution ? { reason: opts.resolution } : {}),
      before: { status: 'open' },
      after: { status: opts.status },
      // Indexes the entry by the conflict's customers, so erasing one reaches its free-text reason.
      details: { customerIds: [...conflict.customerIds] },
    });
    await publishEvents(ctx.delivery, committed.pending);
    return stored;
  });
}
