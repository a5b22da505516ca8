import { z } from 'zod';
import { AttributesSchema, EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Kinds of signal the system of insight produces. */
export const SIGNAL_KINDS = [
  'sentiment',
  'topic',
  'intent',
  'spike',
  'qa_finding',
  'staffing',
  'churn_risk',
  'health',
  'knowledge_gap',
  'pii_leak',
] as const;

/** Zod schema for a signal kind. */
export const SignalKindSchema = z.enum(SIGNAL_KINDS);

/** Zod schema for a signal. */
export const SignalSchema = z
  .object({
    ...entityBaseShape,
    kind: SignalKindSchema,
    /** What the signal is about. */
    subject: z
      .object({
        type: z.enum(['customer', 'conversation', 'message', 'case', 'agent', 'queue', 'topic', 'tenant']),
        id: IdSchema,
      })
      .strict(),
    /** Numeric value (score, count, probability), if any. */
    value: z.number().finite().optional(),
    label: z.string().max(500).optional(),
    confidence: z.number().min(0).max(1).optional(),
    observedAt: EpochMsSchema,
    /** Evidence: spans, ids, figures behind the signal. */
    evidence: AttributesSchema.default({}),
  })
  .strict();

/** A signal: what the data says (sentiment, topics, spikes, QA findings, churn risk, …). */
export type Signal = z.infer<typeof SignalSchema>;
