import type { PersonalDataDeclaration } from '@threadline/core';

/** The owner name of web chat's personal-data declaration. */
export const WEBCHAT_PERSONAL_DATA_OWNER = '@threadline/adapter-webchat';

/**
 * What web chat declares (through core's `declarePersonalData`) about the session documents it
 * stores: a session linked to a customer (`WebchatServer.linkCustomer`) is found by its indexed
 * `customerId`; erasure empties its replay buffer (agent messages not yet acknowledged, which can
 * quote the customer) and erases the `visitorId` (the visitor can no longer resume it), stamping
 * `erasedAt`. A session never linked holds no customer id and cannot be found by erasure: link
 * each session once identity resolution has named its customer.
 *
 * @example
 * ```ts
 * import { webchatPersonalData } from '@threadline/adapter-webchat';
 * webchatPersonalData('webchat_sessions').collections?.[0]?.match; // { field: 'customerId' }
 * ```
 */
export function webchatPersonalData(collection = 'webchat_sessions'): PersonalDataDeclaration {
  return {
    owner: WEBCHAT_PERSONAL_DATA_OWNER,
    collections: [
      {
        collection,
        match: { field: 'customerId' },
        mode: 'anonymize',
        fields: ['buffer', 'visitorId'],
        stamp: 'erasedAt',
      },
    ],
  };
}
