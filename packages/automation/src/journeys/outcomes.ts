import type { Channel } from '@threadline/core';

// What the journey runtime reports and asks the host for: entry results and refusals, why a
// channel was passed over, and the address lookup.

/** Who a send goes to on a channel: the host's address lookup. */
export type AddressResolver = (target: {
  tenantId: string;
  customerId: string;
  channel: Channel;
  data: Readonly<Record<string, unknown>>;
}) => string | undefined | Promise<string | undefined>;

/** Why one channel of a send step was passed over. */
export type ChannelSkipReason =
  | 'no_address'
  | 'no_consent'
  | 'quiet_hours'
  | 'forbidden'
  | 'failed'
  | 'error'
  | 'unsupported_channel';

/** Why a trigger did not enter a customer. */
export type EntryRefusal = 'active' | 'reentry' | 'duplicate' | 'no_customer';

/** What handling one event did (see `JourneyEngine.handle`). */
export interface JourneyHandleResult {
  entered: {
    journeyId: string;
    version: number;
    customerId: string;
    group: 'treatment' | 'holdout';
    variant?: string;
  }[];
  refused: { journeyId: string; customerId?: string; reason: EntryRefusal }[];
  /** Instances that left on this event's goal. */
  goals: number;
  /** Instances whose `wait_for` this event ended. */
  resumed: number;
}
