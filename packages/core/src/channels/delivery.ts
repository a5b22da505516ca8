import { z } from 'zod';
import { EpochMsSchema } from '../schemas/common.js';

/** The states of an outbound delivery, in the order they normally happen; `failed` is terminal. */
export const DELIVERY_STATES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;

/** Zod schema for a delivery state. */
export const DeliveryStateSchema = z.enum(DELIVERY_STATES);

/** A delivery state. */
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

/** One state change as it was reported (kept even when it did not change the state). */
export interface DeliveryTransition {
  state: DeliveryState;
  at: number;
  /** `false` when the report arrived late and did not move the state (kept for audit). */
  applied: boolean;
  error?: { code: string; message: string };
}

/** Zod schema for a {@link DeliveryRecord}. */
export const DeliveryRecordSchema = z
  .object({
    /** The sender's id of this delivery. */
    id: z.string().min(1),
    idempotencyKey: z.string().min(1).max(500),
    conversationId: z.string().min(1),
    channel: z.string().min(1),
    provider: z.string().min(1),
    to: z.string().min(1),
    /** The provider's id, once the provider accepted the message. */
    providerMessageId: z.string().min(1).optional(),
    state: DeliveryStateSchema,
    /** When the record was created and last changed (epoch ms). */
    createdAt: EpochMsSchema,
    updatedAt: EpochMsSchema,
    /** Send attempts made (retries on 429/5xx included). */
    attempts: z.number().int().nonnegative(),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).strict().optional(),
    history: z.array(
      z
        .object({
          state: DeliveryStateSchema,
          at: EpochMsSchema,
          applied: z.boolean(),
          error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
        })
        .strict(),
    ),
  })
  .strict();

/** What a `ChannelSender` knows about one outbound message. */
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

const RANK: Record<DeliveryState, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/**
 * Applies a reported state to a delivery record, tolerating callbacks that arrive out of order
 * or twice: the state only moves forward (`queued → sent → delivered → read`), `failed` is
 * terminal except that a later `delivered`/`read` proves delivery and wins (providers sometimes
 * report a transient failure first), and every report lands in `history` with `applied`
 * saying whether it moved the state. Pure: returns a new record.
 *
 * @example
 * ```ts
 * let r = applyDeliveryState(record, { state: 'delivered', at: t2 });
 * r = applyDeliveryState(r, { state: 'sent', at: t1 }); // late: stays delivered
 * ```
 */
export function applyDeliveryState(
  record: DeliveryRecord,
  report: { state: DeliveryState; at: number; error?: { code: string; message: string } },
): DeliveryRecord {
  const current = record.state;
  let applied: boolean;
  if (current === 'failed') applied = report.state === 'delivered' || report.state === 'read';
  else if (report.state === 'failed') applied = current === 'queued' || current === 'sent';
  else applied = RANK[report.state] > RANK[current];
  const transition: DeliveryTransition = { state: report.state, at: report.at, applied };
  if (report.error) transition.error = report.error;
  // History stays in report-time order so a reader sees what happened when.
  const history = [...record.history, transition].sort((a, b) => a.at - b.at);
  const next: DeliveryRecord = { ...record, history, updatedAt: Math.max(record.updatedAt, report.at) };
  if (!applied) return next;
  next.state = report.state;
  if (report.state === 'failed') {
    next.error = {
      code: report.error?.code ?? 'FAILED',
      message: report.error?.message ?? '',
      retryable: false,
    };
  } else if (next.error !== undefined && report.state !== 'sent') {
    delete next.error;
  }
  return next;
}
