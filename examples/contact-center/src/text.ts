// Where the customers' words come from: the shared airline-service tweets when they are present
// (read at run time from ../shared/data, never copied into the repository), otherwise generated text.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Random } from '@threadline/core';
import { generateText, type TextSource, TOPICS, type Topic, type Utterance } from '@threadline/testing';
import { parse } from 'csv-parse/sync';

const REASON_TOPIC: Record<string, Topic> = {
  'Late Flight': 'disruptions',
  'Cancelled Flight': 'disruptions',
  'Lost Luggage': 'baggage',
  'Damaged Luggage': 'baggage',
  'Flight Booking Problems': 'booking',
  'Customer Service Issue': 'service',
  'Flight Attendant Complaints': 'service',
  'Bad Flight': 'service',
  longlines: 'service',
};

const here = dirname(fileURLToPath(import.meta.url));

/** Folders that may hold airline-sentiment.csv: `THREADLINE_DATA_DIR`, then `../shared/data` beside the repository (or one level up, for worktrees). */
export function dataDirCandidates(env: Record<string, string | undefined> = process.env): string[] {
  const repo = resolve(here, '../../..');
  return [env['THREADLINE_DATA_DIR'], join(repo, '../shared/data'), join(repo, '../../shared/data')].filter(
    (d): d is string => typeof d === 'string' && d.length > 0,
  );
}

/** Reads the airline file; `undefined` when it is missing or unreadable. */
export function loadAirlineText(dirs: readonly string[] = dataDirCandidates()): TextSource | undefined {
  const dir = dirs.find((d) => existsSync(join(d, 'airline-sentiment.csv')));
  if (dir === undefined) return undefined;
  const file = join(dir, 'airline-sentiment.csv');
  let rows: string[][];
  try {
    rows = parse(readFileSync(file, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
  } catch {
    return undefined;
  }
  const header = rows[0] ?? [];
  const [si, ri, ti] = [header.indexOf('sentiment'), header.indexOf('reason'), header.indexOf('text')];
  if (si < 0 || ri < 0 || ti < 0) return undefined;
  const byTopic: Record<Topic, Utterance[]> = {
    disruptions: [],
    baggage: [],
    booking: [],
    service: [],
    general: [],
  };
  for (const r of rows.slice(1)) {
    const sentiment = r[si];
    // Drop the @airline handles: the simulated customers write to "us".
    const text = (r[ti] ?? '').replace(/@\w+/g, '').replace(/\s+/g, ' ').trim();
    if (text.length < 8 || (sentiment !== 'negative' && sentiment !== 'neutral' && sentiment !== 'positive'))
      continue;
    const topic = REASON_TOPIC[r[ri] ?? ''] ?? 'general';
    byTopic[topic].push({ text, topic, sentiment });
  }
  if (TOPICS.some((t) => byTopic[t].length === 0)) return undefined;
  return { kind: 'airline', origin: file, byTopic };
}

/** The airline text when it is available (and `useSharedData` is not false), else generated text. */
export function loadText(
  rng: Random,
  options: { useSharedData?: boolean; dataDirs?: string[] } = {},
): TextSource {
  if (options.useSharedData !== false) {
    const airline = loadAirlineText(options.dataDirs ?? dataDirCandidates());
    if (airline) return airline;
  }
  return generateText(rng);
}
