import { AttributesSchema, ChannelSchema, EpochMsSchema, IdSchema, TenantIdSchema } from '@threadline/core';
import type { Patch } from 'immer';
import { z } from 'zod';
import { CASE_STATUSES, type CaseStatus } from './transitions.js';

/** Case priorities, lowest first. */
export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** A case priority. */
export type CasePriority = (typeof CASE_PRIORITIES)[number];

/** Zod schema for a case priority. */
export const CasePrioritySchema = z.enum(CASE_PRIORITIES);

/** Zod schema for a case status. */
export const CaseStatusSchema = z.enum(CASE_STATUSES);

/** Who made a change: an id, or a core `Actor`-like object. */
export const ActorInputSchema = z.union([
  z.string().min(1),
  z.object({ id: z.string().min(1), roles: z.array(z.string()).optional(), tenantId: z.string().optional() }),
]);

/** Who made a change. */
export type ActorInput = z.input<typeof ActorInputSchema>;

/**
 * Zod schema for the `{ actor, reason, tenantId? }` every change takes (`tenantId`: the case's
 * tenant, default `'default'`).
 */
export const ChangeContextSchema = z
  .object({
    actor: ActorInputSchema,
    reason: z.string().max(2000).optional(),
    tenantId: TenantIdSchema.optional(),
  })
  .strict();

/** The `{ actor, reason, tenantId? }` every change takes; `tenantId` selects the case's tenant (default `'default'`). */
export type ChangeContext = z.input<typeof ChangeContextSchema>;

/** Zod schema for {@link OpenCaseInput}. */
export const OpenCaseInputSchema = z
  .object({
    id: IdSchema.optional(),
    tenantId: TenantIdSchema.optional(),
    customerId: IdSchema,
    subject: z.string().min(1).max(2000),
    priority: CasePrioritySchema,
    channel: ChannelSchema,
    type: z.string().min(1).max(200).optional(),
    team: z.string().min(1).max(200).optional(),
    assignee: z.string().min(1).max(200).optional(),
    attributes: AttributesSchema.optional(),
    /** A snapshot of the customer's attributes, visible to rules as `customer.*`. */
    customer: AttributesSchema.optional(),
    actor: ActorInputSchema.optional(),
  })
  .strict();

/** Input of `openCase`. */
export type OpenCaseInput = z.input<typeof OpenCaseInputSchema>;

/** Zod schema for `assign`'s target. */
export const AssignInputSchema = z
  .object({
    assignee: z.string().min(1).max(200).nullable().optional(),
    team: z.string().min(1).max(200).nullable().optional(),
  })
  .strict()
  .refine((v) => v.assignee !== undefined || v.team !== undefined, {
    message: 'give an assignee, a team or both',
  });

/** Input of `assign`: a new assignee and/or team (`null` clears). */
export type AssignInput = z.input<typeof AssignInputSchema>;

/** Message authors. */
export const MESSAGE_AUTHORS = ['customer', 'agent', 'bot', 'system'] as const;

/** Zod schema for `recordMessage`'s input. */
export const RecordMessageInputSchema = z
  .object({
    author: z.enum(MESSAGE_AUTHORS),
    public: z.boolean(),
    at: z.union([z.date(), EpochMsSchema]).optional(),
    messageId: z.string().min(1).optional(),
  })
  .strict();

/** Input of `recordMessage`. */
export type RecordMessageInput = z.input<typeof RecordMessageInputSchema>;

/** A rule-triggered escalation recorded on the case. */
export interface CaseEscalation {
  /** Id of the routing rule that fired. */
  rule: string;
  /** The team ownership moved to. */
  team: string;
  /** The team before. */
  fromTeam: string | null;
  reason: string;
  at: number;
}

/**
 * A case: the record of what is owed to a customer. Immutable (frozen by immer); every change
 * produces a new object and a set of patches in the audit trail.
 */
export interface Case {
  readonly id: string;
  readonly tenantId: string;
  readonly customerId: string;
  readonly subject: string;
  readonly status: CaseStatus;
  readonly priority: CasePriority;
  readonly channel: z.infer<typeof ChannelSchema>;
  readonly type: string | null;
  readonly team: string | null;
  readonly assignee: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly customer: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Grows by one on every change. */
  readonly version: number;
  readonly solvedAt: number | null;
  readonly closedAt: number | null;
  readonly reopenCount: number;
  readonly mergedInto: string | null;
  readonly mergedFrom: readonly string[];
  readonly followUpOf: string | null;
  readonly followUps: readonly string[];
  readonly escalations: readonly CaseEscalation[];
  readonly lastCustomerMessageAt: number | null;
  readonly lastAgentReplyAt: number | null;
}

/** One entry of a case's audit trail: a change as immer patches, with who and why. */
export interface CaseAuditEntry {
  /** Case version after the change. */
  version: number;
  at: number;
  actor: string;
  action: string;
  reason: string | null;
  /** Forward patches (apply to the previous case to get this version). */
  patches: readonly Patch[];
  /** Inverse patches (apply to this version to get the previous one). */
  inversePatches: readonly Patch[];
}

/** The case as the rule language sees it (`case.*`). */
export function caseRuleView(c: Case): Record<string, unknown> {
  // Attributes are also reachable at the top level; the case's own fields win on a clash.
  return {
    ...c.attributes,
    id: c.id,
    tenantId: c.tenantId,
    customerId: c.customerId,
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    channel: c.channel,
    type: c.type,
    team: c.team,
    assignee: c.assignee,
    attributes: c.attributes,
    reopenCount: c.reopenCount,
  };
}

/** Normalises an actor input to its id. */
export function actorId(actor: ActorInput | undefined): string {
  if (actor === undefined) return 'system';
  return typeof actor === 'string' ? actor : actor.id;
}
