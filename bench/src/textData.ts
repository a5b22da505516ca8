// Loads the shared evaluation data (never copied into the repo) and the CX test set for the benchmarks.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the shared data may be: `THREADLINE_DATA_DIR`, `../shared/data` beside the repository, or one level up (worktrees). */
export function dataDirCandidates(): string[] {
  const repo = resolve(here, '../..');
  return [
    process.env['THREADLINE_DATA_DIR'],
    join(repo, '../shared/data'),
    join(repo, '../../shared/data'),
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
}

/** The first candidate folder holding airline-sentiment.csv, or `undefined`. */
export function dataDir(): string | undefined {
  return dataDirCandidates().find((d) => existsSync(join(d, 'airline-sentiment.csv')));
}

/** One row of airline-sentiment.csv. */
export interface AirlineRow {
  id: string;
  sentiment: 'negative' | 'neutral' | 'positive';
  reason: string;
  airline: string;
  text: string;
  created: string;
}

/** Reads and parses airline-sentiment.csv (exits with a message when it is missing). */
export function loadAirline(): AirlineRow[] {
  const dir = dataDir();
  if (dir === undefined) {
    console.error(
      `missing airline-sentiment.csv (looked in ${dataDirCandidates().join(', ')}): set THREADLINE_DATA_DIR to its folder`,
    );
    process.exit(1);
  }
  const file = join(dir, 'airline-sentiment.csv');
  const rows = parse(readFileSync(file, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
  const header = rows[0] ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`airline-sentiment.csv has no ${name} column`);
    return i;
  };
  const [id, sentiment, reason, airline, text, created] = [
    col('id'),
    col('sentiment'),
    col('reason'),
    col('airline'),
    col('text'),
    col('created'),
  ];
  return rows.slice(1).map((r) => ({
    id: r[id] ?? '',
    sentiment: (r[sentiment] ?? '') as AirlineRow['sentiment'],
    reason: r[reason] ?? '',
    airline: r[airline] ?? '',
    text: r[text] ?? '',
    created: r[created] ?? '',
  }));
}

/** One utterance of the package's hand-labelled CX test set. */
export interface CxRow {
  speaker: string;
  sentiment: 'negative' | 'neutral' | 'positive';
  text: string;
}

/** Reads packages/insights/test/fixtures/cx-sentiment.tsv. */
export function loadCxSet(): CxRow[] {
  const file = resolve(here, '../../packages/insights/test/fixtures/cx-sentiment.tsv');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const [speaker, sentiment, text] = l.split('\t');
      return { speaker: speaker ?? '', sentiment: (sentiment ?? '') as CxRow['sentiment'], text: text ?? '' };
    });
}
