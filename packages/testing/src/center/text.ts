// The customers' words: the topics of the simulated airline contact center and text generated
// from templates. A host may pass its own `TextSource` (its own transcripts) to `simulateDay`.
import type { Random } from '@threadline/core';

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
  /** `'generated'` for {@link generateText}; anything else names where the host's text came from (e.g. `'airline'`). */
  kind: string;
  /** Where the data came from (a file path, or a short note). */
  origin: string;
  byTopic: Record<Topic, Utterance[]>;
}

function emptyByTopic(): Record<Topic, Utterance[]> {
  return { disruptions: [], baggage: [], booking: [], service: [], general: [] };
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

/** Generates `perTopic` utterances per topic from templates (the default text of a simulated day). */
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
  return { kind: 'generated', origin: 'generated from templates', byTopic };
}
