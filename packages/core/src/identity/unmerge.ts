import { parseInput, ThreadlineError } from '../errors.js';
import type { StoredDocument } from '../ports/documentStore.js';
import { DEFAULT_TENANT, IdSchema } from '../schemas/common.js';
import {
  actorRef,
  ensureReady,
  type IdentityContext,
  isPlainObject,
  jsonEqual,
  locked,
  notFound,
  withoutVersion,
} from './context.js';
import { commitWithEvents, type IdentityEventMap, identityEvent, publishEvents } from './events.js';
import { authorize, recordAudit } from './guard.js';
import { type UnmergeOptions, UnmergeOptionsSchema } from './options.js';
import {
  IDENTITY_COLLECTIONS as C,
  type MergeRecord,
  type StoredCustomer,
  type StoredIdentity,
} from './records.js';
import type { IdentityService } from './service.js';
import type { StagedWrite } from './writes.js';

/** Implements {@link IdentityService.unmerge} (documented there). */
export async function unmerge(
  ctx: IdentityContext,
  mergeId: string,
  options: UnmergeOptions = {},
): Promise<MergeRecord> {
  const id = parseInput(IdSchema, mergeId, 'mergeId');
  const opts = parseInput(UnmergeOptionsSchema, options, 'unmerge options');
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  await authorize(ctx, opts.actor ?? ctx.systemActor, 'unmerge', 'customer', id, tenantId);
  await ensureReady(ctx);
  return locked(ctx, tenantId, async () => {
    const record = await ctx.store.get<MergeRecord>(C.merges, id, { tenantId });
    if (!record) throw notFound('Merge', id);
    if (record.status !== 'applied') {
      throw new ThreadlineError('CONFLICT', `Merge ${id} was already reverted`, {
        details: { mergeId: id },
      });
    }
    const [survivor, merged] = await ctx.store.getMany<StoredCustomer>(
      C.customers,
      [record.survivorId, record.mergedId],
      { tenantId },
    );
    if (!survivor) throw notFound('Customer', record.survivorId);
    if (!merged) throw notFound('Customer', record.mergedId);
    if (survivor.mergedInto !== undefined) {
      const [later] = (
        await ctx.store.find<MergeRecord>(C.merges, {
          tenantId,
          where: { mergedId: survivor.id, status: 'applied' },
          limit: 1,
        })
      ).items;
      throw new ThreadlineError(
        'CONFLICT',
        `Customer ${survivor.id} was merged into ${survivor.mergedInto} later; unmerge that first`,
        { details: { mergeId: id, laterMergeId: later?.id, mergedInto: survivor.mergedInto } },
      );
    }
    for (const c of [survivor, merged]) {
      if (c.erasedAt !== undefined) {
        throw new ThreadlineError('CONFLICT', `Customer ${c.id} was erased; its merge cannot be reverted`, {
          details: { mergeId: id, customerId: c.id },
        });
      }
    }
    if (merged.mergedInto !== survivor.id) {
      throw new ThreadlineError('CONFLICT', `Customer ${merged.id} is no longer merged into ${survivor.id}`, {
        details: { mergeId: id },
      });
    }
    const now = ctx.clock.now();
    const actor = opts.actor ?? ctx.systemActor;
    const profile = { ...(isPlainObject(survivor.profile) ? survivor.profile : {}) };
    const attributes = { ...(isPlainObject(survivor.attributes) ? survivor.attributes : {}) };
    const snapMerged = record.snapshot.merged;
    for (const path of record.snapshot.filled) {
      const [section, key] = [path.slice(0, path.indexOf('.')), path.slice(path.indexOf('.') + 1)];
      const target = section === 'profile' ? profile : attributes;
      const source: Record<string, unknown> =
        (section === 'profile' ? snapMerged.profile : snapMerged.attributes) ?? {};
      if (jsonEqual(target[key], source[key])) delete target[key];
    }
    const [identities, conversations] = await Promise.all([
      ctx.store.getMany<StoredIdentity>(C.identities, record.snapshot.identityIds, { tenantId }),
      ctx.store.getMany(C.conversations, record.snapshot.conversationIds, { tenantId }),
    ]);
    const movedIdentities = identities.filter(
      (d): d is StoredIdentity => d !== undefined && d.customerId === survivor.id,
    );
    const movedConversations = conversations.filter(
      (d): d is StoredDocument => d !== undefined && d.customerId === survivor.id,
    );
    const writes: StagedWrite[] = [
      {
        collection: C.merges,
        document: {
          ...withoutVersion(record),
          status: 'reverted',
          revertedAt: now,
          revertedBy: actorRef(actor),
          ...(opts.reason ? { revertReason: opts.reason } : {}),
          updatedAt: now,
        },
        prior: record,
      },
      {
        collection: C.customers,
        document: { ...withoutVersion(survivor), profile, attributes, updatedAt: now },
        prior: survivor,
      },
      { collection: C.customers, document: { ...snapMerged, updatedAt: now }, prior: merged },
      ...movedIdentities.map((d) => ({
        collection: C.identities,
        document: { ...withoutVersion(d), customerId: merged.id, updatedAt: now },
        prior: d,
      })),
      ...movedConversations.map((d) => ({
        collection: C.conversations,
        document: { ...withoutVersion(d), customerId: merged.id, updatedAt: now },
        prior: d,
      })),
    ];
    const payload: IdentityEventMap['customer.unmerged'] = {
      mergeId: id,
      survivorId: survivor.id,
      mergedId: merged.id,
      actorId: actor.id,
      identityIds: movedIdentities.map((d) => d.id),
      conversationIds: movedConversations.map((d) => d.id),
    };
    if (opts.reason) payload.reason = opts.reason;
    const committed = await commitWithEvents(ctx, writes, (stored) => [
      identityEvent(
        ctx,
        'customer.unmerged',
        tenantId,
        { type: 'customer', id: survivor.id, version: stored[1]?.version ?? survivor.version + 1 },
        payload,
        opts.correlationId,
      ),
    ]);
    const reverted = committed.stored[0] as MergeRecord;
    await recordAudit(ctx, {
      tenantId,
      actor: actorRef(actor),
      action: 'customer.unmerged',
      resource: { type: 'customer', id: survivor.id },
      ...(opts.reason ? { reason: opts.reason } : {}),
      before: { mergeId: id, survivorId: survivor.id, mergedId: merged.id },
      after: { survivorId: survivor.id, restoredCustomerId: merged.id },
      details: {
        customerIds: [survivor.id, merged.id],
        identityIds: payload.identityIds,
        conversationIds: payload.conversationIds,
      },
    });
    await publishEvents(ctx.delivery, committed.pending);
    return reverted;
  });
}
