import type { z } from 'zod';
import { DEFAULT_TENANT } from '../schemas/common.js';
import { upsertConflict } from './conflicts.js';
import {
  actorRef,
  ensureReady,
  findAll,
  type IdentityContext,
  locked,
  normalizeAt,
  toOwned,
  withoutVersion,
} from './context.js';
import { type IdentityEvent, identityEvent, publishEvents } from './events.js';
import { authorize, keyRef, recordAudit } from './guard.js';
import { applyMerge, prepareMerge } from './merge.js';
import type { IdentityInput, ResolveOptions, ResolveOptionsSchema } from './options.js';
import {
  type IgnoredReason,
  type InboundIdentity,
  NEW_CUSTOMER,
  type OwnedIdentity,
  planResolution,
  type ResolutionPlan,
} from './plan.js';
import { isWriteRace, MAX_RESOLVE_ATTEMPTS } from './race.js';
import { IDENTITY_COLLECTIONS as C, type StoredIdentity } from './records.js';
import { parseResolveInput } from './resolveInput.js';
import type { IdentityService } from './service.js';
import { commitStaging, Staging } from './staging.js';
import type { StagedWrite } from './writes.js';

/** What `resolve` decided for an inbound contact. */
export interface ResolveResult {
  customerId: string;
  /** `created`: a new customer; `matched`: an existing one (possibly after merges). */
  status: 'created' | 'matched';
  /** Identity confidence 0–1: the best rule the contact satisfied (see README). */
  confidence: number;
  /** Whether any usable inbound identity was verified. */
  verified: boolean;
  /** Matches used as evidence, strongest first. */
  evidence: ResolutionPlan['evidence'];
  /** Keys of identities attached to the customer by this call. */
  attached: string[];
  /** Ids of merge records made by this call. */
  merges: string[];
  /** Ids of conflict records created or seen again. */
  conflicts: string[];
  ignored: { key: string; reason: IgnoredReason; customerId?: string }[];
}

/** Implements {@link IdentityService.resolve} (documented there). */
export async function resolve(
  ctx: IdentityContext,
  identities: readonly IdentityInput[],
  options: ResolveOptions = {},
): Promise<ResolveResult> {
  const { list, opts } = parseResolveInput(identities, options);
  const inboundRaw = list.map((x, i) => normalizeAt(ctx, x, i));
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  // A refusal is audited under the key's digest: the audit trail never holds the e-mail itself.
  // (The digest is only computed when access control is there to decide.)
  const first = inboundRaw[0];
  if (ctx.access) {
    await authorize(
      ctx,
      opts.actor ?? ctx.systemActor,
      'update',
      'customer',
      first === undefined ? 'new' : keyRef(first.key),
      tenantId,
    );
  }
  await ensureReady(ctx);
  return locked(ctx, tenantId, () => resolveWithRetry(ctx, tenantId, inboundRaw, opts));
}

/**
 * Plans and commits until no other writer interferes. The in-process queue (`locked`) orders this
 * service's calls; other processes on the same store are only caught at commit: a taken
 * `matchKey` (unique index) or a changed document is a lost race, so the owners are read again
 * and the contact resolved against them — the caller sees the winner's customer, not an error.
 * Each attempt stages everything (creation, merges, attachments, touches, conflicts, events) and
 * commits it once — one transaction with the outbox rows when the store has transactions — so a
 * lost race leaves nothing behind and the next attempt plans from the store as it now is.
 */
async function resolveWithRetry(
  ctx: IdentityContext,
  tenantId: string,
  inboundRaw: InboundIdentity[],
  opts: z.output<typeof ResolveOptionsSchema>,
): Promise<ResolveResult> {
  for (let attempt = 1; ; attempt++) {
    const staging = new Staging(ctx.store, tenantId);
    let result: ResolveResult;
    let pending: IdentityEvent[];
    try {
      result = await resolveOnce(ctx, staging, inboundRaw, opts);
      pending = await commitStaging(ctx, staging);
    } catch (error) {
      if (attempt < MAX_RESOLVE_ATTEMPTS && isWriteRace(error)) continue;
      throw error;
    }
    for (const entry of staging.audits) await recordAudit(ctx, entry);
    await publishEvents(ctx.delivery, pending);
    return result;
  }
}

async function resolveOnce(
  ctx: IdentityContext,
  staging: Staging,
  inboundRaw: InboundIdentity[],
  opts: z.output<typeof ResolveOptionsSchema>,
): Promise<ResolveResult> {
  const { tenantId } = staging;
  const store = ctx.store;
  const owners = new Map<string, StoredIdentity>();
  const inbound: InboundIdentity[] = [];
  const seen = new Map<string, boolean>();
  for (const identity of inboundRaw) {
    let storeBlocked = seen.get(identity.key);
    if (storeBlocked === undefined) {
      const [owner] = (
        await store.find<StoredIdentity>(C.identities, {
          tenantId,
          where: { matchKey: identity.key },
          limit: 1,
        })
      ).items;
      if (owner) owners.set(identity.key, owner);
      const blockedPage = await store.find(C.identities, {
        tenantId,
        where: { key: identity.key, blocked: true },
        limit: 1,
      });
      storeBlocked = blockedPage.items.length > 0;
      seen.set(identity.key, storeBlocked);
    }
    inbound.push(storeBlocked ? { ...identity, blocked: true } : identity);
  }

  const candidates = new Set<string>();
  for (const identity of inbound) {
    const owner = owners.get(identity.key);
    if (owner && !identity.blocked) candidates.add(owner.customerId);
  }
  const hasFresh = inbound.some((i) => !i.blocked && !owners.has(i.key));
  const identitiesOf = new Map<string, OwnedIdentity[]>();
  if (candidates.size > 1 || (hasFresh && ctx.config.limits.size > 0)) {
    for (const customerId of candidates) {
      const docs = await findAll<StoredIdentity>(ctx, C.identities, tenantId, { customerId });
      identitiesOf.set(
        customerId,
        docs.filter((d) => !d.blocked).map((d) => toOwned(d)),
      );
    }
  }
  const ownedMap = new Map<string, OwnedIdentity>();
  for (const [key, doc] of owners) ownedMap.set(key, toOwned(doc));
  const plan = planResolution({ inbound, owners: ownedMap, identitiesOf, config: ctx.config });

  const actor = opts.actor ?? ctx.systemActor;
  const now = ctx.clock.now();
  const events = staging.events;
  const created = plan.customerId === NEW_CUSTOMER;
  const customerId = created ? ctx.ids.next('cus') : plan.customerId;
  const status: ResolveResult['status'] = created ? 'created' : 'matched';
  // Everything below is staged and committed once: when another process takes one of the keys
  // first, nothing is written, so a lost race leaves no empty customer behind.
  const createdEventAt = events.length;
  let customerVersion = 0;
  if (created) {
    customerVersion = staging.put(C.customers, {
      id: customerId,
      tenantId,
      profile: opts.profile ?? {},
      attributes: opts.attributes ?? {},
      consent: [],
      createdAt: now,
      updatedAt: now,
    }).version;
  }

  // A new customer has no merges (the planner only merges into an existing anchor).
  const mergeIds: string[] = [];
  for (const m of plan.merges) {
    const prep = await prepareMerge(ctx, staging, customerId, m.customerId);
    const record = applyMerge(ctx, staging, prep, {
      reason: 'identity resolution',
      actor,
      evidence: m.keys.map((key) => ({ key })),
      correlationId: opts.correlationId,
    });
    mergeIds.push(record.id);
  }

  // Attach new identities (and blocked ones the customer does not hold yet); touch known ones.
  const toAttach: InboundIdentity[] = [...plan.attach];
  const blockedSeen = new Set<string>();
  for (const identity of inbound) {
    if (!identity.blocked || blockedSeen.has(identity.key)) continue;
    blockedSeen.add(identity.key);
    const held = await staging.findFirst(C.identities, { key: identity.key, customerId });
    if (held === undefined) toAttach.push(identity);
  }
  const attachedIds: string[] = [];
  for (const identity of toAttach) {
    const id = ctx.ids.next('idn');
    const doc: Record<string, unknown> = {
      id,
      tenantId,
      customerId,
      kind: identity.kind,
      value: identity.value,
      key: identity.key,
      verified: identity.verified,
      blocked: identity.blocked,
      lastSeenAt: now,
      createdAt: now,
      updatedAt: now,
    };
    if (!identity.blocked) doc.matchKey = identity.key;
    if (identity.namespace !== undefined) doc.namespace = identity.namespace;
    if (identity.channel !== undefined) doc.channel = identity.channel;
    const stored = staging.put(C.identities, doc as StagedWrite['document']);
    attachedIds.push(id);
    events.push(
      identityEvent(
        ctx,
        'identity.attached',
        tenantId,
        { type: 'identity', id, version: stored.version },
        {
          customerId,
          identityId: id,
          key: identity.key,
          verified: identity.verified,
          blocked: identity.blocked,
        },
        opts.correlationId,
      ),
    );
  }
  if (opts.touch !== false && plan.touch.length > 0) {
    const current = await staging.getMany<StoredIdentity>(
      C.identities,
      plan.touch.map((t) => t.id),
    );
    for (const [i, t] of plan.touch.entries()) {
      const doc = current[i];
      if (!doc) continue;
      staging.put(
        C.identities,
        { ...withoutVersion(doc), lastSeenAt: now, updatedAt: now, verified: doc.verified || t.verify },
        doc,
      );
    }
  }
  if (created) {
    events.splice(
      createdEventAt,
      0,
      identityEvent(
        ctx,
        'customer.created',
        tenantId,
        { type: 'customer', id: customerId, version: customerVersion },
        { customerId, keys: plan.attach.map((a) => a.key), source: 'resolve' },
        opts.correlationId,
      ),
    );
    // The audit entry names the identities by id, never by their keys (e-mails, phones).
    staging.audits.push({
      tenantId,
      actor: actorRef(actor),
      action: 'customer.created',
      resource: { type: 'customer', id: customerId },
      reason: 'identity resolution',
      after: { customerId, identityIds: attachedIds },
    });
  }

  const conflictIds: string[] = [];
  for (const planned of plan.conflicts) {
    conflictIds.push(await upsertConflict(ctx, staging, planned, customerId, opts.correlationId));
  }
  return {
    customerId,
    status,
    confidence: plan.confidence,
    verified: inbound.some((i) => !i.blocked && i.verified),
    evidence: plan.evidence,
    attached: plan.attach.map((a) => a.key),
    merges: mergeIds,
    conflicts: conflictIds,
    ignored: plan.ignored,
  };
}
