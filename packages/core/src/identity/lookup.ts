import type { z } from 'zod';
import { parseInput } from '../errors.js';
import { DEFAULT_TENANT, IdSchema } from '../schemas/common.js';
import type { IdentityKind } from '../schemas/identity.js';
import { ensureReady, findAll, type IdentityContext, normalizeAt } from './context.js';
import { type IdentityInputSchema, SingleIdentitySchema } from './options.js';
import { IDENTITY_COLLECTIONS as C, type MergeRecord, type StoredIdentity } from './records.js';
import type { IdentityService } from './service.js';

/** Implements {@link IdentityService.lookup} (documented there). */
export async function lookup(
  ctx: IdentityContext,
  identity: { kind: IdentityKind; value: string; namespace?: string },
  options: { tenantId?: string } = {},
): Promise<string | undefined> {
  const [input] = parseInput(SingleIdentitySchema, [identity], 'identity');
  const n = normalizeAt(ctx, input as z.output<typeof IdentityInputSchema>, 0);
  if (n.blocked) return undefined;
  await ensureReady(ctx);
  const page = await ctx.store.find<StoredIdentity>(C.identities, {
    tenantId: options.tenantId ?? DEFAULT_TENANT,
    where: { matchKey: n.key },
    limit: 1,
  });
  return page.items[0]?.customerId;
}

/** Implements {@link IdentityService.identitiesOf} (documented there). */
export async function identitiesOf(
  ctx: IdentityContext,
  customerId: string,
  options: { tenantId?: string } = {},
): Promise<StoredIdentity[]> {
  const id = parseInput(IdSchema, customerId, 'customerId');
  await ensureReady(ctx);
  return findAll<StoredIdentity>(ctx, C.identities, options.tenantId ?? DEFAULT_TENANT, { customerId: id });
}

/** Implements {@link IdentityService.getMerge} (documented there). */
export async function getMerge(
  ctx: IdentityContext,
  mergeId: string,
  options: { tenantId?: string } = {},
): Promise<MergeRecord | undefined> {
  await ensureReady(ctx);
  return ctx.store.get<MergeRecord>(C.merges, parseInput(IdSchema, mergeId, 'mergeId'), options);
}
