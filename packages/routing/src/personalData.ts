import { type DocumentStore, declarePersonalData, type PersonalDataDeclaration } from '@threadline/core';

/** Collection of routing snapshots (`save()` and the journal's own); also exported by the journal. */
const SNAPSHOTS = 'routing_snapshots';

/** Prefix of every routing journal stream (`routing-journal:<tenantId>:<engineId>`). */
export const ROUTING_JOURNAL_STREAM_PREFIX = 'routing-journal:';

/**
 * What routing stores about customers, declared in the store itself (core's
 * `declarePersonalData`) so that `createErasureService({ storage })` finds it without the host
 * listing anything:
 *
 * - **journal batches** (`routing-journal:` streams): a batch event lists the customers its
 *   commands touched (tasks whose `attributes.customerId` is the customer) at
 *   `payload.customerIds` (an event of the older one-command format at `payload.customerId`);
 *   erasure rewrites the matching event's strings in place (e-mail addresses and phone numbers by
 *   their shape, the customer's declared identifying values such as the name word by word),
 *   keeping its structure, so a replay still applies every command — with the erased attributes.
 *   The rewrite covers the whole batch: e-mail- and phone-shaped strings of other customers'
 *   commands in the same batch are redacted too;
 * - **snapshot documents** (`routing_snapshots`, the journal's and `save()`'s): each holds the
 *   whole state, so it lists the customers of its tasks in `customerIds`, and erasure **deletes**
 *   every snapshot naming the customer. `recover()` then replays the (erased) journal from its
 *   start, and the state it yields holds no personal data. A snapshot written by `save()` is
 *   gone as well (`load()` returns false);
 * - **handoff events** (`task.handed_off`, wherever stored or waiting in the outbox): the packet
 *   names the customer at `packet.context.customerId`; its transcript and the core packet kept in
 *   its context are erased.
 *
 * - **fence**: every journal stream of the tenant is fenced after the rewrite (core appends an
 *   `erasure.stream_fenced` event, ids only, which `recover()` skips), so an engine in another
 *   process that still holds the customer in memory cannot commit a batch or snapshot until it
 *   has recovered from the erased journal.
 *
 * A running engine given `storage` is reached too (`erasure.ts`, through core's
 * `onCustomerErasure` on the same document store): its tasks' attributes, the journal entries
 * and events waiting to commit and a batch in flight are rewritten as the store is, so the next
 * snapshot holds nothing of the customer; it claims its stream, which is not fenced. An engine in
 * another process given a `bus` hears the `customer.erased` event and `recover()`s (a worker node
 * restarts the partition).
 */
export const ROUTING_PERSONAL_DATA: PersonalDataDeclaration = {
  owner: '@threadline/routing',
  collections: [{ collection: SNAPSHOTS, match: { field: 'customerIds' }, mode: 'delete' }],
  streams: [
    {
      streamPrefix: ROUTING_JOURNAL_STREAM_PREFIX,
      customerPaths: ['customerIds', 'customerId'],
      fence: true,
    },
  ],
  events: [
    {
      typePrefix: 'task.handed_off',
      customerPaths: ['packet.context.customerId'],
      fields: ['packet.transcript', 'packet.context.packet'],
    },
  ],
};

/** Declares {@link ROUTING_PERSONAL_DATA} in `store` (idempotent; the journal does it before its first commit). */
export async function declareRoutingPersonalData(store: DocumentStore): Promise<void> {
  await declarePersonalData(store, ROUTING_PERSONAL_DATA);
}

/**
 * The customers a snapshot's tasks belong to (`attributes.customerId`, sorted, distinct): the
 * `customerIds` of a snapshot document, the field erasure finds it by.
 */
export function snapshotCustomerIds(tasks: ReadonlyArray<{ attributes?: unknown }>): string[] {
  const ids = new Set<string>();
  for (const t of tasks) {
    const a = t.attributes as { customerId?: unknown } | undefined;
    if (a !== undefined && typeof a.customerId === 'string') ids.add(a.customerId);
  }
  return [...ids].sort();
}
