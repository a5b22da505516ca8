import { z } from 'zod';

/**
 * The event envelopes the event-fed KPIs and detectors accept (internal): what they read of each
 * event (`id`, `type`, `occurredAt`, `tenantId`, `payload`), other envelope fields passed through.
 * One schema for `botContainment`, `journeyConversion`/`journeyDeflection` and
 * `knowledgeConversationsFromEvents`, so they accept and refuse the same input.
 */
export const EventListSchema = z.array(
  z
    .object({
      id: z.string().min(1),
      type: z.string().min(1),
      occurredAt: z.number().finite(),
      tenantId: z.string().optional(),
      payload: z.unknown(),
    })
    .passthrough(),
);
