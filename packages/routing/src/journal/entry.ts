import { type EventEnvelope, type IdGenerator, ThreadlineError } from '@threadline/core';
import type { JournalBatchPayload } from './codec.js';

/** The engine commands a journal records: each changes state, and replaying them in order rebuilds it. */
export const JOURNAL_OPS = [
  'upsertWorker',
  'setWorkerStatus',
  'removeWorker',
  'submitTask',
  'updateTask',
  'cancelTask',
  'completeTask',
  'acceptReservation',
  'rejectReservation',
  'advanceTo',
  'requestHandoff',
  'restore',
] as const;

/** One journaled command's name. */
export type JournalOp = (typeof JOURNAL_OPS)[number];

/**
 * One journaled command, the payload of a `routing_journal.command_recorded` event: the method,
 * its arguments as JSON (dates as epoch ms), the engine's time when it ran, the ids an injected
 * generator gave it (`[prefix, id]`, in order) and the customer of the task it touched.
 */
export interface JournalEntry {
  op: JournalOp;
  args: unknown[];
  at: number;
  ids?: Array<[string, string]>;
  /** `attributes.customerId` of the task the command touched, when it has one (what erasure matches). */
  customerId?: string;
}

/**
 * Event type of one journaled command in the event log, as written before batches (one event per
 * command). `recover()` still replays streams holding them.
 */
export const JOURNAL_EVENT_TYPE = 'routing_journal.command_recorded';

/** A journal entry as stored in the event log by earlier versions (one event per command). */
export type JournalEvent = EventEnvelope<typeof JOURNAL_EVENT_TYPE, JournalEntry>;

/** Event type of one committed batch of journaled commands (one event per group commit). */
export const JOURNAL_BATCH_EVENT_TYPE = 'routing_journal.batch_recorded';

/**
 * One group-committed batch of commands as format 1 wrote it (the payload of a
 * `routing_journal.batch_recorded` event without `v`): the batch's commands in order, the number
 * of its first command in the journal (1-based; the commands before it are in earlier events),
 * and the customers its commands touched (what erasure matches the event by). This version
 * writes the compact format 2 (`CompactJournalBatch`) and reads both (`decodeJournalBatch`).
 */
export interface JournalBatch {
  /** Number of `entries[0]` among every command the journal holds (1-based). */
  first: number;
  entries: JournalEntry[];
  /** Distinct `customerId`s of the entries, sorted. */
  customerIds: string[];
}

/** A batch of journal entries as stored in the event log (stream version = batch number), either format. */
export type JournalBatchEvent = EventEnvelope<typeof JOURNAL_BATCH_EVENT_TYPE, JournalBatchPayload>;

/** The event-log stream of one engine's journal. */
export function journalStream(tenantId: string, engineId: string): string {
  return `routing-journal:${tenantId}:${engineId}`;
}

/** Id of the journal's snapshot document in `routing_snapshots`. */
export function journalSnapshotId(engineId: string): string {
  return `journal:${engineId}`;
}

/** JSON copy of command arguments: dates become epoch ms (what the schemas accept back). */
export function jsonArgs(args: unknown[]): unknown[] {
  // A trailing `undefined` (an omitted optional argument) would become `null` in JSON.
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  // Ids, reasons and instants (most commands) need no copy.
  let primitive = true;
  for (let i = 0; i < n && primitive; i++) {
    const a = args[i];
    primitive =
      typeof a === 'string' || typeof a === 'boolean' || (typeof a === 'number' && Number.isFinite(a));
  }
  if (primitive) return n === args.length ? args : args.slice(0, n);
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = inArray(copyJson(args[i]));
  return out;
}

/** `undefined` (and what JSON drops) becomes `null` inside an array, as in `JSON.stringify`. */
const inArray = (v: unknown): unknown => (v === undefined ? null : v);

/**
 * What `JSON.parse(JSON.stringify(value))` returns, dates as epoch ms, with a direct copy of
 * plain objects, arrays and primitives (several times cheaper than the text round trip on the
 * recording path); anything else (class instances, `toJSON`, bigint) takes the text round trip.
 * `undefined` stands for "dropped" (a property left out).
 */
function copyJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Date) return value.getTime();
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = inArray(copyJson(value[i]));
        return out;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto === Object.prototype || proto === null) && !('toJSON' in value)) {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          const v = copyJson((value as Record<string, unknown>)[key]);
          if (v !== undefined) out[key] = v;
        }
        return out;
      }
      return viaText(value);
    }
    default:
      return viaText(value);
  }
}

/** The JSON text round trip (dates as epoch ms) for values {@link copyJson} does not copy itself. */
function viaText(value: unknown): unknown {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() : v;
  });
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * Wraps an injected id generator so that a journaled command records the ids it used, and a
 * replayed one gets the same ids back (the generator itself is not replayable: it may be random).
 */
export class RecordingIds implements IdGenerator {
  readonly #inner: IdGenerator;
  /** Ids handed out since the last journal entry. */
  used: Array<[string, string]> = [];
  /** During replay: the entry's recorded ids, consumed in order. */
  #replay: Array<[string, string]> | null = null;
  #at = 0;

  constructor(inner: IdGenerator) {
    this.#inner = inner;
  }

  next(prefix?: string): string {
    const key = prefix ?? '';
    const replay = this.#replay;
    if (replay !== null) {
      const pair = replay[this.#at++];
      if (pair === undefined || pair[0] !== key) {
        throw new ThreadlineError('INTERNAL', 'Routing journal replay diverged: the recorded ids ran out', {
          details: { prefix: key, recorded: replay.length },
        });
      }
      return pair[1];
    }
    const id = prefix === undefined ? this.#inner.next() : this.#inner.next(prefix);
    this.used.push([key, id]);
    return id;
  }

  /** The ids used since the last call (for the entry being recorded). */
  take(): Array<[string, string]> | undefined {
    if (this.used.length === 0) return undefined;
    const ids = this.used;
    this.used = [];
    return ids;
  }

  /** Replays `ids` for the next command (`null` ends replay). */
  replay(ids: Array<[string, string]> | null): void {
    this.#replay = ids;
    this.#at = 0;
  }
}
