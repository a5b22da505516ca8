import type { z } from 'zod';
import { parseInput, ThreadlineError } from '../errors.js';
import type { Actor } from '../ports/audit.js';
import { DEFAULT_TENANT } from '../schemas/common.js';
import type { IdentityKind } from '../schemas/identity.js';
import {
  actorRef,
  ensureReady,
  findAll,
  type IdentityContext,
  locked,
  normalizeAt,
  withoutVersion,
} from './context.js';
import { commitWithEvents, identityEvent, publishEvents } from './events.js';
import { authorize, keyRef, recordAudit } from './guard.js';
import {
  BooleanSchema,
  type IdentityInputSchema,
  SetBlockedOptionsSchema,
  SingleIdentitySchema,
} from './options.js';
import { IDENTITY_COLLECTIONS as C, type StoredIdentity } from './records.js';
import type { IdentityService } from './service.js';
import type { StagedWrite } from './writes.js';

/** Implements {@link IdentityService.setBlocked} (documented there). */
export async function setBlocked(
  ctx: IdentityContext,
  identity: { kind: IdentityKind; value: string; namespace?: string },
  blocked: boolean,
  options: { actor: Actor; tenantId?: string; reason?: string },
): Promise<StoredIdentity[]> {
  const [input] = parseInput(SingleIdentitySchema, [identity], 'identity');
  const b = parseInput(BooleanSchema, blocked, 'blocked');
  const opts = parseInput(SetBlockedOptionsSchema, options, 'options');
  const key = normalizeAt(ctx, input as z.output<typeof IdentityInputSchema>, 0).key;
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  await authorize(ctx, opts.actor, 'block', 'identity', keyRef(key), tenantId);
  await ensureReady(ctx);
  return locked(ctx, tenantId, async () => {
    const docs = await findAll<StoredIdentity>(ctx, C.identities, tenantId, { key });
    if (!b && new Set(docs.map((d) => d.customerId)).size > 1) {
      throw new ThreadlineError('CONFLICT', `Cannot unblock ${key}: several customers hold it`, {
        details: { key, customerIds: [...new Set(docs.map((d) => d.customerId))].sort() },
      });
    }
    const now = ctx.clock.now();
    // A merge can leave one customer holding a blocked value twice; `matchKey` is unique (one
    // owner per key), so on unblock only the first of them gets it back, the rest stay unmatched.
    const matcher = b ? undefined : (docs.find((d) => d.matchKey === key) ?? docs[0]);
    const writes: StagedWrite[] = docs
      .filter((d) => d.blocked !== b)
      .map((d) => {
        const { matchKey: _m, ...rest } = withoutVersion(d);
        return {
          collection: C.identities,
          document: { ...rest, blocked: b, ...(d === matcher ? { matchKey: key } : {}), updatedAt: now },
          prior: d,
        };
      });
    const committed = await commitWithEvents(ctx, writes, (docs) => [
      identityEvent(
        ctx,
        'identity.blocked',
        tenantId,
        // The aggregate is the key's digest: events stay erasable (only payloads can be rewritten).
        { type: 'identity_key', id: keyRef(key), version: 0 },
        {
          key,
          blocked: b,
          identityIds: docs.map((d) => d.id),
          customerIds: [...new Set(docs.map((d) => (d as StoredIdentity).customerId))].sort(),
          actorId: opts.actor.id,
        },
        undefined,
      ),
    ]);
    const stored = committed.stored as StoredIdentity[];
    await recordAudit(ctx, {
      tenantId,
      actor: actorRef(opts.actor),
      action: b ? 'identity.blocked' : 'identity.unblocked',
      resource: { type: 'identity_key', id: keyRef(key) },
      ...(opts.reason ? { reason: opts.reason } : {}),
      details: { identityIds: stored.map((d) => d.id) },
    });
    await publishEvents(ctx.delivery, committed.pending);
    return findAll<StoredIdentity>(ctx, C.identities, tenantId, { key });
  });
}
