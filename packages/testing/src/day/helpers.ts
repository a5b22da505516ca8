import type { AgentProfile, SimChannel } from '../center/config.js';
import type { Arrival } from '../center/traffic.js';
import type { DayResult, InteractionRecord } from './types.js';

const HOUR = 3_600_000;

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
