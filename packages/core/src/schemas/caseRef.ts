import { z } from 'zod';
import { EpochMsSchema, IdSchema } from './common.js';

/** Zod schema for a reference to a case (owned by `@threadline/cases`). */
export const CaseRefSchema = z
  .object({
    id: IdSchema,
    tenantId: z.string().min(1),
    status: z.string().min(1),
    subject: z.string().max(2000).optional(),
    priority: z.string().min(1).optional(),
    openedAt: EpochMsSchema,
    updatedAt: EpochMsSchema.optional(),
  })
  .strict();

/** A case as other packages see it: id, status, subject, priority. */
export type CaseRef = z.infer<typeof CaseRefSchema>;
