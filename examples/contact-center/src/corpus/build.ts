// Expands the demo's corpus (`phrases.ts`) into utterances, deterministically for a random source.
import type { Random } from '@threadline/core';
import { type TextSource, TOPICS, type Topic, type Utterance } from '@threadline/testing';
import { FRAMES, SLOTS, SUBJECTS, TONE_MIX } from './phrases.js';

function pick<T>(rng: Random, list: readonly T[]): T {
  return list[rng.int(list.length)] as T;
}

function fill(rng: Random, template: string): string {
  return template.replace(/\{(city|day|amount|flight|ref)\}/g, (_, slot: string) => {
    if (slot === 'flight') return `TL${100 + rng.int(900)}`;
    if (slot === 'ref') return `${'ABCDEFGHJKLMNPQRSTUVWXYZ'[rng.int(24)]}${rng.int(90_000) + 10_000}`;
    return pick(rng, SLOTS[slot as keyof typeof SLOTS]);
  });
}

/**
 * The demo's customer text: `perTopic` utterances per topic from the example's own corpus, with
 * the sentiment each was written in as ground truth.
 */
export function corpusText(rng: Random, perTopic = 600): TextSource {
  const byTopic = Object.fromEntries(TOPICS.map((t) => [t, [] as Utterance[]])) as Record<Topic, Utterance[]>;
  for (const topic of TOPICS) {
    const mix = TONE_MIX[topic];
    for (let i = 0; i < perTopic; i++) {
      const u = rng.next();
      const sentiment: Utterance['sentiment'] =
        u < mix.negative ? 'negative' : u < mix.negative + mix.neutral ? 'neutral' : 'positive';
      const subject = fill(rng, pick(rng, SUBJECTS[topic]));
      const text = fill(rng, pick(rng, FRAMES[sentiment]).replace('{s}', subject));
      byTopic[topic].push({ text: text.charAt(0).toUpperCase() + text.slice(1), topic, sentiment });
    }
  }
  return { kind: 'corpus', origin: 'examples/contact-center/src/corpus (written for the demo)', byTopic };
}
