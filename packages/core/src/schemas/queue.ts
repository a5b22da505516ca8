import { z } from 'zod';
import { AttributesSchema, entityBaseShape } from './common.js';

/** Zod schema for a queue. */
export const QueueSchema = z
  .object({
    ...entityBaseShape,
    name: z.string().min(1).max(500),
    /** Rule-language expression selecting the workers who serve this queue. */
    workerExpression: z.string().max(10_000).optional(),
    order: z.enum(['fifo', 'lifo']).default('fifo'),
    /** Business calendar name the queue runs on. */
    calendar: z.string().min(1).optional(),
    attributes: AttributesSchema.default({}),
  })
  .strict();

/** A queue of tasks waiting for workers. */
export type Queue = z.infer<typeof QueueSchema>;
