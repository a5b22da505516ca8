// The demo's command line: `node:util.parseArgs` in strict mode, so an unknown or malformed option
// is an error with the usage, never silently ignored.
import { parseArgs } from 'node:util';
import { isKnownTimeZone, isThreadlineError } from '@threadline/core';
import { parseStoreSpec, type StoreSpec } from '@threadline/example-quickstart/storage';
import type { DemoDayOptions } from './simulation.js';

/** The usage text `--help` prints. */
export const USAGE = `Usage: pnpm demo [options]

Simulates one contact-center day with every Threadline package wired together, prints the
end-of-day report and writes report.html (charts and drill-down tables; one file, works offline).

Options:
  --agents <n>          people and bots on the roster (integer ≥ 5; default 500)
  --interactions <n>    contacts over the day (positive integer; default 50000)
  --seed <n>            seed of every random draw (integer; default 2026)
  --date <YYYY-MM-DD>   the simulated day (default 2026-06-16)
  --time-zone <zone>    IANA zone of opening hours and shifts (default America/New_York)
  --out <dir>           folder for report.html (created when missing; default: the current folder)
  --json <file>         also write the report's data as JSON to <file> (for other tools)
  --store <spec>        where the engines keep their state: memory (default), pglite:<dir> (embedded
                        PostgreSQL in a folder) or postgres://user@host:port/db. On a durable store
                        identity, routing and cases commit every step there (a fresh schema per run)
                        and events reach the report through the outbox relay: the same day and
                        report as on memory, slower (every step waits for its commit).
  --help                show this text

Both --agents 5000 and --agents=5000 work. Progress goes to stderr: a bar on a terminal,
a line at every tenth of the day otherwise.`;

/** What the command line asked for. */
export type CliResult =
  | { help: true }
  | {
      help: false;
      options: DemoDayOptions;
      /** `--json <file>`: where to write the report data. */
      json?: string;
      /** `--out <dir>`: the folder for report.html. */
      out?: string;
      /** `--store <spec>`: where the engines keep their state (absent: memory). */
      store?: StoreSpec;
    };

/** A bad command line; its message names the option and ends with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function storeOption(raw: string | undefined): StoreSpec | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseStoreSpec(raw);
  } catch (error) {
    if (isThreadlineError(error, 'VALIDATION')) throw new UsageError(error.message);
    throw error;
  }
}

/** Parses the demo's arguments (without the node and script paths). */
export function parseCli(args: readonly string[]): CliResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        agents: { type: 'string' },
        interactions: { type: 'string' },
        seed: { type: 'string' },
        date: { type: 'string' },
        'time-zone': { type: 'string' },
        json: { type: 'string' },
        out: { type: 'string' },
        store: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { help: true };
  const options: DemoDayOptions = {};
  const agents = integer('agents', values.agents as string | undefined, 5);
  const interactions = integer('interactions', values.interactions as string | undefined, 1);
  const seed = integer('seed', values.seed as string | undefined, Number.MIN_SAFE_INTEGER);
  if (agents !== undefined) options.agents = agents;
  if (interactions !== undefined) options.interactions = interactions;
  if (seed !== undefined) options.seed = seed;
  const date = values.date as string | undefined;
  if (date !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw new UsageError(`--date must be a calendar date YYYY-MM-DD, got "${date}"`);
    options.date = date;
  }
  const zone = values['time-zone'] as string | undefined;
  if (zone !== undefined) {
    if (!isKnownTimeZone(zone)) throw new UsageError(`--time-zone must be an IANA zone, got "${zone}"`);
    options.timeZone = zone;
  }
  const json = values.json as string | undefined;
  if (json !== undefined && json.trim() === '') throw new UsageError('--json needs a file path');
  const out = values.out as string | undefined;
  if (out !== undefined && out.trim() === '') throw new UsageError('--out needs a folder');
  const store = storeOption(values.store as string | undefined);
  return {
    help: false,
    options,
    ...(json === undefined ? {} : { json }),
    ...(out === undefined ? {} : { out }),
    ...(store === undefined ? {} : { store }),
  };
}
