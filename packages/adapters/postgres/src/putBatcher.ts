import type { Queryable } from './driver/driver.js';
import type { Tables } from './schema.js';

/** `upsert`: a put without `expectedVersion`; `insert`: a put with `expectedVersion: 0`. */
export type PutMode = 'upsert' | 'insert';

interface QueuedPut {
  tenantId: string;
  collection: string;
  id: string;
  json: string;
  /** Resolves with the new version, or `undefined` when an `insert` found the document there. */
  resolve: (version: number | undefined) => void;
  /** Rejects: the caller then runs the put alone (see {@link PutBatcher}). */
  reject: (error: unknown) => void;
}

/**
 * Turns the puts that callers issue together (`Promise.all(docs.map((d) => store.put(…)))`, an
 * engine persisting a batch) into one multi-row statement per mode: the same rows, one round trip
 * instead of one each. Puts queued in the same tick go out together on the next microtask, so a
 * lone put waits for nothing. A batch is one statement, so it writes all of its rows or none;
 * when it fails (a duplicate id in the batch, a unique-index violation, a lost connection) every
 * put in it is rejected with {@link BATCH_FAILED} and its caller runs it alone, which gives each
 * put exactly the result and error it would have had unbatched.
 */
export class PutBatcher {
  readonly #q: Queryable;
  readonly #t: Tables;
  readonly #queues: Record<PutMode, QueuedPut[]> = { upsert: [], insert: [] };
  #scheduled = false;

  constructor(q: Queryable, tables: Tables) {
    this.#q = q;
    this.#t = tables;
  }

  /** Queues a put; resolves with its new version (`undefined`: an `insert` that found a document). */
  put(
    mode: PutMode,
    tenantId: string,
    collection: string,
    id: string,
    json: string,
  ): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.#queues[mode].push({ tenantId, collection, id, json, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    for (const mode of ['upsert', 'insert'] as const) {
      const batch = this.#queues[mode];
      if (batch.length === 0) continue;
      this.#queues[mode] = [];
      // A key may appear once per statement (a second row for it would be folded into the first,
      // or fail the whole batch): later puts of a key already in the batch run alone.
      const seen = new Set<string>();
      const unique: QueuedPut[] = [];
      for (const p of batch) {
        const key = keyOf(p.tenantId, p.collection, p.id);
        if (seen.has(key)) p.reject(BATCH_FAILED);
        else {
          seen.add(key);
          unique.push(p);
        }
      }
      if (unique.length === 1) {
        // Alone: the caller's own statement is as fast and keeps its exact error.
        (unique[0] as QueuedPut).reject(BATCH_FAILED);
        continue;
      }
      void this.#write(mode, unique);
    }
  }

  async #write(mode: PutMode, batch: readonly QueuedPut[]): Promise<void> {
    const t = this.#t.documents;
    // The rows travel as one JSON array [tenant, collection, id, body]; the server parses it once.
    const rows = `[${batch.map((p) => `[${JSON.stringify(p.tenantId)},${JSON.stringify(p.collection)},${JSON.stringify(p.id)},${p.json}]`).join(',')}]`;
    const conflict =
      mode === 'upsert'
        ? `DO UPDATE SET version = ${t}.version + 1, body = EXCLUDED.body, updated_at = now()`
        : 'DO NOTHING';
    // An upsert that inserted has version 1: only updated rows (version > 1) need to come back,
    // which for a batch of new documents is none. An insert-only put needs every created row.
    const returned = mode === 'upsert' ? 'WHERE w.version > 1' : '';
    let result: { rows: { tenant_id: string; collection: string; id: string; version: number }[] };
    try {
      result = await this.#q.query(
        `WITH w AS (
           INSERT INTO ${t} (tenant_id, collection, id, version, body)
           SELECT r->>0, r->>1, r->>2, 1, r->3 FROM jsonb_array_elements($1::jsonb) AS r
             ON CONFLICT (tenant_id, collection, id) ${conflict}
           RETURNING tenant_id, collection, id, version
         )
         SELECT tenant_id, collection, id, version FROM w ${returned}`,
        [rows],
      );
    } catch {
      for (const p of batch) p.reject(BATCH_FAILED);
      return;
    }
    const versions = new Map(
      result.rows.map((r) => [keyOf(r.tenant_id, r.collection, r.id), Number(r.version)]),
    );
    const absent = mode === 'upsert' ? 1 : undefined;
    for (const p of batch) p.resolve(versions.get(keyOf(p.tenantId, p.collection, p.id)) ?? absent);
  }
}

const keyOf = (tenantId: string, collection: string, id: string) =>
  JSON.stringify([tenantId, collection, id]);

/** The rejection of a put whose batch failed or that was alone: run it by itself. */
export const BATCH_FAILED: unique symbol = Symbol('threadline.putBatchFailed');
