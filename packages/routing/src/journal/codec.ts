import { ThreadlineError } from '@threadline/core';
import { JOURNAL_OPS, type JournalBatch, type JournalEntry, type JournalOp } from './entry.js';

/** `payload.v` of a batch in the compact encoding; a batch without `v` holds `entries` (format 1). */
export const JOURNAL_BATCH_FORMAT = 2;

/**
 * One command in a compact batch: `[op, dt, args]` or `[op, dt, args, ids]`, where `op` is the
 * command's index in {@link JOURNAL_OPS} (that list only ever grows at its end), `dt` the engine's
 * time when it ran minus the batch's `at`, `args` its arguments as JSON and `ids` the injected
 * ids it used (`[prefix, id]`, in order). Only inputs: the customer a command touched is derived
 * (erasure matches the batch by its `customerIds`).
 */
export type CompactJournalEntry =
  | [op: number, dt: number, args: unknown[]]
  | [op: number, dt: number, args: unknown[], ids: Array<[string, string]>];

/**
 * A group-committed batch in the compact encoding (format 2), the payload of a
 * `routing_journal.batch_recorded` event written by this version: positional entries, instants
 * relative to `at`, and the distinct customers its commands touched.
 */
export interface CompactJournalBatch {
  v: typeof JOURNAL_BATCH_FORMAT;
  /** Number of `ops[0]` among every command the journal holds (1-based). */
  first: number;
  /** The engine's time at the batch's first command (epoch ms). */
  at: number;
  ops: CompactJournalEntry[];
  /** Distinct `customerId`s of the commands, sorted. */
  customerIds: string[];
}

/** The payload of a `routing_journal.batch_recorded` event, in either format. */
export type JournalBatchPayload = JournalBatch | CompactJournalBatch;

const OP_INDEX: ReadonlyMap<string, number> = new Map(JOURNAL_OPS.map((op, i) => [op, i]));

/** Encodes a batch's entries compactly (format 2). */
export function encodeJournalBatch(
  first: number,
  entries: readonly JournalEntry[],
  customerIds: string[],
): CompactJournalBatch {
  const at = entries.length === 0 ? 0 : (entries[0] as JournalEntry).at;
  const ops = new Array<CompactJournalEntry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as JournalEntry;
    const op = OP_INDEX.get(e.op) as number;
    ops[i] = e.ids === undefined ? [op, e.at - at, e.args] : [op, e.at - at, e.args, e.ids];
  }
  return { v: JOURNAL_BATCH_FORMAT, first, at, ops, customerIds };
}

function bad(path: (string | number)[], message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid routing journal batch at ${path.join('.')}: ${message}`, {
    issues: [{ path, message, code: 'invalid' }],
  });
}

/**
 * The commands of a batch payload of either format, in order (a compact entry comes back
 * without `customerId`, which format 2 does not store). A malformed payload is a `VALIDATION`
 * error naming the path of the bad field (under `payload`).
 */
export function decodeJournalBatch(payload: JournalBatchPayload): JournalEntry[] {
  const p = payload as Partial<CompactJournalBatch> & Partial<JournalBatch> & { v?: unknown };
  if (p.v === undefined) {
    if (!Array.isArray(p.entries)) throw bad(['payload', 'entries'], 'expected an array');
    return p.entries;
  }
  if (p.v !== JOURNAL_BATCH_FORMAT)
    throw bad(['payload', 'v'], `unknown format ${JSON.stringify(p.v)} (this version reads 1 and 2)`);
  if (typeof p.at !== 'number' || !Number.isFinite(p.at)) throw bad(['payload', 'at'], 'expected a number');
  if (!Array.isArray(p.ops)) throw bad(['payload', 'ops'], 'expected an array');
  const at = p.at;
  const out = new Array<JournalEntry>(p.ops.length);
  for (let i = 0; i < p.ops.length; i++) {
    const e = p.ops[i] as unknown;
    if (!Array.isArray(e) || e.length < 3 || e.length > 4)
      throw bad(['payload', 'ops', i], 'expected [op, dt, args, ids?]');
    const op = JOURNAL_OPS[e[0] as number];
    if (op === undefined || !Number.isInteger(e[0])) throw bad(['payload', 'ops', i, 0], 'unknown command');
    if (typeof e[1] !== 'number' || !Number.isFinite(e[1]))
      throw bad(['payload', 'ops', i, 1], 'expected a number');
    if (!Array.isArray(e[2])) throw bad(['payload', 'ops', i, 2], 'expected an array');
    const entry: JournalEntry = { op: op as JournalOp, args: e[2], at: at + e[1] };
    if (e.length === 4) {
      if (!Array.isArray(e[3])) throw bad(['payload', 'ops', i, 3], 'expected an array of [prefix, id]');
      entry.ids = e[3] as Array<[string, string]>;
    }
    out[i] = entry;
  }
  return out;
}
