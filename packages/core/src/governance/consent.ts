import { z } from 'zod';
import type { Clock, Instant } from '../clock.js';
import { toMillis } from '../clock.js';
import { isThreadlineError, parseInput, ThreadlineError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditSink } from '../ports/audit.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { validateAdapter } from '../ports/registration.js';
import { type Channel, ChannelSchema } from '../schemas/channel.js';
import { DEFAULT_TENANT, IdSchema, TenantIdSchema } from '../schemas/common.js';
import type { AccessControl } from './access.js';
import { declarePersonalData } from './personalData.js';

/** A consent purpose: lower-case words, e.g. `marketing`, `service_updates`, `surveys`. */
export const ConsentPurposeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'expected a lower-case purpose such as `marketing`');

/** One change in a consent record's history. */
export interface ConsentChange {
  granted: boolean;
  /** Epoch milliseconds of the change. */
  at: number;
  /** Where the customer expressed it (`web_form`, `sms_stop`, `agent`, …). */
  source?: string;
  /** Epoch milliseconds after which a grant lapses. */
  expiresAt?: number;
  /** Who recorded it. */
  actorId: string;
  /** Free proof reference (form submission id, call recording id, …). */
  evidence?: string;
}

/** The consent of one customer for one channel and purpose, with its full history (oldest first). */
export interface ConsentRecord extends StoredDocument {
  customerId: string;
  channel: Channel;
  purpose: string;
  granted: boolean;
  /** Epoch milliseconds of the latest change. */
  updatedAt: number;
  expiresAt?: number;
  history: ConsentChange[];
}

/** Zod schema of the input of {@link ConsentService.record}. */
export const ConsentInputSchema = z
  .object({
    customerId: IdSchema,
    channel: ChannelSchema,
    purpose: ConsentPurposeSchema,
    granted: z.boolean(),
    tenantId: TenantIdSchema.optional(),
    source: z.string().min(1).max(200).optional(),
    evidence: z.string().min(1).max(500).optional(),
    /** When a grant lapses (epoch ms or `Date`). */
    expiresAt: z.union([z.number().int().finite(), z.date()]).optional(),
  })
  .strict();

/** Input of {@link ConsentService.record}. */
export type ConsentInput = z.input<typeof ConsentInputSchema>;

/** Zod schema of a consent question asked by outbound sending. */
export const ConsentQuerySchema = z
  .object({
    customerId: IdSchema,
    channel: ChannelSchema,
    purpose: ConsentPurposeSchema,
    tenantId: TenantIdSchema.optional(),
    /** When the message would go out (default: now). */
    at: z.union([z.number().int().finite(), z.date()]).optional(),
  })
  .strict();

/** A consent question: may we contact this customer on this channel for this purpose? */
export type ConsentQuery = z.input<typeof ConsentQuerySchema>;

/** The answer of {@link ConsentService.checkConsent}. */
export interface ConsentDecision {
  allowed: boolean;
  reason: 'granted' | 'withdrawn' | 'expired' | 'no_record' | 'not_required';
  /** The record the decision rests on, when there is one. */
  record?: ConsentRecord;
}

/** Options for {@link createConsentService}. */
export interface ConsentServiceOptions {
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Records `consent.granted` / `consent.withdrawn` entries. */
  audit?: AuditSink;
  /** Checked on every change (`consent.record`) and on `list`/`history` reads (`consent.read`). */
  access?: AccessControl;
  /** Collection name (default `consents`). */
  collection?: string;
  /**
   * Purposes that need no opt-in: without a record they are allowed (a withdrawal still blocks),
   * e.g. `['service']` for transactional messages. Every other purpose is opt-in.
   */
  optOutPurposes?: readonly string[];
}

/** Consent records per customer, channel and purpose, and the check outbound sending uses. */
export interface ConsentService {
  /** Records a grant or a withdrawal; appends to the history and audits it. */
  record(input: ConsentInput, context: { actor: Actor }): Promise<ConsentRecord>;
  /** The current record for a customer, channel and purpose. */
  get(
    customerId: string,
    channel: Channel,
    purpose: string,
    options?: { tenantId?: string },
  ): Promise<ConsentRecord | undefined>;
  /** Every record of a customer (indexed lookup). */
  list(customerId: string, context: { actor: Actor; tenantId?: string }): Promise<ConsentRecord[]>;
  /**
   * May outbound sending contact the customer? Opt-in purposes need a current, unexpired grant;
   * opt-out purposes are allowed unless withdrawn.
   */
  checkConsent(query: ConsentQuery): Promise<ConsentDecision>;
  /** Like {@link ConsentService.checkConsent} but throws `ThreadlineError` `FORBIDDEN` when not allowed. */
  requireConsent(query: ConsentQuery): Promise<ConsentRecord | undefined>;
}

/** The document id of a consent record. */
export function consentRecordId(customerId: string, channel: Channel, purpose: string): string {
  return `${customerId}|${channel}|${purpose}`;
}

/**
 * Creates the consent service on a `DocumentStore`: one document per customer × channel ×
 * purpose holding the current state and its history, indexed by customer.
 *
 * @example
 * ```ts
 * const consent = createConsentService({ store, clock, ids, audit });
 * await consent.record(
 *   { customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: true, source: 'web_form' },
 *   { actor: { id: 'system', roles: ['system'] } },
 * );
 * const { allowed } = await consent.checkConsent({ customerId: 'c1', channel: 'sms', purpose: 'marketing' });
 * ```
 */
export function createConsentService(options: ConsentServiceOptions): ConsentService {
  const store = validateAdapter('DocumentStore', options.store);
  const { clock, audit, access } = options;
  const collection = options.collection ?? 'consents';
  const optOut = new Set(options.optOutPurposes ?? []);
  let ready: Promise<void> | undefined;
  const ensure = () => {
    ready ??= (async () => {
      await store.defineCollection(collection, { indexes: ['customerId'] });
      // Consent records (with their history and evidence) go with the customer.
      await declarePersonalData(store, {
        owner: `@threadline/core/consent:${collection}`,
        collections: [{ collection, match: { field: 'customerId' }, mode: 'delete' }],
      });
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };

  const get = async (customerId: string, channel: Channel, purpose: string, opts?: { tenantId?: string }) => {
    await ensure();
    return store.get<ConsentRecord>(collection, consentRecordId(customerId, channel, purpose), {
      tenantId: opts?.tenantId ?? DEFAULT_TENANT,
    });
  };

  const checkConsent = async (raw: ConsentQuery): Promise<ConsentDecision> => {
    const q = parseInput(ConsentQuerySchema, raw, 'consent query');
    const at = q.at === undefined ? clock.now() : toMillis(q.at as Instant);
    const record = await get(q.customerId, q.channel, q.purpose, { tenantId: q.tenantId ?? DEFAULT_TENANT });
    if (!record) {
      return optOut.has(q.purpose)
        ? { allowed: true, reason: 'not_required' }
        : { allowed: false, reason: 'no_record' };
    }
    if (!record.granted) return { allowed: false, reason: 'withdrawn', record };
    if (record.expiresAt !== undefined && at >= record.expiresAt)
      return { allowed: false, reason: 'expired', record };
    return { allowed: true, reason: 'granted', record };
  };

  return {
    get,
    checkConsent,
    async requireConsent(query) {
      const d = await checkConsent(query);
      if (d.allowed) return d.record;
      throw new ThreadlineError(
        'FORBIDDEN',
        `No consent to contact customer "${query.customerId}" on ${query.channel} for ${query.purpose} (${d.reason})`,
        {
          details: {
            customerId: query.customerId,
            channel: query.channel,
            purpose: query.purpose,
            reason: d.reason,
          },
        },
      );
    },
    async record(raw, context) {
      const input = parseInput(ConsentInputSchema, raw, 'consent');
      const tenantId = input.tenantId ?? DEFAULT_TENANT;
      const actor = context?.actor;
      if (access)
        await access.authorize(actor, 'record', { type: 'consent', id: input.customerId, tenantId });
      else if (!actor || typeof actor.id !== 'string') {
        parseInput(z.object({ id: z.string().min(1) }), actor, 'actor');
      }
      await ensure();
      const now = clock.now();
      const id = consentRecordId(input.customerId, input.channel, input.purpose);
      const change: ConsentChange = { granted: input.granted, at: now, actorId: actor.id };
      if (input.source !== undefined) change.source = input.source;
      if (input.evidence !== undefined) change.evidence = input.evidence;
      const expiresAt = input.expiresAt === undefined ? undefined : toMillis(input.expiresAt as Instant);
      if (expiresAt !== undefined && input.granted) change.expiresAt = expiresAt;
      // Read-modify-write with optimistic concurrency; a concurrent change is re-read and the new
      // change appended after it (a few attempts, then the CONFLICT surfaces).
      let before: ConsentRecord | undefined;
      let saved: ConsentRecord | undefined;
      for (let attempt = 1; saved === undefined; attempt++) {
        before = await store.get<ConsentRecord>(collection, id, { tenantId });
        const doc: Record<string, unknown> = {
          id,
          tenantId,
          customerId: input.customerId,
          channel: input.channel,
          purpose: input.purpose,
          granted: input.granted,
          updatedAt: now,
          history: [...(before?.history ?? []), change],
        };
        if (change.expiresAt !== undefined) doc.expiresAt = change.expiresAt;
        try {
          saved = await store.put<ConsentRecord>(collection, doc as { id: string }, {
            expectedVersion: before?.version ?? 0,
          });
        } catch (e) {
          if (!isThreadlineError(e, 'CONFLICT') || attempt >= 3) throw e;
        }
      }
      if (audit) {
        await audit.record({
          id: options.ids.next('audit'),
          tenantId,
          at: now,
          actor: { id: actor.id, roles: [...actor.roles] },
          action: input.granted ? 'consent.granted' : 'consent.withdrawn',
          resource: { type: 'consent', id },
          outcome: 'allowed',
          before: before ? { version: before.version, granted: before.granted } : null,
          after: { version: saved.version, granted: saved.granted },
          details: { customerId: input.customerId, channel: input.channel, purpose: input.purpose },
        });
      }
      return saved;
    },
    async list(customerId, context) {
      const tenantId = context?.tenantId ?? DEFAULT_TENANT;
      parseInput(IdSchema, customerId, 'customerId');
      if (access)
        await access.authorize(context.actor, 'read', { type: 'consent', id: customerId, tenantId });
      await ensure();
      const out: ConsentRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.find<ConsentRecord>(collection, {
          tenantId,
          where: { customerId },
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return out;
    },
  };
}
