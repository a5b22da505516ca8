import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { AttributesSchema, EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Task states. */
export const TASK_STATUSES = [
  'pending',
  'reserved',
  'assigned',
  'wrapping',
  'completed',
  'canceled',
] as const;

/** Zod schema for a task status. */
export const TaskStatusSchema = z.enum(TASK_STATUSES);

/** Zod schema for a routable unit of work. */
export const TaskSchema = z
  .object({
    ...entityBaseShape,
    channel: ChannelSchema,
    priority: z.number().int().min(0).max(1_000_000).default(0),
    status: TaskStatusSchema,
    attributes: AttributesSchema.default({}),
    /** Skill name → minimum level. */
    requiredSkills: z.record(z.string(), z.number().int().min(0).max(10)).default({}),
    conversationId: IdSchema.optional(),
    caseId: IdSchema.optional(),
    customerId: IdSchema.optional(),
    preferredAgentId: IdSchema.optional(),
    queueId: IdSchema.optional(),
    assignedAgentId: IdSchema.optional(),
    /** SLA deadline the routing engine can use to boost the task. */
    deadline: EpochMsSchema.optional(),
  })
  .strict();

/** A routable unit of work. */
export type Task = z.infer<typeof TaskSchema>;
