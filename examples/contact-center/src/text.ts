// Where the customers' words come from: the shared airline-service tweets when they are present
// (read at run time from ../shared/data, never copied into the repository), otherwise generated text.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Random } from '@threadline/core';
import { parse } from 'csv-parse/sync';

/** The topics (and routing skills) of the simulated airline contact center. */
export const TOPICS = ['disruptions', 'baggage', 'booking', 'service', 'general'] as const;

/** One routing topic. */
export type Topic = (typeof TOPICS)[number];

/** One customer utterance with the label it came with (the simulation's ground truth). */
export interface Utterance {
  text: string;
  topic: Topic;
  sentiment: 'negative' | 'neutral' | 'positive';
}

/** Text for a simulated day, grouped by ground-truth topic. */
export interface TextSource {
  /** `'airline'` when the shared data set was read, `'generated'` otherwise. */
  kind: 'airline' | 'generated';
  /** Where the data came from (a file path, or a short note). */
  origin: string;
  byTopic: Record<Topic, Utterance[]>;
}

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

function emptyByTopic(): Record<Topic, Utterance[]> {
  return { disruptions: [], baggage: [], booking: [], service: [], general: [] };
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
  const byTopic = emptyByTopic();
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

const SUBJECTS: Record<Topic, string[]> = {
  disruptions: [
    'my flight to {city} was cancelled',
    'flight {num} is delayed again',
    'we missed the connection in {city} because of the delay',
    'the 6am departure to {city} was cancelled last minute',
  ],
  baggage: [
    'my bag never arrived in {city}',
    'my suitcase came back damaged',
    'the baggage tracking for {num} shows nothing',
    'my luggage was left behind in {city}',
  ],
  booking: [
    'I need to change my booking to {city}',
    'the website charged me twice for booking {num}',
    'I cannot select a seat on reservation {num}',
    'how do I add a bag to my booking to {city}',
  ],
  service: [
    'the crew on flight {num} was rude',
    'nobody at the desk in {city} could help',
    'the line at check-in in {city} was two hours long',
    'the seat on flight {num} was broken',
  ],
  general: [
    'what is the baggage allowance to {city}',
    'do you fly to {city} in the summer',
    'can I bring my dog on flight {num}',
    'thanks for the upgrade on flight {num}',
  ],
};

const TONES: Record<Utterance['sentiment'], string[]> = {
  negative: [
    '{s}. Third time calling and it is still not fixed!',
    '{s} and nobody answers. Terrible service.',
    '{s}. Waiting 2 hours, this is ridiculous.',
    '{s}, so frustrated. I want a refund.',
    '{s}. Worst airline ever, never again.',
  ],
  neutral: ['{s}. Can you check please?', 'Hi, {s}. What are my options?', '{s}. Reference {num}.'],
  positive: [
    '{s}, thank you so much for the quick help!',
    '{s} but the agent was great, thanks!',
    'Love the new app. {s}?',
  ],
};

const CITIES = ['Boston', 'Denver', 'Chicago', 'Miami', 'Seattle', 'Austin', 'Newark', 'Phoenix'];

/** Generates `perTopic` utterances per topic from templates (used when the shared data is missing). */
export function generateText(rng: Random, perTopic = 400): TextSource {
  const byTopic = emptyByTopic();
  for (const topic of TOPICS) {
    for (let i = 0; i < perTopic; i++) {
      const draw = rng.next();
      // Topic issues skew negative, general questions neutral, like real service traffic.
      const sentiment: Utterance['sentiment'] =
        topic === 'general'
          ? draw < 0.15
            ? 'negative'
            : draw < 0.75
              ? 'neutral'
              : 'positive'
          : draw < 0.7
            ? 'negative'
            : draw < 0.9
              ? 'neutral'
              : 'positive';
      const subjects = SUBJECTS[topic];
      const tones = TONES[sentiment];
      const fill = (s: string) =>
        s
          .replace('{city}', CITIES[rng.int(CITIES.length)] as string)
          .replace('{num}', `${100 + rng.int(900)}`);
      const subject = fill(subjects[rng.int(subjects.length)] as string);
      const text = fill((tones[rng.int(tones.length)] as string).replace('{s}', subject));
      byTopic[topic].push({ text: text.charAt(0).toUpperCase() + text.slice(1), topic, sentiment });
    }
  }
  return { kind: 'generated', origin: 'generated from templates (shared airline data not found)', byTopic };
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
