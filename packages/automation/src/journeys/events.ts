import type { Channel, EventEnvelope } from '@threadline/core';

/** Fields every journey event payload carries. */
export interface JourneyEventBase {
  journeyId: string;
  version: number;
  customerId: string;
  /** 1 for the first entry, one more for each re-entry. */
  run: number;
  /** The A/B variant, when the journey has a split and the customer is not held out. */
  variant?: string;
}

/**
 * Events the journey engine emits (aggregate `journey`, id `<journeyId>:<customerId>`, event ids
 * derived from that and the instance's event count, so a recovered engine re-emits nothing new
 * under an old id). Insights reads `journey.entered` (group, variant) to measure lift.
 */
export type JourneyEvent =
  | EventEnvelope<
      'journey.entered',
      JourneyEventBase & { group: 'treatment' | 'holdout'; triggerEventId: string; triggerType: string }
    >
  | EventEnvelope<
      'journey.message_sent',
      JourneyEventBase & { stepId: string; channel: Channel; deliveryId: string; idempotencyKey: string }
    >
  | EventEnvelope<
      'journey.channel_skipped',
      JourneyEventBase & { stepId: string; channel: Channel; reason: string }
    >
  | EventEnvelope<
      'journey.send_deferred',
      JourneyEventBase & { stepId: string; reason: 'quiet_hours'; until: number }
    >
  | EventEnvelope<'journey.send_failed', JourneyEventBase & { stepId: string; channels: Channel[] }>
  | EventEnvelope<
      'journey.exited',
      JourneyEventBase & {
        reason: 'completed' | 'goal' | 'holdout' | 'removed';
        stepId?: string;
        goalEventId?: string;
      }
    >;
