import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseInput, ThreadlineError, type ValidationIssue, validationError } from '../errors.js';
import { createEvent } from '../events.js';
import type { AccessControl } from '../governance/access.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditEntry, AuditSink } from '../ports/audit.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { ChannelSchema } from '../schemas/channel.js';
import { AttributesSchema, DEFAULT_TENANT, IdSchema, TenantIdSchema } from '../schemas/common.js';
import { CustomerSchema } from '../schemas/customer.js';
import { type IdentityKind, IdentityKindSchema } from '../schemas/identity.js';
import {
  type CompiledIdentityConfig,
  compileIdentityConfig,
  type IdentityResolutionConfig,
  isBlockedValue,
  ruleFor,
} from './config.js';
import type { IdentityEvent, IdentityEventMap } from './events.js';
import { normalizeIdentity } from './normalize.js';
import {
  type IgnoredReason,
  type InboundIdentity,
  LimitCounter,
  NEW_CUSTOMER,
  type OwnedIdentity,
  type PlannedConflict,
  planResolution,
  type ResolutionPlan,
} from './plan.js';
import {
  IDENTITY_COLLECTIONS as C,
  type CustomerSnapshot,
  type IdentityConflict,
  type MergeEvidence,
  type MergeRecord,
  type StoredCustomer,
  type StoredIdentity,
} from './records.js';
import { commitWrites, type StagedWrite } from './writes.js';

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
const IdentityListSchema = z.array(IdentityInputSchema).min(1).max(100);
const SingleIdentitySchema = z.array(IdentityInputSchema).length(1);
const MergePairSchema = z.object({ survivorId: IdSchema, mergedId: IdSchema });
const TenantOnlySchema = z.object({ tenantId: TenantIdSchema.optional() }).strict();
const SetBlockedOptionsSchema = z
  .object({
    actor: ActorSchema,
    tenantId: TenantIdSchema.optional(),
    reason: z.string().min(1).optional(),
  })
  .strict();
const ConflictQuerySchema = z
  .object({
    status: z.enum(['open', 'resolved', 'dismissed']).optional(),
    customerId: IdSchema.optional(),
    tenantId: TenantIdSchema.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();
const ResolveConflictOptionsSchema = z
  .object({
    status: z.enum(['resolved', 'dismissed']),
    resolution: z.string().min(1).max(2000).optional(),
    actor: ActorSchema,
    tenantId: TenantIdSchema.optional(),
  })
  .strict();
const BooleanSchema = z.boolean();

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

/** Something the identity service publishes events to (an `EventBus` fits). */
export interface IdentityEventPublisher {
  publish(events: readonly IdentityEvent[]): Promise<void>;
}

/** Options of {@link createIdentityService}. */
export interface IdentityServiceOptions {
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Where `customer.*` and `identity.*` events go. */
  bus?: IdentityEventPublisher;
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
}

interface MergePreparation {
  tenantId: string;
  survivor: StoredCustomer;
  merged: StoredCustomer;
  movedIdentities: StoredIdentity[];
  conversations: StoredDocument[];
  conflicts: { limit: string; keys: string[] }[];
  filled: string[];
  survivorAfter: { profile: Record<string, unknown>; attributes: Record<string, unknown> };
}

const PAGE = 1000;

function actorRef(actor: Actor): { id: string; roles: readonly string[] } {
  return { id: actor.id, roles: [...actor.roles] };
}

/** A copy without the store-assigned `version` (typed as `T`: `put` ignores `version` anyway). */
function withoutVersion<T extends StoredDocument>(doc: T): T {
  const { version: _v, ...rest } = doc;
  return rest as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function notFound(what: string, id: string): ThreadlineError {
  return new ThreadlineError('NOT_FOUND', `${what} ${id} not found`, { details: { id } });
}

/**
 * Identity resolution over a `DocumentStore`: finds or creates the customer for an inbound
 * contact, merges and unmerges customers with evidence, records conflicts for review. Every
 * lookup goes through a declared index (`identities.matchKey`, `identities.key`,
 * `identities.customerId`, …); nothing scans. Mutations of one tenant are serialised in-process.
 *
 * @example
 * ```ts
 * const identity = createIdentityService({ store: documents, clock, ids, bus, audit });
 * const r = await identity.resolve([
 *   { kind: 'email', value: 'Ana@Example.com', verified: true },
 *   { kind: 'channel_handle', namespace: 'whatsapp', value: '+34600111222' },
 * ]);
 * r.customerId; // the same customer next time either identity writes in
 * ```
 */
export class IdentityService {
  private readonly store: DocumentStore;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly bus: IdentityEventPublisher | undefined;
  private readonly audit: AuditSink | undefined;
  /** The compiled configuration in force. */
  readonly config: CompiledIdentityConfig;
  private readonly systemActor: Actor;
  private readonly access: AccessControl | undefined;
  private readyPromise: Promise<void> | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: IdentityServiceOptions) {
    if (!options || typeof options !== 'object' || !options.store || !options.clock || !options.ids) {
      throw new ThreadlineError('CONFIG', 'createIdentityService needs store, clock and ids', {
        issues: (['store', 'clock', 'ids'] as const)
          .filter((k) => !options?.[k])
          .map((k) => ({ path: [k], message: 'required', code: 'missing' })),
      });
    }
    this.store = options.store;
    this.clock = options.clock;
    this.ids = options.ids;
    this.bus = options.bus;
    this.audit = options.audit;
    this.config = compileIdentityConfig(options.config);
    this.systemActor = options.systemActor ?? { id: 'identity-resolver', roles: ['system'] };
    this.access = options.access;
  }

  /** Passes a mutation through access control, when configured (denial: `FORBIDDEN`). */
  private async authorize(
    actor: Actor,
    verb: string,
    type: string,
    id: string,
    tenantId: string,
  ): Promise<void> {
    if (this.access) await this.access.authorize(actor, verb, { type, id, tenantId });
  }

  /** Declares the collections and indexes the service uses (idempotent; called lazily). */
  ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      await this.store.defineCollection(C.customers, { indexes: ['mergedInto'] });
      await this.store.defineCollection(C.identities, {
        indexes: ['key', 'matchKey', 'customerId', 'blocked'],
      });
      await this.store.defineCollection(C.conversations, { indexes: ['customerId'] });
      await this.store.defineCollection(C.merges, { indexes: ['survivorId', 'mergedId', 'status'] });
      await this.store.defineCollection(C.conflicts, { indexes: ['customerIds', 'status', 'dedupeKey'] });
    })();
    return this.readyPromise;
  }

  private locked<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(tenantId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(tenantId, tail);
    void tail.then(() => {
      if (this.queues.get(tenantId) === tail) this.queues.delete(tenantId);
    });
    return run;
  }

  private async findAll<T extends StoredDocument>(
    collection: string,
    tenantId: string,
    where: Record<string, string | number | boolean | null>,
  ): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.find<T>(collection, {
        tenantId,
        where,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  private normalizeAt(input: z.output<typeof IdentityInputSchema>, index: number): InboundIdentity {
    try {
      const n = normalizeIdentity(input, { defaultCountryCode: this.config.defaultCountryCode });
      const inbound: InboundIdentity = {
        ...n,
        verified: input.verified ?? false,
        blocked: isBlockedValue(this.config, n),
      };
      const rule = ruleFor(this.config, n.kind, n.namespace);
      if (rule) inbound.rule = rule;
      if (input.channel) inbound.channel = input.channel;
      return inbound;
    } catch (e) {
      if (e instanceof ThreadlineError && e.code === 'VALIDATION') {
        const issues: ValidationIssue[] = e.issues.map((i) => ({ ...i, path: [index, ...i.path] }));
        throw validationError('identities', issues, 'VALIDATION', e);
      }
      throw e;
    }
  }

  private async publish(events: IdentityEvent[]): Promise<void> {
    if (this.bus && events.length > 0) await this.bus.publish(events);
  }

  private event<T extends keyof IdentityEventMap & string>(
    type: T,
    tenantId: string,
    aggregate: { type: string; id: string; version: number },
    payload: IdentityEventMap[T],
    correlationId: string | undefined,
  ): IdentityEvent {
    return createEvent(
      { clock: this.clock, ids: this.ids },
      {
        type,
        tenantId,
        aggregateType: aggregate.type,
        aggregateId: aggregate.id,
        version: aggregate.version,
        payload,
        ...(correlationId ? { correlationId } : {}),
      },
    ) as IdentityEvent;
  }

  private async record(entry: Omit<AuditEntry, 'id' | 'at' | 'outcome'>): Promise<void> {
    if (!this.audit) return;
    await this.audit.record({
      ...entry,
      id: this.ids.next('audit'),
      at: this.clock.now(),
      outcome: 'allowed',
    });
  }

  /**
   * Finds or creates the customer for an inbound contact (see {@link planResolution} for the
   * rules). Creates the customer, merges linked customers, attaches new identities, records
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
  async resolve(identities: readonly IdentityInput[], options: ResolveOptions = {}): Promise<ResolveResult> {
    const list = parseInput(IdentityListSchema, identities, 'identities');
    const opts = parseInput(ResolveOptionsSchema, options, 'resolve options');
    const inboundRaw = list.map((x, i) => this.normalizeAt(x, i));
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    await this.authorize(
      opts.actor ?? this.systemActor,
      'update',
      'customer',
      inboundRaw[0]?.key ?? 'new',
      tenantId,
    );
    await this.ready();
    return this.locked(tenantId, () => this.resolveLocked(tenantId, inboundRaw, opts));
  }

  private async resolveLocked(
    tenantId: string,
    inboundRaw: InboundIdentity[],
    opts: z.output<typeof ResolveOptionsSchema>,
  ): Promise<ResolveResult> {
    const store = this.store;
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
    if (candidates.size > 1 || (hasFresh && this.config.limits.size > 0)) {
      for (const customerId of candidates) {
        const docs = await this.findAll<StoredIdentity>(C.identities, tenantId, { customerId });
        identitiesOf.set(
          customerId,
          docs.filter((d) => !d.blocked).map((d) => toOwned(d)),
        );
      }
    }
    const ownedMap = new Map<string, OwnedIdentity>();
    for (const [key, doc] of owners) ownedMap.set(key, toOwned(doc));
    const plan = planResolution({ inbound, owners: ownedMap, identitiesOf, config: this.config });

    const actor = opts.actor ?? this.systemActor;
    const now = this.clock.now();
    const events: IdentityEvent[] = [];
    let customerId = plan.customerId;
    let status: ResolveResult['status'] = 'matched';

    if (customerId === NEW_CUSTOMER) {
      customerId = this.ids.next('cus');
      status = 'created';
      const [created] = (await commitWrites(store, [
        {
          collection: C.customers,
          document: {
            id: customerId,
            tenantId,
            profile: opts.profile ?? {},
            attributes: opts.attributes ?? {},
            consent: [],
            createdAt: now,
            updatedAt: now,
          },
        },
      ])) as [StoredCustomer];
      events.push(
        this.event(
          'customer.created',
          tenantId,
          { type: 'customer', id: customerId, version: created.version },
          { customerId, keys: plan.attach.map((a) => a.key), source: 'resolve' },
          opts.correlationId,
        ),
      );
      await this.record({
        tenantId,
        actor: actorRef(actor),
        action: 'customer.created',
        resource: { type: 'customer', id: customerId },
        reason: 'identity resolution',
        after: { customerId, keys: plan.attach.map((a) => a.key) },
      });
    }

    const mergeIds: string[] = [];
    for (const m of plan.merges) {
      const prep = await this.prepareMerge(tenantId, customerId, m.customerId);
      const { record, events: mergeEvents } = await this.applyMerge(prep, {
        reason: 'identity resolution',
        actor,
        evidence: m.keys.map((key) => ({ key })),
        correlationId: opts.correlationId,
      });
      mergeIds.push(record.id);
      events.push(...mergeEvents);
    }

    // Attach new identities (and blocked ones the customer does not hold yet); touch known ones.
    const writes: StagedWrite[] = [];
    const attachedEvents: { id: string; key: string; verified: boolean; blocked: boolean }[] = [];
    const toAttach: InboundIdentity[] = [...plan.attach];
    const blockedSeen = new Set<string>();
    for (const identity of inbound) {
      if (!identity.blocked || blockedSeen.has(identity.key)) continue;
      blockedSeen.add(identity.key);
      const held = await store.find(C.identities, {
        tenantId,
        where: { key: identity.key, customerId },
        limit: 1,
      });
      if (held.items.length === 0) toAttach.push(identity);
    }
    for (const identity of toAttach) {
      const id = this.ids.next('idn');
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
      writes.push({ collection: C.identities, document: doc as StagedWrite['document'] });
      attachedEvents.push({ id, key: identity.key, verified: identity.verified, blocked: identity.blocked });
    }
    if (opts.touch !== false && plan.touch.length > 0) {
      const current = await store.getMany<StoredIdentity>(
        C.identities,
        plan.touch.map((t) => t.id),
        { tenantId },
      );
      for (const [i, t] of plan.touch.entries()) {
        const doc = current[i];
        if (!doc) continue;
        writes.push({
          collection: C.identities,
          document: {
            ...withoutVersion(doc),
            lastSeenAt: now,
            updatedAt: now,
            verified: doc.verified || t.verify,
          },
          prior: doc,
        });
      }
    }
    const stored = await commitWrites(store, writes);
    for (const [i, a] of attachedEvents.entries()) {
      events.push(
        this.event(
          'identity.attached',
          tenantId,
          { type: 'identity', id: a.id, version: stored[i]?.version ?? 1 },
          { customerId, identityId: a.id, key: a.key, verified: a.verified, blocked: a.blocked },
          opts.correlationId,
        ),
      );
    }

    const conflictIds: string[] = [];
    for (const planned of plan.conflicts) {
      const { id, event } = await this.upsertConflict(tenantId, planned, customerId, opts.correlationId);
      conflictIds.push(id);
      events.push(event);
    }
    await this.publish(events);
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

  private async upsertConflict(
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
    const now = this.clock.now();
    const [existing] = (
      await this.store.find<IdentityConflict>(C.conflicts, {
        tenantId,
        where: { dedupeKey, status: 'open' },
        limit: 1,
      })
    ).items;
    let stored: IdentityConflict;
    if (existing) {
      [stored] = (await commitWrites(this.store, [
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
        id: this.ids.next('cfl'),
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
      [stored] = (await commitWrites(this.store, [
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
      event: this.event(
        'identity.conflict_detected',
        tenantId,
        { type: 'identity_conflict', id: stored.id, version: stored.version },
        payload,
        correlationId,
      ),
    };
  }

  private async prepareMerge(
    tenantId: string,
    survivorId: string,
    mergedId: string,
  ): Promise<MergePreparation> {
    if (survivorId === mergedId) {
      throw validationError('merge', [
        { path: ['mergedId'], message: 'cannot merge a customer into itself', code: 'same_customer' },
      ]);
    }
    const [survivor, merged] = await this.store.getMany<StoredCustomer>(C.customers, [survivorId, mergedId], {
      tenantId,
    });
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
      this.findAll<StoredIdentity>(C.identities, tenantId, { customerId: survivorId }),
      this.findAll<StoredIdentity>(C.identities, tenantId, { customerId: mergedId }),
      this.findAll(C.conversations, tenantId, { customerId: mergedId }),
    ]);
    const limits = new LimitCounter(this.config.limits);
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

  private async applyMerge(
    prep: MergePreparation,
    opts: { reason: string; actor: Actor; evidence: MergeEvidence[]; correlationId: string | undefined },
  ): Promise<{ record: MergeRecord; events: IdentityEvent[] }> {
    const { tenantId, survivor, merged } = prep;
    if (prep.conflicts.length > 0) {
      const c = prep.conflicts[0] as { limit: string; keys: string[] };
      throw new ThreadlineError(
        'CONFLICT',
        `Merging ${merged.id} into ${survivor.id} would exceed the ${c.limit} limit (${c.keys.join(', ')})`,
        { details: { survivorId: survivor.id, mergedId: merged.id, conflicts: prep.conflicts } },
      );
    }
    const now = this.clock.now();
    const mergeId = this.ids.next('merge');
    const snapshot: MergeRecord['snapshot'] = {
      survivor: withoutVersion(survivor) as CustomerSnapshot,
      merged: withoutVersion(merged) as CustomerSnapshot,
      identityIds: prep.movedIdentities.map((i) => i.id),
      conversationIds: prep.conversations.map((c) => c.id),
      filled: prep.filled,
    };
    const writes: StagedWrite[] = [
      {
        collection: C.merges,
        document: {
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
        },
      },
      {
        collection: C.customers,
        document: { ...withoutVersion(survivor), ...prep.survivorAfter, updatedAt: now },
        prior: survivor,
      },
      {
        collection: C.customers,
        document: { ...withoutVersion(merged), mergedInto: survivor.id, updatedAt: now },
        prior: merged,
      },
      ...prep.movedIdentities.map((i) => ({
        collection: C.identities,
        document: { ...withoutVersion(i), customerId: survivor.id, updatedAt: now },
        prior: i,
      })),
      ...prep.conversations.map((c) => ({
        collection: C.conversations,
        document: { ...withoutVersion(c), customerId: survivor.id, updatedAt: now },
        prior: c,
      })),
    ];
    const stored = await commitWrites(this.store, writes);
    const record = stored[0] as MergeRecord;
    const survivorVersion = stored[1]?.version ?? survivor.version + 1;
    const event = this.event(
      'customer.merged',
      tenantId,
      { type: 'customer', id: survivor.id, version: survivorVersion },
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
    );
    await this.record({
      tenantId,
      actor: actorRef(opts.actor),
      action: 'customer.merged',
      resource: { type: 'customer', id: survivor.id },
      reason: opts.reason,
      before: { survivorId: survivor.id, mergedId: merged.id },
      after: { mergeId, survivorId: survivor.id },
      details: {
        mergedId: merged.id,
        evidence: opts.evidence,
        identityIds: snapshot.identityIds,
        conversationIds: snapshot.conversationIds,
      },
    });
    return { record, events: [event] };
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
  async previewMerge(
    survivorId: string,
    mergedId: string,
    options: { tenantId?: string } = {},
  ): Promise<MergePreview> {
    const ids = parseInput(MergePairSchema, { survivorId, mergedId }, 'merge');
    const { tenantId } = parseInput(TenantOnlySchema, options, 'options');
    await this.ready();
    const prep = await this.prepareMerge(tenantId ?? DEFAULT_TENANT, ids.survivorId, ids.mergedId);
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
  async merge(survivorId: string, mergedId: string, options: MergeOptions): Promise<MergeRecord> {
    const ids = parseInput(MergePairSchema, { survivorId, mergedId }, 'merge');
    const opts = parseInput(MergeOptionsSchema, options, 'merge options');
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    await this.authorize(opts.actor, 'merge', 'customer', ids.mergedId, tenantId);
    await this.ready();
    return this.locked(tenantId, async () => {
      const prep = await this.prepareMerge(tenantId, ids.survivorId, ids.mergedId);
      const { record, events } = await this.applyMerge(prep, {
        reason: opts.reason,
        actor: opts.actor,
        evidence: opts.evidence ?? [],
        correlationId: opts.correlationId,
      });
      await this.publish(events);
      return record;
    });
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
  async unmerge(mergeId: string, options: UnmergeOptions = {}): Promise<MergeRecord> {
    const id = parseInput(IdSchema, mergeId, 'mergeId');
    const opts = parseInput(UnmergeOptionsSchema, options, 'unmerge options');
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    await this.authorize(opts.actor ?? this.systemActor, 'unmerge', 'customer', id, tenantId);
    await this.ready();
    return this.locked(tenantId, async () => {
      const record = await this.store.get<MergeRecord>(C.merges, id, { tenantId });
      if (!record) throw notFound('Merge', id);
      if (record.status !== 'applied') {
        throw new ThreadlineError('CONFLICT', `Merge ${id} was already reverted`, {
          details: { mergeId: id },
        });
      }
      const [survivor, merged] = await this.store.getMany<StoredCustomer>(
        C.customers,
        [record.survivorId, record.mergedId],
        { tenantId },
      );
      if (!survivor) throw notFound('Customer', record.survivorId);
      if (!merged) throw notFound('Customer', record.mergedId);
      if (survivor.mergedInto !== undefined) {
        const [later] = (
          await this.store.find<MergeRecord>(C.merges, {
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
        throw new ThreadlineError(
          'CONFLICT',
          `Customer ${merged.id} is no longer merged into ${survivor.id}`,
          {
            details: { mergeId: id },
          },
        );
      }
      const now = this.clock.now();
      const actor = opts.actor ?? this.systemActor;
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
        this.store.getMany<StoredIdentity>(C.identities, record.snapshot.identityIds, { tenantId }),
        this.store.getMany(C.conversations, record.snapshot.conversationIds, { tenantId }),
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
      const stored = await commitWrites(this.store, writes);
      const reverted = stored[0] as MergeRecord;
      const payload: IdentityEventMap['customer.unmerged'] = {
        mergeId: id,
        survivorId: survivor.id,
        mergedId: merged.id,
        actorId: actor.id,
        identityIds: movedIdentities.map((d) => d.id),
        conversationIds: movedConversations.map((d) => d.id),
      };
      if (opts.reason) payload.reason = opts.reason;
      await this.record({
        tenantId,
        actor: actorRef(actor),
        action: 'customer.unmerged',
        resource: { type: 'customer', id: survivor.id },
        ...(opts.reason ? { reason: opts.reason } : {}),
        before: { mergeId: id, survivorId: survivor.id, mergedId: merged.id },
        after: { survivorId: survivor.id, restoredCustomerId: merged.id },
        details: { identityIds: payload.identityIds, conversationIds: payload.conversationIds },
      });
      await this.publish([
        this.event(
          'customer.unmerged',
          tenantId,
          { type: 'customer', id: survivor.id, version: stored[1]?.version ?? survivor.version + 1 },
          payload,
          opts.correlationId,
        ),
      ]);
      return reverted;
    });
  }

  /**
   * Reads a merge record.
   *
   * @example
   * ```ts
   * const record = await identity.getMerge('merge_…');
   * ```
   */
  async getMerge(mergeId: string, options: { tenantId?: string } = {}): Promise<MergeRecord | undefined> {
    await this.ready();
    return this.store.get<MergeRecord>(C.merges, parseInput(IdSchema, mergeId, 'mergeId'), options);
  }

  /**
   * The identities of a customer (blocked ones included, flagged), ordered by id.
   *
   * @example
   * ```ts
   * const list = await identity.identitiesOf('cus-1');
   * ```
   */
  async identitiesOf(customerId: string, options: { tenantId?: string } = {}): Promise<StoredIdentity[]> {
    const id = parseInput(IdSchema, customerId, 'customerId');
    await this.ready();
    return this.findAll<StoredIdentity>(C.identities, options.tenantId ?? DEFAULT_TENANT, { customerId: id });
  }

  /**
   * Looks up the customer that owns an identity (one indexed lookup; blocked values own nothing).
   *
   * @example
   * ```ts
   * await identity.lookup({ kind: 'email', value: 'Ana@x.com' }); // 'cus-1' or undefined
   * ```
   */
  async lookup(
    identity: { kind: IdentityKind; value: string; namespace?: string },
    options: { tenantId?: string } = {},
  ): Promise<string | undefined> {
    const [input] = parseInput(SingleIdentitySchema, [identity], 'identity');
    const n = this.normalizeAt(input as z.output<typeof IdentityInputSchema>, 0);
    if (n.blocked) return undefined;
    await this.ready();
    const page = await this.store.find<StoredIdentity>(C.identities, {
      tenantId: options.tenantId ?? DEFAULT_TENANT,
      where: { matchKey: n.key },
      limit: 1,
    });
    return page.items[0]?.customerId;
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
  async setBlocked(
    identity: { kind: IdentityKind; value: string; namespace?: string },
    blocked: boolean,
    options: { actor: Actor; tenantId?: string; reason?: string },
  ): Promise<StoredIdentity[]> {
    const [input] = parseInput(SingleIdentitySchema, [identity], 'identity');
    const b = parseInput(BooleanSchema, blocked, 'blocked');
    const opts = parseInput(SetBlockedOptionsSchema, options, 'options');
    const key = this.normalizeAt(input as z.output<typeof IdentityInputSchema>, 0).key;
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    await this.authorize(opts.actor, 'block', 'identity', key, tenantId);
    await this.ready();
    return this.locked(tenantId, async () => {
      const docs = await this.findAll<StoredIdentity>(C.identities, tenantId, { key });
      if (!b && new Set(docs.map((d) => d.customerId)).size > 1) {
        throw new ThreadlineError('CONFLICT', `Cannot unblock ${key}: several customers hold it`, {
          details: { key, customerIds: [...new Set(docs.map((d) => d.customerId))].sort() },
        });
      }
      const now = this.clock.now();
      const writes: StagedWrite[] = docs
        .filter((d) => d.blocked !== b)
        .map((d) => {
          const { matchKey: _m, ...rest } = withoutVersion(d);
          return {
            collection: C.identities,
            document: { ...rest, blocked: b, ...(b ? {} : { matchKey: key }), updatedAt: now },
            prior: d,
          };
        });
      const stored = (await commitWrites(this.store, writes)) as StoredIdentity[];
      await this.record({
        tenantId,
        actor: actorRef(opts.actor),
        action: b ? 'identity.blocked' : 'identity.unblocked',
        resource: { type: 'identity_key', id: key },
        ...(opts.reason ? { reason: opts.reason } : {}),
        details: { identityIds: stored.map((d) => d.id) },
      });
      await this.publish([
        this.event(
          'identity.blocked',
          tenantId,
          { type: 'identity_key', id: key, version: 0 },
          { key, blocked: b, identityIds: stored.map((d) => d.id), actorId: opts.actor.id },
          undefined,
        ),
      ]);
      return this.findAll<StoredIdentity>(C.identities, tenantId, { key });
    });
  }

  /**
   * Lists conflict records for review, by status and/or customer, with cursor pagination.
   *
   * @example
   * ```ts
   * const { items } = await identity.listConflicts({ status: 'open' });
   * ```
   */
  async listConflicts(
    query: {
      status?: IdentityConflict['status'];
      customerId?: string;
      tenantId?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<{ items: IdentityConflict[]; nextCursor?: string }> {
    const q = parseInput(ConflictQuerySchema, query, 'conflict query');
    await this.ready();
    const where: Record<string, string> = {};
    if (q.status) where.status = q.status;
    if (q.customerId) where.customerIds = q.customerId;
    return this.store.find<IdentityConflict>(C.conflicts, {
      tenantId: q.tenantId ?? DEFAULT_TENANT,
      where,
      limit: q.limit ?? 100,
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
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
  async resolveConflict(
    conflictId: string,
    options: { status: 'resolved' | 'dismissed'; resolution?: string; actor: Actor; tenantId?: string },
  ): Promise<IdentityConflict> {
    const id = parseInput(IdSchema, conflictId, 'conflictId');
    const opts = parseInput(ResolveConflictOptionsSchema, options, 'options');
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    await this.authorize(opts.actor, 'review', 'identity', id, tenantId);
    await this.ready();
    return this.locked(tenantId, async () => {
      const conflict = await this.store.get<IdentityConflict>(C.conflicts, id, { tenantId });
      if (!conflict) throw notFound('Conflict', id);
      if (conflict.status !== 'open') {
        throw new ThreadlineError('CONFLICT', `Conflict ${id} is already ${conflict.status}`, {
          details: { conflictId: id },
        });
      }
      const now = this.clock.now();
      const [stored] = (await commitWrites(this.store, [
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
      await this.record({
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
      await this.publish([
        this.event(
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
}

function toOwned(doc: StoredIdentity): OwnedIdentity {
  const o: OwnedIdentity = {
    id: doc.id,
    customerId: doc.customerId,
    kind: doc.kind,
    value: doc.value,
    key: doc.key,
    verified: doc.verified,
  };
  if (doc.namespace !== undefined) o.namespace = doc.namespace;
  return o;
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
