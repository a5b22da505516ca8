import type { z } from 'zod';
import type { Clock } from '../clock.js';
import { ThreadlineError, type ValidationIssue, validationError } from '../errors.js';
import type { AccessControl } from '../governance/access.js';
import { declarePersonalData } from '../governance/personalData.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { findAllDocuments } from '../ports/findAll.js';
import { validateAdapter } from '../ports/registration.js';
import { resolveBusOption } from '../ports/storageOption.js';
import { type CompiledIdentityConfig, compileIdentityConfig, isBlockedValue, ruleFor } from './config.js';
import type { IdentityDelivery, IdentityEventPublisher } from './events.js';
import { normalizeIdentity } from './normalize.js';
import type { IdentityInputSchema, IdentityServiceOptions } from './options.js';
import type { InboundIdentity, OwnedIdentity } from './plan.js';
import { MATCH_KEY_INDEX } from './race.js';
import { IDENTITY_COLLECTIONS as C, IDENTITY_PERSONAL_DATA, type StoredIdentity } from './records.js';

/**
 * The state every identity operation shares: injected ports, compiled configuration and the
 * per-tenant mutation queues. Modules receive it explicitly; nothing reaches into a class.
 */
export interface IdentityContext {
  readonly store: DocumentStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly delivery: IdentityDelivery;
  readonly audit: AuditSink | undefined;
  readonly config: CompiledIdentityConfig;
  readonly systemActor: Actor;
  readonly access: AccessControl | undefined;
  readyPromise: Promise<void> | undefined;
  readonly queues: Map<string, Promise<unknown>>;
}

/** Checks the service options and builds the shared context (missing ports: `CONFIG`). */
export function createIdentityContext(options: IdentityServiceOptions): IdentityContext {
  const store = options?.storage?.documents ?? options?.store;
  if (!options || typeof options !== 'object' || !store || !options.clock || !options.ids) {
    throw new ThreadlineError('CONFIG', 'createIdentityService needs storage or store, clock and ids', {
      issues: (['storage', 'clock', 'ids'] as const)
        .filter((k) => (k === 'storage' ? !store : !options?.[k]))
        .map((k) => ({ path: [k], message: 'required', code: 'missing' })),
    });
  }
  // Core's one rule: with a storage that commits events (transactions and an outbox), the bus
  // gets them only through the outbox relay; otherwise the service publishes after each commit.
  const { publishTo, delivery } = resolveBusOption<IdentityEventPublisher>('identity service', options.bus, {
    storage: options.storage,
    port: 'EventPublisher',
  });
  return {
    store: validateAdapter('DocumentStore', store),
    clock: options.clock,
    ids: options.ids,
    delivery: {
      bus: publishTo,
      outbox: delivery === 'outbox',
      onError: options.onError,
      publishFailures: 0,
    },
    audit: options.audit,
    config: compileIdentityConfig(options.config),
    systemActor: options.systemActor ?? { id: 'identity-resolver', roles: ['system'] },
    access: options.access,
    readyPromise: undefined,
    queues: new Map(),
  };
}

/** Declares the collections and indexes the service uses (idempotent; called lazily). */
export function ensureReady(ctx: IdentityContext): Promise<void> {
  ctx.readyPromise ??= (async () => {
    const { store } = ctx;
    await store.defineCollection(C.customers, { indexes: ['mergedInto'] });
    // With unique indexes the store, not this process, guarantees one owner per usable key:
    // blocked identities have no `matchKey`, so several customers may still hold a blocked value.
    await store.defineCollection(C.identities, {
      indexes: ['key', 'matchKey', 'customerId', 'blocked'],
      ...(store.capabilities.uniqueIndexes ? { unique: [[MATCH_KEY_INDEX]] } : {}),
    });
    await store.defineCollection(C.conversations, { indexes: ['customerId'] });
    await store.defineCollection(C.merges, { indexes: ['survivorId', 'mergedId', 'status'] });
    await store.defineCollection(C.conflicts, { indexes: ['customerIds', 'status', 'dedupeKey'] });
    // Erasure on this store (in any process) reads this and reaches every copy the service keeps.
    await declarePersonalData(store, IDENTITY_PERSONAL_DATA);
  })().catch((e: unknown) => {
    ctx.readyPromise = undefined;
    throw e;
  });
  return ctx.readyPromise;
}

/**
 * Runs `fn` after every earlier mutation of the same tenant has settled: plans read the store
 * and then write, so two interleaved plans could both decide to create the same customer.
 */
export function locked<T>(ctx: IdentityContext, tenantId: string, fn: () => Promise<T>): Promise<T> {
  const prev = ctx.queues.get(tenantId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  ctx.queues.set(tenantId, tail);
  void tail.then(() => {
    if (ctx.queues.get(tenantId) === tail) ctx.queues.delete(tenantId);
  });
  return run;
}

/** Every document matching `where`, following cursors page by page. */
export function findAll<T extends StoredDocument>(
  ctx: IdentityContext,
  collection: string,
  tenantId: string,
  where: Record<string, string | number | boolean | null>,
): Promise<T[]> {
  return findAllDocuments<T>(ctx.store, collection, tenantId, where);
}

/**
 * Normalises the inbound identity at `index` and classifies it (rule, configured blocking);
 * validation errors are re-rooted at `identities[index]` so callers see which entry was bad.
 */
export function normalizeAt(
  ctx: IdentityContext,
  input: z.output<typeof IdentityInputSchema>,
  index: number,
): InboundIdentity {
  try {
    const n = normalizeIdentity(input, { defaultCountryCode: ctx.config.defaultCountryCode });
    // Built field by field in `normalizeIdentity`'s key order: V8 copies through an object
    // spread here several times slower than the normalisation itself (≈ 5 µs per identity).
    const inbound: InboundIdentity =
      n.namespace === undefined
        ? { kind: n.kind, value: n.value, key: n.key, verified: input.verified ?? false, blocked: false }
        : {
            kind: n.kind,
            value: n.value,
            namespace: n.namespace,
            key: n.key,
            verified: input.verified ?? false,
            blocked: false,
          };
    inbound.blocked = isBlockedValue(ctx.config, n);
    const rule = ruleFor(ctx.config, n.kind, n.namespace);
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

/** The planner's view of a stored identity. */
export function toOwned(doc: StoredIdentity): OwnedIdentity {
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

/** The actor as recorded on merge records and audit entries (a copy: callers may reuse theirs). */
export function actorRef(actor: Actor): { id: string; roles: readonly string[] } {
  return { id: actor.id, roles: [...actor.roles] };
}

/** A copy without the store-assigned `version` (typed as `T`: `put` ignores `version` anyway). */
export function withoutVersion<T extends StoredDocument>(doc: T): T {
  const { version: _v, ...rest } = doc;
  return rest as T;
}

/** True for a non-null, non-array object (profiles and attributes may hold anything on disk). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON-shaped values (what the store round-trips). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The `NOT_FOUND` error for a missing record. */
export function notFound(what: string, id: string): ThreadlineError {
  return new ThreadlineError('NOT_FOUND', `${what} ${id} not found`, { details: { id } });
}
