import { type ConversationMessage, normalizeMessages, type Speaker } from './messages.js';
import { analyzeSentiment, type SentimentLabel, type SentimentOptions } from './sentiment.js';

/** Sentiment of one message inside a conversation. */
export interface MessageSentiment {
  readonly index: number;
  readonly speaker: Speaker;
  readonly score: number;
  readonly label: SentimentLabel;
  readonly noEvidence: boolean;
}

/** Trajectory of one side (customer or agent) of a conversation. */
export interface SpeakerTrajectory {
  /** Messages by this speaker that carried sentiment evidence. */
  readonly messages: number;
  /** Mean score of the first evidence-bearing messages (up to two), or 0 with none. */
  readonly start: number;
  /** Mean score of the last evidence-bearing messages (up to two), or 0 with none. */
  readonly end: number;
  readonly mean: number;
  /** Least-squares slope of score per evidence-bearing message. */
  readonly slope: number;
  readonly min: number;
  readonly max: number;
}

/** Where the customer's sentiment turned. */
export interface TurningPoint {
  /** Index (in the input) of the first customer message after the turn. */
  readonly index: number;
  /** Mean customer score before and after the turn. */
  readonly before: number;
  readonly after: number;
}

/** How the customer's sentiment moved over the conversation. */
export type ConversationOutcome =
  | 'recovered'
  | 'deteriorated'
  | 'improved'
  | 'worsened'
  | 'stable'
  | 'no-signal';

/** The result of {@link analyzeConversation}. */
export interface ConversationSentiment {
  readonly messages: readonly MessageSentiment[];
  readonly customer: SpeakerTrajectory;
  readonly agent: SpeakerTrajectory;
  readonly turningPoint: TurningPoint | null;
  readonly outcome: ConversationOutcome;
  /** True when the customer started negative and ended neutral or positive. */
  readonly recovered: boolean;
  /** True when the customer started neutral or positive and ended negative. */
  readonly deteriorated: boolean;
}

/** Options for {@link analyzeConversation}. */
export interface AnalyzeConversationOptions {
  /** Passed to {@link analyzeSentiment} for every message. */
  readonly sentiment?: SentimentOptions;
  /** Smallest change of mean customer score that counts as a move. Default 0.25. */
  readonly minShift?: number;
}

const NEUTRAL = 0.15;

function trajectory(scores: readonly number[]): SpeakerTrajectory {
  const n = scores.length;
  if (n === 0) return { messages: 0, start: 0, end: 0, mean: 0, slope: 0, min: 0, max: 0 };
  const head = scores.slice(0, Math.min(2, n));
  const tail = scores.slice(Math.max(0, n - 2));
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  const mx = (n - 1) / 2;
  scores.forEach((s, i) => {
    sxy += (i - mx) * (s - mean);
    sxx += (i - mx) * (i - mx);
  });
  return {
    messages: n,
    start: head.reduce((a, b) => a + b, 0) / head.length,
    end: tail.reduce((a, b) => a + b, 0) / tail.length,
    mean,
    slope: sxx === 0 ? 0 : sxy / sxx,
    min: Math.min(...scores),
    max: Math.max(...scores),
  };
}

/**
 * Speaker-aware sentiment trajectory of a conversation: per-message sentiment, the customer's and
 * the agent's start, end, mean and slope, the customer's turning point (the split that maximises
 * the change of mean score) and whether the customer recovered or deteriorated.
 *
 * @example
 * ```ts
 * const c = analyzeConversation([
 *   { speaker: 'customer', text: 'Third time calling, still not fixed!' },
 *   { speaker: 'agent', text: 'I am sorry, let me fix that now.' },
 *   { speaker: 'customer', text: 'It works now, thank you so much!' },
 * ]);
 * c.outcome; // 'recovered'
 * c.turningPoint?.index; // 2
 * ```
 */
export function analyzeConversation(
  messages: readonly ConversationMessage[],
  options: AnalyzeConversationOptions = {},
): ConversationSentiment {
  const msgs = normalizeMessages(messages);
  const minShift = options.minShift ?? 0.25;
  const perMessage: MessageSentiment[] = msgs.map((m) => {
    const r = analyzeSentiment(m.text, options.sentiment);
    return { index: m.index, speaker: m.speaker, score: r.score, label: r.label, noEvidence: r.noEvidence };
  });
  const customerMsgs = perMessage.filter((m) => m.speaker === 'customer' && !m.noEvidence);
  const agentMsgs = perMessage.filter((m) => m.speaker === 'agent' && !m.noEvidence);
  const customer = trajectory(customerMsgs.map((m) => m.score));
  const agent = trajectory(agentMsgs.map((m) => m.score));

  let turningPoint: TurningPoint | null = null;
  if (customerMsgs.length >= 2) {
    const scores = customerMsgs.map((m) => m.score);
    const total = scores.reduce((a, b) => a + b, 0);
    let prefix = 0;
    let bestGap = 0;
    for (let k = 1; k < scores.length; k++) {
      prefix += scores[k - 1] as number;
      const before = prefix / k;
      const after = (total - prefix) / (scores.length - k);
      if (Math.abs(after - before) > Math.abs(bestGap) + 1e-12) {
        bestGap = after - before;
        turningPoint = { index: (customerMsgs[k] as MessageSentiment).index, before, after };
      }
    }
    if (turningPoint && Math.abs(bestGap) < minShift) turningPoint = null;
  }

  let outcome: ConversationOutcome = 'stable';
  if (customer.messages === 0) outcome = 'no-signal';
  else if (customer.messages >= 2) {
    const shift = customer.end - customer.start;
    if (customer.start <= -NEUTRAL && customer.end > -NEUTRAL && shift >= minShift) outcome = 'recovered';
    else if (customer.start > -NEUTRAL && customer.end <= -NEUTRAL && -shift >= minShift)
      outcome = 'deteriorated';
    else if (shift >= minShift) outcome = 'improved';
    else if (-shift >= minShift) outcome = 'worsened';
  }
  return {
    messages: perMessage,
    customer,
    agent,
    turningPoint,
    outcome,
    recovered: outcome === 'recovered',
    deteriorated: outcome === 'deteriorated',
  };
}
