import type { Clock } from '../clock.js';
import { isThreadlineError, ThreadlineError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { DocumentStore, StoredDocument } from '../ports/documentStore.js';
import { applyDeliveryState, type DeliveryRecord, type DeliveryState } from './delivery.js';
import type { InboundStatus } from './inbound.js';
import type { ParsedSendRequest } from './sender.js';

/** Options for {@link createDeliveryLedger}. */
export interface DeliveryLedgerOptions {
  /** Any `DocumentStore`; unique indexes (when the adapter has them) make idempotency hold across processes. */
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** The provider name written on records (e.g. `twilio`). */
  provider: string;
  /** Collection (default `channel_deliveries`). */
  collection?: string;
  /**
   * The tenant whose records these are (default `'default'`). Provider callbacks carry no tenant,
   * so a ledger (and the sender over it) serves one tenant; a multi-tenant host makes one per tenant.
   */
  tenantId?: string;
}

/** The outcome of {@link DeliveryLedger.begin}: a new record to send, or the earlier one for the same key. */
export type BeginResult =
  | { status: 'new'; record: DeliveryRecord }
  | { status: 'duplicate'; record: DeliveryRecord };

/**
 * Where a sender keeps its delivery records: idempotency by key, the provider's id once known,
 * and status callbacks reconciled in any order (see {@link applyDeliveryState}).
 */
export interface DeliveryLedger {
  /** Creates the `queued` record for a send, or returns the record an earlier send with the same key made. */
  begin(request: ParsedSendRequest): Promise<BeginResult>;
  /** Records an attempt's outcome: the provider accepted it (`sent`/`queued` with its id) or refused it (`failed`). */
  settle(
    id: string,
    outcome:
      | { state: 'queued' | 'sent'; providerMessageId: string; attempts: number }
      | { state: 'failed'; error: { code: string; message: string; retryable: boolean }; attempts: number },
  ): Promise<DeliveryRecord>;
  /** Applies a status callback by provider id; `undefined` when no record has that id. */
  applyStatus(
    status: Pick<InboundStatus, 'providerMessageId' | 'state' | 'occurredAt' | 'error'>,
  ): Promise<DeliveryRecord | undefined>;
  get(ref: { id: string } | { idempotencyKey: string }): Promise<DeliveryRecord | undefined>;
}

type Doc = StoredDocument & { record: DeliveryRecord; idempotencyKey: string; providerMessageId?: string };

const MAX_RETRIES = 5;

/**
 * Creates a delivery ledger on a document store. Writes are version-checked; a concurrent update
 * of the same record is retried on the fresh copy, so two callbacks racing never lose a state.
 *
 * @example
 * ```ts
 * const ledger = createDeliveryLedger({ store: storage.documents, clock, ids, provider: 'twilio' });
 * const { status, record } = await ledger.begin(request);
 * if (status === 'new') await ledger.settle(record.id, { state: 'sent', providerMessageId: 'SM123', attempts: 1 });
 * ```
 */
export function createDeliveryLedger(options: DeliveryLedgerOptions): DeliveryLedger {
  const { store, clock, ids, provider } = options;
  const collection = options.collection ?? 'channel_deliveries';
  const unique = store.capabilities.uniqueIndexes === true;
  let defined: Promise<void> | undefined;
  const ready = () => {
    defined ??= store.defineCollection(collection, {
      indexes: ['idempotencyKey', 'providerMessageId'],
      ...(unique ? { unique: [['idempotencyKey']] } : {}),
    });
    return defined;
  };
  const scope = options.tenantId === undefined ? {} : { tenantId: options.tenantId };

  async function byKey(key: string): Promise<Doc | undefined> {
    const page = await store.find<Doc>(collection, { where: { idempotencyKey: key }, limit: 1, ...scope });
    return page.items[0];
  }

  async function update(doc: Doc, change: (r: DeliveryRecord) => DeliveryRecord): Promise<Doc> {
    let current = doc;
    for (let attempt = 0; ; attempt++) {
      const record = change(current.record);
      const next: Record<string, unknown> = {
        id: current.id,
        record,
        idempotencyKey: record.idempotencyKey,
        ...scope,
      };
      if (record.providerMessageId !== undefined) next.providerMessageId = record.providerMessageId;
      try {
        return await store.put<Doc>(collection, next as never, { expectedVersion: current.version });
      } catch (error) {
        if (!isThreadlineError(error) || error.code !== 'CONFLICT' || attempt >= MAX_RETRIES) throw error;
        const fresh = await store.get<Doc>(collection, current.id, scope);
        if (!fresh) throw error;
        current = fresh;
      }
    }
  }

  return {
    async begin(request) {
      await ready();
      if (request.tenantId !== undefined && request.tenantId !== (options.tenantId ?? 'default')) {
        throw new ThreadlineError(
          'VALIDATION',
          `this sender serves tenant ${options.tenantId ?? 'default'}`,
          {
            issues: [{ path: ['tenantId'], message: 'not the tenant of this sender', code: 'custom' }],
          },
        );
      }
      const existing = await byKey(request.idempotencyKey);
      if (existing) return { status: 'duplicate', record: existing.record };
      const now = clock.now();
      const record: DeliveryRecord = {
        id: ids.next('dlv'),
        idempotencyKey: request.idempotencyKey,
        conversationId: request.conversationId,
        channel: request.channel,
        provider,
        to: request.to,
        state: 'queued',
        createdAt: now,
        updatedAt: now,
        attempts: 0,
        history: [{ state: 'queued', at: now, applied: true }],
      };
      try {
        await store.put(
          collection,
          { id: record.id, record, idempotencyKey: record.idempotencyKey, ...scope } as never,
          { expectedVersion: 0 },
        );
        return { status: 'new', record };
      } catch (error) {
        // Another process began the same key first: its record wins.
        if (isThreadlineError(error) && error.code === 'CONFLICT') {
          const winner = await byKey(request.idempotencyKey);
          if (winner) return { status: 'duplicate', record: winner.record };
        }
        throw error;
      }
    },

    async settle(id, outcome) {
      await ready();
      const doc = await findById(id);
      const at = clock.now();
      const saved = await update(doc, (r) => {
        const base = { ...r, attempts: outcome.attempts };
        if (outcome.state === 'failed') {
          const failed = applyDeliveryState(base, { state: 'failed', at, error: outcome.error });
          return failed.state === 'failed' ? { ...failed, error: outcome.error } : failed;
        }
        return applyDeliveryState(
          { ...base, providerMessageId: outcome.providerMessageId },
          { state: outcome.state, at },
        );
      });
      return saved.record;
    },

    async applyStatus(status) {
      await ready();
      const page = await store.find<Doc>(collection, {
        where: { providerMessageId: status.providerMessageId },
        limit: 1,
        ...scope,
      });
      const doc = page.items[0];
      if (!doc) return undefined;
      const report: { state: DeliveryState; at: number; error?: { code: string; message: string } } = {
        state: status.state,
        at: status.occurredAt,
      };
      if (status.error) report.error = status.error;
      return (await update(doc, (r) => applyDeliveryState(r, report))).record;
    },

    async get(ref) {
      await ready();
      if ('id' in ref) return (await store.get<Doc>(collection, ref.id, scope))?.record;
      return (await byKey(ref.idempotencyKey))?.record;
    },
  };

  async function findById(id: string): Promise<Doc> {
    const doc = await store.get<Doc>(collection, id, scope);
    if (!doc) throw new ThreadlineError('NOT_FOUND', `no delivery record ${id}`, { details: { id } });
    return doc;
  }
}
