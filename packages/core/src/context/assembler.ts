import { z } from 'zod';
import type { Clock, Instant } from '../clock.js';
import { toMillis } from '../clock.js';
import { parseInput, ThreadlineError } from '../errors.js';
import { IDENTITY_COLLECTIONS } from '../identity/records.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { findAllDocuments } from '../ports/findAll.js';
import { validateAdapter } from '../ports/registration.js';
import type { Channel } from '../schemas/channel.js';
import { ChannelSchema } from '../schemas/channel.js';
import { DEFAULT_TENANT, IdSchema, TenantIdSchema } from '../schemas/common.js';
import {
  type ContinuityCandidate,
  type ContinuityDecision,
  type ContinuityPolicies,
  decideContinuity,
} from './continuity.js';
import { plainContribution } from './contributionCheck.js';
import { isId, isInt, isPlain } from './plainCheck.js';
import {
  type ContextContribution,
  ContextContributionSchema,
  type ContextIdentity,
  type ContextMessage,
  type ContextSignal,
  type ConversationSummary,
  type CustomerContext,
  type LastAgent,
  type ProviderReport,
} from './schema.js';

/** Collections the assembler reads (besides the identity service's). */
export const CONTEXT_COLLECTIONS = {
  customers: IDENTITY_COLLECTIONS.customers,
  identities: IDENTITY_COLLECTIONS.identities,
  conversations: IDENTITY_COLLECTIONS.conversations,
  messages: 'messages',
  signals: 'signals',
} as const;

/** Zod schema for `getContext` options. */
export const GetContextOptionsSchema = z
  .object({
    tenantId: TenantIdSchema.optional(),
    /** Closed conversations to include, newest first (default 5). */
    recentConversations: z.number().int().min(0).max(100).optional(),
    /** Only closed conversations that closed within this many ms of `at` count as recent. */
    recentWithinMs: z.number().int().positive().optional(),
    /** Messages per conversation in the window (default 5). */
    messagesPerConversation: z.number().int().min(0).max(100).optional(),
    /** Include internal notes (non-public messages) in the windows (default false). */
    includeInternalNotes: z.boolean().optional(),
    /** Agents to list in `lastAgents` (default 3). */
    lastAgents: z.number().int().min(0).max(50).optional(),
    /** Sentiment points in the trend (default 10). */
    sentimentPoints: z.number().int().min(0).max(500).optional(),
    /** Run only these providers (default: all registered). */
    providers: z.array(z.string().min(1)).optional(),
    /** Throw when a provider fails instead of reporting it (default false). */
    failOnProviderError: z.boolean().optional(),
    /** The instant the context is assembled for (default `clock.now()`). */
    at: z.union([z.number(), z.date()]).optional(),
  })
  .strict();

/** Options of `getContext`. */
export type GetContextOptions = z.input<typeof GetContextOptionsSchema>;

/** What a context provider receives. */
export interface ContextProviderRequest {
  tenantId: string;
  customerId: string;
  /** The customer's identities (after merges, those of merged customers belong to it). */
  identities: readonly ContextIdentity[];
  conversationIds: readonly string[];
  profile: Readonly<Record<string, unknown>>;
  attributes: Readonly<Record<string, unknown>>;
  at: number;
}

/**
 * A plug-in the host registers to add its own data to the customer context: open cases from its
 * ticketing system (`cases`), agents from its routing history (`lastAgents`), scores (`signals`)
 * or any JSON under its name (`section`). Core reads nothing but the store and its providers.
 */
export interface ContextProvider {
  /** Unique name; its `section` is stored under `sections[name]`. */
  readonly name: string;
  provide(request: ContextProviderRequest): Promise<ContextContribution> | ContextContribution;
}

/** Options of {@link createContextAssembler}. */
export interface ContextAssemblerOptions {
  store: DocumentStore;
  clock: Clock;
  providers?: readonly ContextProvider[];
}

const MAX_MERGE_HOPS = 32;

function summarizeSignal(doc: StoredDocument): ContextSignal {
  const s: ContextSignal = {
    id: doc.id,
    kind: doc.kind as ContextSignal['kind'],
    observedAt: doc.observedAt as number,
  };
  if (typeof doc.value === 'number') s.value = doc.value;
  if (typeof doc.label === 'string') s.label = doc.label;
  if (typeof doc.confidence === 'number') s.confidence = doc.confidence;
  return s;
}

function byIdThenTime<T extends { id: string }>(list: T[], time: (x: T) => number): T[] {
  return list.sort((a, b) => time(b) - time(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Assembles the customer context ("the golden thread"): profile and account attributes,
 * identities, open and recent conversations with their last messages, last agents and latest
 * signals, plus whatever the host's registered providers contribute (e.g. open cases). Reads go
 * through declared indexes (`conversations.customerId`, `messages.conversationId`,
 * `signals.subject.id`, `identities.customerId`). The result is plain JSON and validates against
 * {@link CustomerContextSchema}.
 *
 * @example
 * ```ts
 * const contexts = createContextAssembler({ store: documents, clock });
 * contexts.register({ name: 'cases', provide: async ({ customerId }) => ({ cases: { open: await myOpenCases(customerId) } }) });
 * const ctx = await contexts.getContext('cus-1', { messagesPerConversation: 10 });
 * ```
 */
export class ContextAssembler {
  private readonly store: DocumentStore;
  private readonly clock: Clock;
  private readonly providers = new Map<string, ContextProvider>();
  private readyPromise: Promise<void> | undefined;

  constructor(options: ContextAssemblerOptions) {
    if (!options?.store || !options.clock) {
      throw new ThreadlineError('CONFIG', 'createContextAssembler needs store and clock', {
        issues: (['store', 'clock'] as const)
          .filter((k) => !options?.[k])
          .map((k) => ({ path: [k], message: 'required', code: 'missing' })),
      });
    }
    this.store = validateAdapter('DocumentStore', options.store);
    this.clock = options.clock;
    for (const p of options.providers ?? []) this.register(p);
  }

  /** Declares the collections and indexes the assembler reads (idempotent; called lazily). */
  ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      await this.store.defineCollection(CONTEXT_COLLECTIONS.customers, { indexes: ['mergedInto'] });
      await this.store.defineCollection(CONTEXT_COLLECTIONS.identities, { indexes: ['customerId'] });
      await this.store.defineCollection(CONTEXT_COLLECTIONS.conversations, { indexes: ['customerId'] });
      await this.store.defineCollection(CONTEXT_COLLECTIONS.messages, { indexes: ['conversationId'] });
      await this.store.defineCollection(CONTEXT_COLLECTIONS.signals, { indexes: ['subject.id'] });
    })();
    return this.readyPromise;
  }

  /**
   * Registers a provider; returns the function that unregisters it. A second provider with the
   * same name is `CONFLICT`.
   *
   * @example
   * ```ts
   * const off = contexts.register({ name: 'health', provide: () => ({ section: { score: 72 } }) });
   * off();
   * ```
   */
  register(provider: ContextProvider): () => void {
    if (
      !provider ||
      typeof provider.name !== 'string' ||
      provider.name.length === 0 ||
      typeof provider.provide !== 'function'
    ) {
      throw new ThreadlineError('VALIDATION', 'Invalid context provider: expected { name, provide }', {
        issues: [
          {
            path: ['name'],
            message: 'expected a non-empty name and a provide function',
            code: 'invalid_provider',
          },
        ],
      });
    }
    if (this.providers.has(provider.name)) {
      throw new ThreadlineError(
        'CONFLICT',
        `A context provider named ${provider.name} is already registered`,
        {
          details: { name: provider.name },
        },
      );
    }
    this.providers.set(provider.name, provider);
    return () => {
      if (this.providers.get(provider.name) === provider) this.providers.delete(provider.name);
    };
  }

  /** Names of the registered providers, in registration order. */
  providerNames(): string[] {
    return [...this.providers.keys()];
  }

  private findAll(
    collection: string,
    tenantId: string,
    where: Record<string, string>,
  ): Promise<StoredDocument[]> {
    return findAllDocuments(this.store, collection, tenantId, where);
  }

  private async lastMessages(
    tenantId: string,
    conversationId: string,
    n: number,
    includeInternal: boolean,
  ): Promise<ContextMessage[]> {
    if (n === 0) return [];
    const docs = await this.findAll(CONTEXT_COLLECTIONS.messages, tenantId, { conversationId });
    const visible = docs.filter((m) => includeInternal || (m.public !== false && m.direction !== 'internal'));
    visible.sort(
      (a, b) => (a.sentAt as number) - (b.sentAt as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return visible.slice(-n).map((m) => {
      const author = m.author as { kind: ContextMessage['author']['kind']; id?: string };
      return {
        id: m.id,
        direction: m.direction as ContextMessage['direction'],
        author: author.id === undefined ? { kind: author.kind } : { kind: author.kind, id: author.id },
        body: m.body as string,
        public: m.public !== false,
        sentAt: m.sentAt as number,
      };
    });
  }

  /**
   * Assembles the context of a customer. A merged customer id resolves to the customer it was
   * merged into (`resolvedFrom` says so). Unknown customers are `NOT_FOUND`. A failing provider
   * is reported in `providers` (status `failed`) and the rest of the context is still returned,
   * unless `failOnProviderError`.
   *
   * @example
   * ```ts
   * const ctx = await contexts.getContext('cus-1', { recentConversations: 3 });
   * ctx.conversations.open[0]?.lastMessages;
   * ```
   */
  async getContext(customerId: string, options: GetContextOptions = {}): Promise<CustomerContext> {
    const requested = isId(customerId) ? customerId : parseInput(IdSchema, customerId, 'customerId');
    const opts =
      plainContextOptions(options) ?? parseInput(GetContextOptionsSchema, options, 'context options');
    const tenantId = opts.tenantId ?? DEFAULT_TENANT;
    const at = opts.at === undefined ? this.clock.now() : toMillis(opts.at, 'at');
    if (opts.providers) {
      for (const [i, name] of opts.providers.entries()) {
        if (!this.providers.has(name)) {
          throw new ThreadlineError('VALIDATION', `Invalid context options: no provider named ${name}`, {
            issues: [
              { path: ['providers', i], message: `no provider named ${name}`, code: 'unknown_provider' },
            ],
          });
        }
      }
    }
    await this.ready();

    let customer = await this.store.get(CONTEXT_COLLECTIONS.customers, requested, { tenantId });
    for (let hops = 0; customer && typeof customer.mergedInto === 'string'; hops++) {
      if (hops >= MAX_MERGE_HOPS) {
        throw new ThreadlineError(
          'CONFLICT',
          `Customer ${requested} has a merge chain longer than ${MAX_MERGE_HOPS}`,
        );
      }
      customer = await this.store.get(CONTEXT_COLLECTIONS.customers, customer.mergedInto, { tenantId });
    }
    if (!customer)
      throw new ThreadlineError('NOT_FOUND', `Customer ${requested} not found`, {
        details: { id: requested },
      });
    const id = customer.id;

    const [identityDocs, conversationDocs, signalDocs] = await Promise.all([
      this.findAll(CONTEXT_COLLECTIONS.identities, tenantId, { customerId: id }),
      this.findAll(CONTEXT_COLLECTIONS.conversations, tenantId, { customerId: id }),
      this.findAll(CONTEXT_COLLECTIONS.signals, tenantId, { 'subject.id': id }),
    ]);

    const identities: ContextIdentity[] = identityDocs.map((d) => {
      const c: ContextIdentity = {
        kind: d.kind as ContextIdentity['kind'],
        value: d.value as string,
        verified: d.verified === true,
        blocked: d.blocked === true,
      };
      if (typeof d.namespace === 'string') c.namespace = d.namespace;
      if (typeof d.channel === 'string') c.channel = d.channel as Channel;
      if (typeof d.lastSeenAt === 'number') c.lastSeenAt = d.lastSeenAt;
      return c;
    });

    const activity = (c: StoredDocument) =>
      (c.lastMessageAt as number | undefined) ??
      (c.closedAt as number | undefined) ??
      (c.createdAt as number);
    const open = byIdThenTime(
      conversationDocs.filter((c) => c.status !== 'closed'),
      activity,
    );
    const recentLimit = opts.recentConversations ?? 5;
    const recent = byIdThenTime(
      conversationDocs.filter(
        (c) =>
          c.status === 'closed' &&
          (opts.recentWithinMs === undefined ||
            at - ((c.closedAt as number | undefined) ?? activity(c)) < opts.recentWithinMs),
      ),
      (c) => (c.closedAt as number | undefined) ?? activity(c),
    ).slice(0, recentLimit);

    const perConversation = opts.messagesPerConversation ?? 5;
    const includeInternal = opts.includeInternalNotes ?? false;
    const summarize = async (c: StoredDocument): Promise<ConversationSummary> => {
      const participants = Array.isArray(c.participants) ? (c.participants as Record<string, unknown>[]) : [];
      const agents = participants
        .filter((p) => p.kind === 'agent' && typeof p.id === 'string')
        .sort((a, b) => ((b.joinedAt as number) ?? 0) - ((a.joinedAt as number) ?? 0));
      const s: ConversationSummary = {
        id: c.id,
        channel: c.channel as Channel,
        status: c.status as ConversationSummary['status'],
        createdAt: c.createdAt as number,
        agentIds: [...new Set(agents.map((p) => p.id as string))],
        lastMessages: await this.lastMessages(tenantId, c.id, perConversation, includeInternal),
      };
      if (typeof c.subject === 'string') s.subject = c.subject;
      if (typeof c.lastMessageAt === 'number') s.lastMessageAt = c.lastMessageAt;
      if (typeof c.closedAt === 'number') s.closedAt = c.closedAt;
      return s;
    };
    const openSummaries = await Promise.all(open.map(summarize));
    const recentSummaries = await Promise.all(recent.map(summarize));

    // Last agents from conversation participants: the latest moment each agent was involved.
    const agentAt = new Map<string, LastAgent>();
    for (const c of conversationDocs) {
      const participants = Array.isArray(c.participants) ? (c.participants as Record<string, unknown>[]) : [];
      for (const p of participants) {
        if (p.kind !== 'agent' || typeof p.id !== 'string') continue;
        const when = (p.leftAt as number | undefined) ?? activity(c);
        const prev = agentAt.get(p.id);
        if (!prev || when > prev.at || (when === prev.at && c.id < prev.conversationId)) {
          agentAt.set(p.id, { agentId: p.id, conversationId: c.id, at: when });
        }
      }
    }

    const signals = signalDocs
      .filter((s) => (s.subject as { type?: string } | undefined)?.type === 'customer')
      .map(summarizeSignal);
    const sentimentPoints = opts.sentimentPoints ?? 10;
    const sentimentTrend = signals.filter((s) => s.kind === 'sentiment');
    const latestByKind = new Map<string, ContextSignal>();
    for (const s of signals) {
      const prev = latestByKind.get(s.kind);
      if (!prev || s.observedAt > prev.observedAt || (s.observedAt === prev.observedAt && s.id > prev.id)) {
        latestByKind.set(s.kind, s);
      }
    }
    let health = latestByKind.get('health');
    const churn = latestByKind.get('churn_risk');
    if (!health || (churn && churn.observedAt > health.observedAt)) health = churn;

    const context: CustomerContext = {
      customerId: id,
      tenantId,
      assembledAt: at,
      profile: (customer.profile as Record<string, unknown> | undefined) ?? {},
      attributes: (customer.attributes as Record<string, unknown> | undefined) ?? {},
      identities,
      conversations: { open: openSummaries, recent: recentSummaries },
      cases: { open: [], recent: [] },
      lastAgents: [],
      signals: {
        sentimentTrend,
        latest: byIdThenTime([...latestByKind.values()], (s) => s.observedAt),
        ...(health ? { health } : {}),
      },
      sections: {},
      providers: [],
    };
    if (id !== requested) context.resolvedFrom = requested;

    // Providers run concurrently; contributions are merged in registration order.
    const chosen = [...this.providers.values()].filter(
      (p) => !opts.providers || opts.providers.includes(p.name),
    );
    const request: ContextProviderRequest = {
      tenantId,
      customerId: id,
      identities,
      conversationIds: conversationDocs.map((c) => c.id),
      profile: context.profile,
      attributes: context.attributes,
      at,
    };
    const settled = await Promise.allSettled(
      chosen.map(async (p) => checkContribution(await p.provide(request), p.name)),
    );
    const lastAgents = [...agentAt.values()];
    for (const [i, result] of settled.entries()) {
      const provider = chosen[i] as ContextProvider;
      if (result.status === 'rejected') {
        if (opts.failOnProviderError) throw result.reason;
        const e = result.reason;
        const report: ProviderReport = {
          name: provider.name,
          status: 'failed',
          error: {
            message: e instanceof Error ? e.message : String(e),
            ...(e instanceof ThreadlineError ? { code: e.code } : {}),
          },
        };
        context.providers.push(report);
        continue;
      }
      const c = result.value;
      context.cases.open.push(...(c.cases?.open ?? []));
      context.cases.recent.push(...(c.cases?.recent ?? []));
      lastAgents.push(...(c.lastAgents ?? []));
      if (c.signals?.sentimentTrend) context.signals.sentimentTrend.push(...c.signals.sentimentTrend);
      if (c.signals?.latest) context.signals.latest.push(...c.signals.latest);
      if (
        c.signals?.health &&
        (!context.signals.health || c.signals.health.observedAt >= context.signals.health.observedAt)
      ) {
        context.signals.health = c.signals.health;
      }
      if (c.section !== undefined) context.sections[provider.name] = c.section;
      context.providers.push({ name: provider.name, status: 'ok' });
    }
    for (const name of this.providers.keys()) {
      if (!chosen.some((p) => p.name === name)) context.providers.push({ name, status: 'skipped' });
    }

    // Dedupe and order what several sources may have contributed.
    context.cases.open = dedupeById(context.cases.open).sort(
      (a, b) => b.openedAt - a.openedAt || cmp(a.id, b.id),
    );
    context.cases.recent = dedupeById(context.cases.recent).sort(
      (a, b) => (b.updatedAt ?? b.openedAt) - (a.updatedAt ?? a.openedAt) || cmp(a.id, b.id),
    );
    const bestAgent = new Map<string, LastAgent>();
    for (const a of lastAgents) {
      const prev = bestAgent.get(a.agentId);
      if (!prev || a.at > prev.at) bestAgent.set(a.agentId, a);
    }
    context.lastAgents = [...bestAgent.values()]
      .sort((a, b) => b.at - a.at || cmp(a.agentId, b.agentId))
      .slice(0, opts.lastAgents ?? 3);
    const trend = dedupeById(context.signals.sentimentTrend).sort(
      (a, b) => a.observedAt - b.observedAt || cmp(a.id, b.id),
    );
    context.signals.sentimentTrend = sentimentPoints === 0 ? [] : trend.slice(-sentimentPoints);
    context.signals.latest = dedupeById(context.signals.latest).sort(
      (a, b) => b.observedAt - a.observedAt || cmp(a.id, b.id),
    );
    return context;
  }

  /**
   * Applies the channel's continuity policy to the customer's conversations in the store:
   * continue, reopen or start new (see {@link decideContinuity}).
   *
   * @example
   * ```ts
   * const d = await contexts.continuityFor('cus-1', 'whatsapp');
   * if (d.action === 'new') startConversation();
   * ```
   */
  async continuityFor(
    customerId: string,
    channel: Channel,
    options: { tenantId?: string; now?: Instant; policies?: ContinuityPolicies } = {},
  ): Promise<ContinuityDecision> {
    const id = parseInput(IdSchema, customerId, 'customerId');
    const ch = parseInput(ChannelSchema, channel, 'channel');
    await this.ready();
    const docs = await this.findAll(CONTEXT_COLLECTIONS.conversations, options.tenantId ?? DEFAULT_TENANT, {
      customerId: id,
    });
    return decideContinuity({
      channel: ch,
      conversations: docs as unknown as ContinuityCandidate[],
      now: options.now ?? this.clock.now(),
      ...(options.policies ? { policies: options.policies } : {}),
    });
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupeById<T extends { id: string }>(list: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of list) if (!seen.has(x.id)) seen.set(x.id, x);
  return [...seen.values()];
}

/**
 * Creates a {@link ContextAssembler}.
 *
 * @example
 * ```ts
 * const contexts = createContextAssembler({ store: documents, clock, providers: [casesProvider] });
 * ```
 */
export function createContextAssembler(options: ContextAssemblerOptions): ContextAssembler {
  return new ContextAssembler(options);
}

/** A provider's contribution, checked by hand when it has the common shape, else by zod. */
function checkContribution(raw: unknown, name: string): z.output<typeof ContextContributionSchema> {
  return (
    (plainContribution(raw) as z.output<typeof ContextContributionSchema> | undefined) ??
    parseInput(ContextContributionSchema, raw, `context from ${name}`)
  );
}

const WHITESPACE = /\s/;
/** The integer options of `getContext` and their bounds. */
const INT_OPTIONS: ReadonlyMap<string, [number, number]> = new Map([
  ['recentConversations', [0, 100]],
  ['recentWithinMs', [1, Number.MAX_SAFE_INTEGER]],
  ['messagesPerConversation', [0, 100]],
  ['lastAgents', [0, 50]],
  ['sentimentPoints', [0, 500]],
]);

/**
 * `getContext`'s options when they are plain scalars that pass `GetContextOptionsSchema` (a copy,
 * as zod's output is); `undefined` for anything else (`providers`, a `Date`, a bad value), which
 * zod then decides.
 */
export function plainContextOptions(options: unknown): GetContextOptions | undefined {
  if (!isPlain(options)) return undefined;
  for (const key in options) {
    const v = options[key];
    if (v === undefined) continue;
    const bounds = INT_OPTIONS.get(key);
    if (bounds !== undefined) {
      if (!isInt(v) || v < bounds[0] || v > bounds[1]) return undefined;
    } else if (key === 'includeInternalNotes' || key === 'failOnProviderError') {
      if (typeof v !== 'boolean') return undefined;
    } else if (key === 'tenantId') {
      if (typeof v !== 'string' || v.length < 1 || v.length > 200 || WHITESPACE.test(v)) return undefined;
    } else if (key === 'at') {
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    } else return undefined;
  }
  return { ...options };
}
