import { parseInput, ThreadlineError, validationError } from '../errors.js';
import type { Actor } from '../ports/audit.js';
import type { StoredDocument } from '../ports/documentStore.js';
import { DEFAULT_TENANT } from '../schemas/common.js';
import {
  actorRef,
  ensureReady,
  type IdentityContext,
  isPlainObject,
  locked,
  notFound,
  withoutVersion,
} from './context.js';
import { identityEvent, publishEvents } from './events.js';
import { authorize, keyRef, recordAudit } from './guard.js';
import { type MergeOptions, MergeOptionsSchema, MergePairSchema } from './options.js';
import { LimitCounter } from './plan.js';
import {
  IDENTITY_COLLECTIONS as C,
  type CustomerSnapshot,
  type MergeEvidence,
  type MergeRecord,
  type StoredCustomer,
  type StoredIdentity,
} from './records.js';
import type { IdentityService } from './service.js';
import { commitStaging, Staging } from './staging.js';

/** Everything a merge would change, read and computed before anything is written. */
export interface MergePreparation {
  tenantId: string;
  survivor: StoredCustomer;
  merged: StoredCustomer;
  movedIdentities: StoredIdentity[];
  conversations: StoredDocument[];
  conflicts: { limit: string; keys: string[] }[];
  filled: string[];
  survivorAfter: { profile: Record<string, unknown>; attributes: Record<string, unknown> };
}

/**
 * Reads both customers, what would move and what would be filled; checks limits. Throws for a
 * self-merge (`VALIDATION`), unknown ids (`NOT_FOUND`), merged or erased customers (`CONFLICT`).
 */
export async function prepareMerge(
  ctx: IdentityContext,
  staging: Staging,
  survivorId: string,
  mergedId: string,
): Promise<MergePreparation> {
  const { tenantId } = staging;
  if (survivorId === mergedId) {
    throw validationError('merge', [
      { path: ['mergedId'], message: 'cannot merge a customer into itself', code: 'same_customer' },
    ]);
  }
  const [survivor, merged] = await staging.getMany<StoredCustomer>(C.customers, [survivorId, mergedId]);
  if (!survivor) throw notFound('Customer', survivorId);
  if (!merged) throw notFound('Customer', mergedId);
  for (const c of [survivor, merged]) {
    if (c.mergedInto !== undefined) {
      throw new ThreadlineError('CONFLICT', `Customer ${c.id} was already merged into ${c.mergedInto}`, {
        details: { customerId: c.id, mergedInto: c.mergedInto },
      });
    }
    if (c.erasedAt !== undefined) {
      throw new ThreadlineError('CONFLICT', `Customer ${c.id} was erased`, {
        details: { customerId: c.id },
      });
    }
  }
  const [survivorIdentities, movedIdentities, conversations] = await Promise.all([
    staging.findAll<StoredIdentity>(C.identities, { customerId: survivorId }),
    staging.findAll<StoredIdentity>(C.identities, { customerId: mergedId }),
    staging.findAll(C.conversations, { customerId: mergedId }),
  ]);
  const limits = new LimitCounter(ctx.config.limits);
  limits.add(survivorIdentities.filter((i) => !i.blocked));
  const conflicts: MergePreparation['conflicts'] = [];
  const hit = limits.wouldExceed(movedIdentities.filter((i) => !i.blocked));
  if (hit) conflicts.push(hit);

  // The survivor keeps its values; empty profile fields and missing attributes are filled.
  const filled: string[] = [];
  const profile = { ...(isPlainObject(survivor.profile) ? survivor.profile : {}) };
  const attributes = { ...(isPlainObject(survivor.attributes) ? survivor.attributes : {}) };
  for (const [k, v] of Object.entries(isPlainObject(merged.profile) ? merged.profile : {})) {
    if (profile[k] === undefined && v !== undefined) {
      profile[k] = v;
      filled.push(`profile.${k}`);
    }
  }
  for (const [k, v] of Object.entries(isPlainObject(merged.attributes) ? merged.attributes : {})) {
    if (attributes[k] === undefined && v !== undefined) {
      attributes[k] = v;
      filled.push(`attributes.${k}`);
    }
  }
  return {
    tenantId,
    survivor,
    merged,
    movedIdentities,
    conversations,
    conflicts,
    filled,
    survivorAfter: { profile, attributes },
  };
}

/**
 * Stages a prepared merge (record, both customers, moved identities and conversations), its
 * `customer.merged` event and its audit entry; the caller commits them with the rest of the same
 * command. A broken limit throws `CONFLICT`.
 */
export function applyMerge(
  ctx: IdentityContext,
  staging: Staging,
  prep: MergePreparation,
  opts: { reason: string; actor: Actor; evidence: MergeEvidence[]; correlationId: string | undefined },
): MergeRecord {
  const { tenantId, survivor, merged } = prep;
  if (prep.conflicts.length > 0) {
    const c = prep.conflicts[0] as { limit: string; keys: string[] };
    throw new ThreadlineError(
      'CONFLICT',
      `Merging ${merged.id} into ${survivor.id} would exceed the ${c.limit} limit (${c.keys.join(', ')})`,
      { details: { survivorId: survivor.id, mergedId: merged.id, conflicts: prep.conflicts } },
    );
  }
  const now = ctx.clock.now();
  const mergeId = ctx.ids.next('merge');
  const snapshot: MergeRecord['snapshot'] = {
    survivor: withoutVersion(survivor) as CustomerSnapshot,
    merged: withoutVersion(merged) as CustomerSnapshot,
    identityIds: prep.movedIdentities.map((i) => i.id),
    conversationIds: prep.conversations.map((c) => c.id),
    filled: prep.filled,
  };
  const record = staging.put<MergeRecord>(C.merges, {
    id: mergeId,
    tenantId,
    survivorId: survivor.id,
    mergedId: merged.id,
    status: 'applied',
    reason: opts.reason,
    actor: actorRef(opts.actor),
    evidence: opts.evidence,
    snapshot,
    createdAt: now,
    updatedAt: now,
  });
  const survivorStored = staging.put(
    C.customers,
    { ...withoutVersion(survivor), ...prep.survivorAfter, updatedAt: now },
    survivor,
  );
  staging.put(C.customers, { ...withoutVersion(merged), mergedInto: survivor.id, updatedAt: now }, merged);
  for (const i of prep.movedIdentities) {
    staging.put(C.identities, { ...withoutVersion(i), customerId: survivor.id, updatedAt: now }, i);
  }
  for (const c of prep.conversations) {
    staging.put(C.conversations, { ...withoutVersion(c), customerId: survivor.id, updatedAt: now }, c);
  }
  staging.events.push(
    identityEvent(
      ctx,
      'customer.merged',
      tenantId,
      { type: 'customer', id: survivor.id, version: survivorStored.version },
      {
        mergeId,
        survivorId: survivor.id,
        mergedId: merged.id,
        reason: opts.reason,
        evidence: opts.evidence,
        actorId: opts.actor.id,
        identityIds: snapshot.identityIds,
        conversationIds: snapshot.conversationIds,
      },
      opts.correlationId,
    ),
  );
  // The audit trail gets the evidence's shape, never the identity keys themselves.
  staging.audits.push({
    tenantId,
    actor: actorRef(opts.actor),
    action: 'customer.merged',
    resource: { type: 'customer', id: survivor.id },
    reason: opts.reason,
    before: { survivorId: survivor.id, mergedId: merged.id },
    after: { mergeId, survivorId: survivor.id },
    details: {
      mergedId: merged.id,
      customerIds: [survivor.id, merged.id],
      evidence: opts.evidence.map((e) => ({
        ...(e.key === undefined ? {} : { keyRef: keyRef(e.key) }),
        ...(e.note === undefined ? {} : { note: true }),
      })),
      identityIds: snapshot.identityIds,
      conversationIds: snapshot.conversationIds,
    },
  });
  return record;
}

/** Implements {@link IdentityService.merge} (documented there). */
export async function merge(
  ctx: IdentityContext,
  survivorId: string,
  mergedId: string,
  options: MergeOptions,
): Promise<MergeRecord> {
  const ids = parseInput(MergePairSchema, { survivorId, mergedId }, 'merge');
  const opts = parseInput(MergeOptionsSchema, options, 'merge options');
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  await authorize(ctx, opts.actor, 'merge', 'customer', ids.mergedId, tenantId);
  await ensureReady(ctx);
  return locked(ctx, tenantId, async () => {
    const staging = new Staging(ctx.store, tenantId);
    const prep = await prepareMerge(ctx, staging, ids.survivorId, ids.mergedId);
    const staged = applyMerge(ctx, staging, prep, {
      reason: opts.reason,
      actor: opts.actor,
      evidence: opts.evidence ?? [],
      correlationId: opts.correlationId,
    });
    const pending = await commitStaging(ctx, staging);
    for (const entry of staging.audits) await recordAudit(ctx, entry);
    await publishEvents(ctx.delivery, pending);
    return staged;
  });
}
