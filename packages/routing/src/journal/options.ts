import { z } from 'zod';

/**
 * How a routing engine with `storage` journals its commands (the `journal` option of
 * `createRoutingEngine`). Every field has a default; `journal: false` turns the journal off.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, storage, journal: { engineId: 'eu-1', maxBatch: 500 } });
 * ```
 */
export interface RoutingJournalOptions {
  /**
   * Names the engine's journal stream (`routing-journal:<tenantId>:<engineId>`) and its snapshot
   * document (`routing_snapshots`, id `journal:<engineId>`). Default `'engine'`.
   */
  engineId?: string;
  /**
   * With a clock that has `setTimer` (core's `SystemClock`), the pending batch commits at most
   * this long after its first command (default 5 ms; 0 turns the timer off: only `maxBatch`
   * and `flush()` commit). A `ManualClock` has no timer: commit with `flush()`.
   */
  flushIntervalMs?: number;
  /** A batch commits as soon as it holds this many commands (default 1,000). */
  maxBatch?: number;
  /** A snapshot is written with the batch that brings the commands since the last one to this many (default 50,000). */
  snapshotEvery?: number;
}

/** Zod schema of {@link RoutingJournalOptions} (strict, with the defaults). */
export const RoutingJournalOptionsSchema = z
  .object({
    engineId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only')
      .default('engine'),
    flushIntervalMs: z.number().int().nonnegative().max(60_000).default(5),
    maxBatch: z.number().int().min(1).max(100_000).default(1_000),
    snapshotEvery: z.number().int().min(1).default(50_000),
  })
  .strict();

/** Journal options after validation. */
export type ParsedJournalOptions = z.output<typeof RoutingJournalOptionsSchema>;
