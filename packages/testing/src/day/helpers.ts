import type { createRandom } from '@threadline/core';
import type { InsightsStream } from '@threadline/insights';
import { type AgentProfile, asTopic, type buildTaxonomy, type SimChannel } from '../center/config.js';
import type { TextSource, Topic } from '../center/text.js';
import { type Arrival, HOURLY_CURVE } from '../center/traffic.js';
import type { DayResult, InteractionRecord } from './types.js';

const HOUR = 3_600_000;

/**
 * Gives the spike detector the history a running contact center would have: the four previous
 * weeks, drawn from the forecast curve and the classifier's topic mix (with
 * Poisson noise). Without it, the morning ramp of the first day would look like a spike.
 */
export function warmSpikeBaseline(
  insights: InsightsStream,
  taxonomy: ReturnType<typeof buildTaxonomy>,
  text: TextSource,
  interactions: number,
  openAt: number,
  rng: ReturnType<typeof createRandom>,
): void {
  const truthShare: Record<Topic, number> = {
    disruptions: 0.25,
    baggage: 0.2,
    booking: 0.2,
    service: 0.15,
    general: 0.2,
  };
  const detectedShare = new Map<string, number>();
  for (const [truth, share] of Object.entries(truthShare) as [Topic, number][]) {
    // Every fourth utterance is plenty to estimate the mix.
    const pool = text.byTopic[truth].filter((_, i) => i % 4 === 0);
    for (const u of pool) {
      const label = asTopic(taxonomy.predict(u.text).label);
      detectedShare.set(label, (detectedShare.get(label) ?? 0) + share / pool.length);
    }
  }
  const weights: number[] = [];
  for (let s = 0; s < HOURLY_CURVE.length * 4; s++) {
    const h = s / 4;
    const i = Math.floor(h);
    const a = HOURLY_CURVE[i] as number;
    const b = HOURLY_CURVE[Math.min(i + 1, HOURLY_CURVE.length - 1)] as number;
    weights.push(a + (b - a) * (h - i));
  }
  const total = weights.reduce((x, y) => x + y, 0);
  const detector = insights.spikeDetector;
  // Four weeks of history, Monday to Saturday (the center is closed on Sundays).
  for (let daysAgo = 28; daysAgo >= 1; daysAgo--) {
    const day = openAt - daysAgo * 24 * HOUR;
    if (new Date(day - 4 * HOUR).getUTCDay() === 0) continue;
    weights.forEach((w, s) => {
      for (const [topic, share] of detectedShare) {
        const mu = (interactions * w * share) / total;
        // Normal approximation of a Poisson draw (Box–Muller).
        const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
        const count = Math.max(0, Math.round(mu + Math.sqrt(mu) * z));
        if (count > 0) detector.observe(topic, day + s * 15 * 60_000 + 60_000, count);
      }
    });
  }
}

export function loadWeight(p: AgentProfile, channel: SimChannel): number {
  const cap = p.worker.capacity[channel];
  return typeof cap === 'object' ? (cap.weight ?? 1) : 1;
}

/** What the agent says; better agents greet, verify, empathise and close more reliably. */
export function agentWords(p: AgentProfile, a: Arrival, r: InteractionRecord): string {
  const q = p.quality;
  // A deterministic per-contact draw from the contact's own numbers.
  const u = (k: number) => (((a.handleMs * 31 + a.ringMs * 17 + k * 7919) % 1000) / 1000) as number;
  const parts: string[] = [];
  if (u(1) < q) parts.push(`Hello, my name is ${p.worker.id}.`);
  if (u(2) < q) parts.push('Can you verify your booking reference for me?');
  if (r.sentimentLabel === 'negative' && u(3) < q) parts.push('I understand how frustrating this is.');
  parts.push(`I have taken care of your ${r.topicDetected} request.`);
  if (u(4) < q) parts.push('Is there anything else I can help you with? Have a great day.');
  return parts.join(' ');
}

/** Hours of the day (local) that the report tables use. */
export function hoursOf(day: Pick<DayResult, 'openAt' | 'closeAt'>): number[] {
  const out: number[] = [];
  for (let t = day.openAt; t < day.closeAt; t += HOUR) out.push(t);
  return out;
}
