import type { Channel } from '../schemas/channel.js';
import type { IdentityKind } from '../schemas/identity.js';
import type { CompiledIdentityConfig, IdentityRule } from './config.js';
import type { NormalizedIdentityValue } from './normalize.js';
import type { IdentityConflictKind } from './records.js';

/** An inbound identity after normalisation and classification. */
export interface InboundIdentity extends NormalizedIdentityValue {
  verified: boolean;
  channel?: Channel;
  /** Blocked by configuration or by a stored blocked identity with the same key. */
  blocked: boolean;
  /** The matching rule for its kind/namespace, if any. */
  rule?: IdentityRule;
}

/** What the planner needs to know about a stored (non-blocked) identity. */
export interface OwnedIdentity {
  id: string;
  customerId: string;
  kind: IdentityKind;
  namespace?: string;
  value: string;
  key: string;
  verified: boolean;
}

/** Why an inbound identity was not used or not attached. */
export type IgnoredReason = 'blocked' | 'duplicate' | 'owned_by_other_customer' | 'limit_exceeded';

/** A conflict the planner found (customer ids may include `NEW_CUSTOMER`). */
export interface PlannedConflict {
  kind: IdentityConflictKind;
  customerIds: string[];
  keys: string[];
  limit?: string;
  detail: string;
}

/** The outcome of planning a resolution: pure data, applied by the identity service. */
export interface ResolutionPlan {
  /** The customer the contact resolves to (`NEW_CUSTOMER` when one must be created). */
  customerId: string;
  /** Matches used as evidence, highest priority first. */
  evidence: { key: string; customerId: string; priority: number; confidence: number }[];
  /** Customers to merge into `customerId`, with the keys that linked them. */
  merges: { customerId: string; keys: string[] }[];
  /** New identities to attach to `customerId`. */
  attach: InboundIdentity[];
  /** Stored identities of the resolved customer seen again (`verify`: becomes verified). */
  touch: { id: string; key: string; verify: boolean }[];
  conflicts: PlannedConflict[];
  ignored: { key: string; reason: IgnoredReason; customerId?: string }[];
  /** Identity confidence 0–1 (see README). */
  confidence: number;
}

/** Placeholder id for the customer a plan creates. */
export const NEW_CUSTOMER = '\u0000new-customer';

/** Confidence given to a contact whose identities satisfy no rule. */
export const UNMATCHED_CONFIDENCE = 0.25;

/** Counts distinct values per limit key for a group of identities. */
export class LimitCounter {
  private readonly counts = new Map<string, Set<string>>();

  constructor(private readonly limits: ReadonlyMap<string, number>) {}

  private limitKeys(identity: { kind: IdentityKind; namespace?: string | undefined }): string[] {
    const keys: string[] = [];
    if (this.limits.has(identity.kind)) keys.push(identity.kind);
    if (identity.namespace !== undefined) {
      const k = `${identity.kind}:${identity.namespace}`;
      if (this.limits.has(k)) keys.push(k);
    }
    return keys;
  }

  /** The first limit the identities would exceed if added, or `undefined`. */
  wouldExceed(
    identities: readonly { kind: IdentityKind; namespace?: string | undefined; key: string }[],
  ): { limit: string; keys: string[] } | undefined {
    const extra = new Map<string, Set<string>>();
    for (const identity of identities) {
      for (const lk of this.limitKeys(identity)) {
        const have = this.counts.get(lk);
        if (have?.has(identity.key)) continue;
        let set = extra.get(lk);
        if (!set) extra.set(lk, (set = new Set()));
        set.add(identity.key);
        const total = (have?.size ?? 0) + set.size;
        if (total > (this.limits.get(lk) ?? Number.POSITIVE_INFINITY)) {
          return { limit: lk, keys: [...(have ?? []), ...set].sort() };
        }
      }
    }
    return undefined;
  }

  /** Adds identities to the group. */
  add(identities: readonly { kind: IdentityKind; namespace?: string | undefined; key: string }[]): void {
    for (const identity of identities) {
      for (const lk of this.limitKeys(identity)) {
        let set = this.counts.get(lk);
        if (!set) this.counts.set(lk, (set = new Set()));
        set.add(identity.key);
      }
    }
  }
}

/** True when an inbound identity may be used as evidence by its rule. */
export function isEligible(identity: InboundIdentity): boolean {
  return (
    !identity.blocked && identity.rule !== undefined && (!identity.rule.requireVerified || identity.verified)
  );
}

/**
 * Plans the resolution of one inbound contact — pure and deterministic.
 *
 * 1. Blocked identities never link; duplicates are dropped (verified wins).
 * 2. Eligible inbound identities whose key has an owner are evidence, sorted by rule priority
 *    (ties: customer id). The top one's customer is the anchor.
 * 3. A new identity whose rule outranks the anchor evidence and that would break a limit on the
 *    anchor (a different external id) means a different person: a new customer is planned and a
 *    `limit_exceeded` conflict recorded; nothing merges.
 * 4. Every other evidenced customer merges into the anchor when the union keeps every limit and
 *    `autoMerge` is on; otherwise a conflict is recorded (`limit_exceeded` or `merge_review`).
 * 5. New identities are attached in priority order while limits hold; the rest are ignored with
 *    a `limit_exceeded` conflict.
 *
 * @example
 * ```ts
 * const plan = planResolution({ inbound, owners, identitiesOf, config });
 * if (plan.customerId === NEW_CUSTOMER) createCustomer();
 * ```
 */
export function planResolution(input: {
  inbound: readonly InboundIdentity[];
  /** Stored non-blocked identity per key (only keys of the inbound identities are needed). */
  owners: ReadonlyMap<string, OwnedIdentity>;
  /** Stored non-blocked identities per candidate customer. */
  identitiesOf: ReadonlyMap<string, readonly OwnedIdentity[]>;
  config: CompiledIdentityConfig;
}): ResolutionPlan {
  const { owners, identitiesOf, config } = input;
  const ignored: ResolutionPlan['ignored'] = [];
  const conflicts: PlannedConflict[] = [];

  // 1. Dedupe (a verified duplicate wins) and set blocked ones aside.
  const byKey = new Map<string, InboundIdentity>();
  for (const identity of input.inbound) {
    const prev = byKey.get(identity.key);
    if (prev) {
      ignored.push({ key: identity.key, reason: 'duplicate' });
      if (identity.verified && !prev.verified) byKey.set(identity.key, { ...prev, verified: true });
      continue;
    }
    byKey.set(identity.key, identity);
  }
  const usable: InboundIdentity[] = [];
  for (const identity of byKey.values()) {
    if (identity.blocked) ignored.push({ key: identity.key, reason: 'blocked' });
    else usable.push(identity);
  }
  usable.sort(
    (a, b) => (b.rule?.priority ?? -Infinity) - (a.rule?.priority ?? -Infinity) || cmp(a.key, b.key),
  );

  // Confidence: the best rule the contact satisfies.
  let confidence = usable.length > 0 ? UNMATCHED_CONFIDENCE : 0;
  for (const identity of usable) {
    if (isEligible(identity) && identity.rule) confidence = Math.max(confidence, identity.rule.confidence);
  }

  // 2. Evidence.
  const evidence: ResolutionPlan['evidence'] = [];
  const fresh: InboundIdentity[] = [];
  for (const identity of usable) {
    const owner = owners.get(identity.key);
    if (!owner) fresh.push(identity);
    else if (isEligible(identity) && identity.rule) {
      evidence.push({
        key: identity.key,
        customerId: owner.customerId,
        priority: identity.rule.priority,
        confidence: identity.rule.confidence,
      });
    }
  }
  evidence.sort((a, b) => b.priority - a.priority || cmp(a.customerId, b.customerId) || cmp(a.key, b.key));

  const groupOf = (customerId: string): readonly OwnedIdentity[] => {
    const listed = identitiesOf.get(customerId);
    if (listed) return listed;
    return [...owners.values()].filter((o) => o.customerId === customerId);
  };

  let anchor = evidence[0]?.customerId ?? NEW_CUSTOMER;
  const limits = new LimitCounter(config.limits);
  const merges: ResolutionPlan['merges'] = [];

  if (anchor !== NEW_CUSTOMER) {
    const anchorPriority = evidence[0]?.priority ?? 0;
    const anchorGroup = groupOf(anchor);
    limits.add(anchorGroup);
    // 3. A stronger new identity that contradicts the anchor: a different person.
    for (const identity of fresh) {
      if (!isEligible(identity) || (identity.rule?.priority ?? -Infinity) <= anchorPriority) continue;
      const hit = limits.wouldExceed([identity]);
      if (hit) {
        conflicts.push({
          kind: 'limit_exceeded',
          customerIds: [anchor, NEW_CUSTOMER],
          keys: uniqueSorted([
            ...hit.keys,
            ...evidence.filter((e) => e.customerId === anchor).map((e) => e.key),
          ]),
          limit: hit.limit,
          detail: `${identity.key} outranks the evidence for ${anchor}, which already holds ${hit.limit} ${hit.keys.filter((k) => k !== identity.key).join(', ')}; a new customer was created instead of linking`,
        });
        anchor = NEW_CUSTOMER;
        break;
      }
    }
  }

  const touch: ResolutionPlan['touch'] = [];
  if (anchor === NEW_CUSTOMER) {
    for (const identity of usable) {
      const owner = owners.get(identity.key);
      if (owner)
        ignored.push({ key: identity.key, reason: 'owned_by_other_customer', customerId: owner.customerId });
    }
    const fresh0 = new LimitCounter(config.limits);
    return finish(fresh0);
  }

  // 4. Merge the other evidenced customers into the anchor.
  const mergeKeys = new Map<string, string[]>();
  for (const e of evidence) {
    if (e.customerId === anchor) continue;
    const keys = mergeKeys.get(e.customerId);
    if (keys) keys.push(e.key);
    else mergeKeys.set(e.customerId, [e.key]);
  }
  const anchorKeys = evidence.filter((e) => e.customerId === anchor).map((e) => e.key);
  for (const [customerId, keys] of mergeKeys) {
    const group = groupOf(customerId);
    const hit = limits.wouldExceed(group);
    if (hit) {
      conflicts.push({
        kind: 'limit_exceeded',
        customerIds: [anchor, customerId],
        keys: uniqueSorted([...anchorKeys, ...keys, ...hit.keys]),
        limit: hit.limit,
        detail: `merging ${customerId} into ${anchor} would exceed ${hit.limit} (${hit.keys.join(', ')})`,
      });
      for (const key of keys) ignored.push({ key, reason: 'owned_by_other_customer', customerId });
    } else if (config.autoMerge) {
      merges.push({ customerId, keys: [...keys].sort() });
      limits.add(group);
    } else {
      conflicts.push({
        kind: 'merge_review',
        customerIds: [anchor, customerId],
        keys: uniqueSorted([...anchorKeys, ...keys]),
        detail: `the contact links ${anchor} and ${customerId}; automatic merging is off`,
      });
      for (const key of keys) ignored.push({ key, reason: 'owned_by_other_customer', customerId });
    }
  }
  const merged = new Set([anchor, ...merges.map((m) => m.customerId)]);

  // Identities already owned by the resolved group are seen again; others stay where they are.
  for (const identity of usable) {
    const owner = owners.get(identity.key);
    if (!owner) continue;
    if (merged.has(owner.customerId)) {
      touch.push({ id: owner.id, key: owner.key, verify: identity.verified && !owner.verified });
    } else if (!ignored.some((i) => i.key === identity.key)) {
      ignored.push({ key: identity.key, reason: 'owned_by_other_customer', customerId: owner.customerId });
    }
  }
  return finish(limits);

  // 5. Attach new identities while limits hold.
  function finish(counter: LimitCounter): ResolutionPlan {
    const attach: InboundIdentity[] = [];
    for (const identity of fresh) {
      const hit = counter.wouldExceed([identity]);
      if (hit) {
        ignored.push({ key: identity.key, reason: 'limit_exceeded' });
        conflicts.push({
          kind: 'limit_exceeded',
          customerIds: [anchor],
          keys: uniqueSorted(hit.keys),
          limit: hit.limit,
          detail: `${identity.key} was not attached: the customer would exceed ${hit.limit}`,
        });
        continue;
      }
      counter.add([identity]);
      attach.push(identity);
    }
    return { customerId: anchor, evidence, merges, attach, touch, conflicts, ignored, confidence };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
