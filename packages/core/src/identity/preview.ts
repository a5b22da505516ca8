import { parseInput } from '../errors.js';
import { DEFAULT_TENANT } from '../schemas/common.js';
import { ensureReady, type IdentityContext } from './context.js';
import { prepareMerge } from './merge.js';
import { MergePairSchema, TenantOnlySchema } from './options.js';
import type { IdentityService } from './service.js';
import { Staging } from './staging.js';

/** A dry run of `merge`. */
export interface MergePreview {
  survivorId: string;
  mergedId: string;
  /** False when the merge would break a limit; `conflicts` says which. */
  allowed: boolean;
  conflicts: { limit: string; keys: string[] }[];
  /** Identities that would move to the survivor. */
  identities: { id: string; key: string; blocked: boolean }[];
  /** Conversations that would move to the survivor. */
  conversationIds: string[];
  /** Survivor profile/attribute paths that would be filled from the merged customer. */
  filled: string[];
  /** The survivor's profile and attributes after the merge. */
  survivorAfter: { profile: Record<string, unknown>; attributes: Record<string, unknown> };
}

/** Implements {@link IdentityService.previewMerge} (documented there). */
export async function previewMerge(
  ctx: IdentityContext,
  survivorId: string,
  mergedId: string,
  options: { tenantId?: string } = {},
): Promise<MergePreview> {
  const ids = parseInput(MergePairSchema, { survivorId, mergedId }, 'merge');
  const { tenantId } = parseInput(TenantOnlySchema, options, 'options');
  await ensureReady(ctx);
  const prep = await prepareMerge(
    ctx,
    new Staging(ctx.store, tenantId ?? DEFAULT_TENANT),
    ids.survivorId,
    ids.mergedId,
  );
  return {
    survivorId: ids.survivorId,
    mergedId: ids.mergedId,
    allowed: prep.conflicts.length === 0,
    conflicts: prep.conflicts,
    identities: prep.movedIdentities.map((i) => ({ id: i.id, key: i.key, blocked: i.blocked })),
    conversationIds: prep.conversations.map((c) => c.id),
    filled: prep.filled,
    survivorAfter: prep.survivorAfter,
  };
}
