import {
  createRedactor,
  parseInput,
  type RedactOptions,
  type Redactor,
  redact,
  validationError,
} from '@threadline/core';
import { z } from 'zod';
import {
  type ConversationMessage,
  type NormalizedMessage,
  normalizeMessages,
  type Speaker,
} from '../text/messages.js';
import { createPhraseMatcher, type PhraseMatcher } from '../text/phraseMatcher.js';
import { DEFAULT_QA_PHRASES, QA_CHECKS, type QaCheckName } from './checks.js';

/** A span of a conversation that backs a QA finding. */
export interface QaEvidence {
  /** Index of the message in the input. */
  readonly messageIndex: number;
  readonly speaker: Speaker;
  /** UTF-16 span inside that message's text (end exclusive). */
  readonly start: number;
  readonly end: number;
  /** The matched text as written. */
  readonly text: string;
  /** The configured phrase (or PII kind) that matched. */
  readonly phrase: string;
}

/** The outcome of one QA check. */
export interface QaCheckResult {
  readonly passed: boolean;
  readonly evidence: readonly QaEvidence[];
}

/** The outcome of one compliance rule. */
export interface QaComplianceResult extends QaCheckResult {
  readonly mode: 'required' | 'forbidden';
}

/** One waiting period of the customer: from their first unanswered message to the next reply. */
export interface QaResponse {
  readonly customerIndex: number;
  readonly replyIndex: number;
  readonly ms: number;
}

/** Response-time metrics (milliseconds); `null` when timestamps are missing or nothing was answered. */
export interface QaResponseTimes {
  readonly firstResponseMs: number | null;
  readonly averageResponseMs: number | null;
  readonly medianResponseMs: number | null;
  readonly maxResponseMs: number | null;
  readonly responses: readonly QaResponse[];
  /** Customer messages never followed by a reply. */
  readonly unanswered: number;
  /** Responses slower than `responseTargetMs` (0 without a target). */
  readonly overTarget: number;
}

/** A piece of personal data found in a message (the value itself is never copied). */
export interface QaPiiLeak {
  readonly messageIndex: number;
  readonly speaker: Speaker;
  /** `email`, `phone`, `payment_card`, `iban`, `custom` (core redaction) or a custom detector's kind. */
  readonly kind: string;
  readonly start: number;
  readonly end: number;
  /** Name of the custom redaction pattern, for `kind: 'custom'`. */
  readonly pattern?: string;
}

/** A PII detector: returns the spans of personal data in a text. */
export type PiiDetector = (
  text: string,
) => readonly { kind: string; start: number; end: number; pattern?: string }[];

/** The result of {@link analyzeQa}. */
export interface QaSignals {
  readonly responseTimes: QaResponseTimes;
  readonly checks: Readonly<Record<QaCheckName, QaCheckResult>>;
  readonly compliance: Readonly<Record<string, QaComplianceResult>>;
  readonly piiLeaks: readonly QaPiiLeak[];
  readonly agentMessages: number;
  readonly customerMessages: number;
}

const PhraseListSchema = z.array(z.string().min(1).max(300));

/** Zod schema for the serialisable part of {@link AnalyzeQaOptions}. */
export const QaOptionsSchema = z
  .object({
    /** Speakers whose messages are checked and count as replies. Default `['agent']`. */
    agentSpeakers: z
      .array(z.enum(['agent', 'bot', 'system']))
      .min(1)
      .default(['agent']),
    /** Replace the phrase list of a built-in check. */
    phrases: z
      .object({
        greeting: PhraseListSchema.optional(),
        closing: PhraseListSchema.optional(),
        empathy: PhraseListSchema.optional(),
        apology: PhraseListSchema.optional(),
        verification: PhraseListSchema.optional(),
      })
      .strict()
      .default({}),
    /** The greeting must appear in the first N agent messages. Default 2. */
    greetingWithin: z.number().int().min(1).default(2),
    /** The closing must appear in the last N agent messages. Default 2. */
    closingWithin: z.number().int().min(1).default(2),
    /** Compliance rules: phrases the agent must say (`required`) or must not say (`forbidden`). */
    compliance: z
      .array(
        z
          .object({
            id: z.string().min(1).max(200),
            mode: z.enum(['required', 'forbidden']),
            phrases: PhraseListSchema.min(1),
          })
          .strict(),
      )
      .default([]),
    /** Responses slower than this count in `overTarget`. */
    responseTargetMs: z.number().positive().optional(),
    /** Speakers whose messages are scanned for PII. Default `['agent', 'bot']`. */
    piiSpeakers: z.array(z.enum(['customer', 'agent', 'bot', 'system'])).default(['agent', 'bot']),
  })
  .strict();

/** Options for {@link analyzeQa}. */
export type AnalyzeQaOptions = z.input<typeof QaOptionsSchema> & {
  /**
   * PII detection with core's `redact`: `undefined` (default) runs every built-in detector
   * (email, phone, payment card, IBAN); a `RedactOptions` object picks detectors and adds custom
   * patterns; `false` turns PII detection off.
   */
  readonly pii?: RedactOptions | false;
  /** Replaces core's redaction with your own detector (e.g. an NER service's spans). */
  readonly piiDetector?: PiiDetector;
};

// Core's redactor as a detector: spans only, never the values. Options are compiled (and
// validated) up front, so bad redaction options fail even for an empty conversation.
const compiledRedactors = new WeakMap<object, Redactor>();
function redactionDetector(options: RedactOptions | undefined): PiiDetector {
  if (options === undefined) return (text) => redact(text).spans;
  let r = compiledRedactors.get(options);
  if (!r) {
    r = createRedactor(options);
    compiledRedactors.set(options, r);
  }
  const redactor = r;
  return (text) => redactor.detect(text);
}

const matcherCache = new Map<string, PhraseMatcher>();
function matcherFor(phrases: readonly string[]): PhraseMatcher {
  const key = phrases.join('\u0000');
  let m = matcherCache.get(key);
  if (!m) {
    m = createPhraseMatcher(phrases);
    if (matcherCache.size > 256) matcherCache.clear();
    matcherCache.set(key, m);
  }
  return m;
}

function evidenceIn(msgs: readonly NormalizedMessage[], matcher: PhraseMatcher): QaEvidence[] {
  const out: QaEvidence[] = [];
  for (const m of msgs) {
    for (const hit of matcher.find(m.text)) {
      out.push({
        messageIndex: m.index,
        speaker: m.speaker,
        start: hit.start,
        end: hit.end,
        text: m.text.slice(hit.start, hit.end),
        phrase: hit.phrase,
      });
    }
  }
  return out;
}

function responseTimes(
  msgs: readonly NormalizedMessage[],
  isAgent: (s: Speaker) => boolean,
  targetMs: number | undefined,
): QaResponseTimes {
  const responses: QaResponse[] = [];
  let waitingSince: NormalizedMessage | undefined;
  let unanswered = 0;
  let timed = true;
  for (const m of msgs) {
    if (m.speaker === 'customer') {
      if (!waitingSince) waitingSince = m;
    } else if (isAgent(m.speaker) && waitingSince) {
      if (m.at === undefined || waitingSince.at === undefined) timed = false;
      else
        responses.push({
          customerIndex: waitingSince.index,
          replyIndex: m.index,
          ms: m.at - waitingSince.at,
        });
      waitingSince = undefined;
    }
  }
  if (waitingSince)
    unanswered = msgs.filter((m) => m.speaker === 'customer' && m.index >= waitingSince.index).length;
  if (!timed || responses.length === 0) {
    return {
      firstResponseMs: null,
      averageResponseMs: null,
      medianResponseMs: null,
      maxResponseMs: null,
      responses: timed ? responses : [],
      unanswered,
      overTarget: 0,
    };
  }
  const sorted = responses.map((r) => r.ms).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    firstResponseMs: (responses[0] as QaResponse).ms,
    averageResponseMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    medianResponseMs:
      sorted.length % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2,
    maxResponseMs: sorted[sorted.length - 1] as number,
    responses,
    unanswered,
    overTarget: targetMs === undefined ? 0 : sorted.filter((ms) => ms > targetMs).length,
  };
}

/**
 * QA signals for one conversation: response times, greeting / closing / empathy / apology /
 * identity-verification checks and compliance phrases with evidence spans, and PII leaks (personal
 * data in agent or bot messages) found with core's `redact`. Feed the result to {@link scoreQaRubric} for a weighted scorecard.
 *
 * @example
 * ```ts
 * const qa = analyzeQa(
 *   [
 *     { speaker: 'customer', text: 'My router keeps dropping.', at: 0 },
 *     { speaker: 'agent', text: 'Hi, I am sorry to hear that. Can you confirm your date of birth?', at: 45_000 },
 *   ],
 *   { compliance: [{ id: 'recording', mode: 'required', phrases: ['call is recorded'] }] },
 * );
 * qa.checks.apology.passed; // true
 * qa.responseTimes.firstResponseMs; // 45000
 * qa.compliance['recording']?.passed; // false
 * ```
 */
export function analyzeQa(
  messages: readonly ConversationMessage[],
  options: AnalyzeQaOptions = {},
): QaSignals {
  const { piiDetector, pii, ...rest } = options;
  const opts = parseInput(QaOptionsSchema, rest, 'QA options');
  if (piiDetector !== undefined && typeof piiDetector !== 'function') {
    throw validationError('QA options', [
      { path: ['piiDetector'], message: 'expected a function', code: 'invalid_type' },
    ]);
  }
  const msgs = normalizeMessages(messages);
  const agentSet = new Set<Speaker>(opts.agentSpeakers);
  const isAgent = (s: Speaker): boolean => agentSet.has(s);
  const agentMsgs = msgs.filter((m) => isAgent(m.speaker));

  const checks = {} as Record<QaCheckName, QaCheckResult>;
  for (const name of QA_CHECKS) {
    const phrases = opts.phrases[name] ?? DEFAULT_QA_PHRASES[name];
    let scope = agentMsgs;
    if (name === 'greeting') scope = agentMsgs.slice(0, opts.greetingWithin);
    if (name === 'closing') scope = agentMsgs.slice(Math.max(0, agentMsgs.length - opts.closingWithin));
    const evidence = evidenceIn(scope, matcherFor(phrases));
    checks[name] = { passed: evidence.length > 0, evidence };
  }

  const compliance: Record<string, QaComplianceResult> = {};
  for (const rule of opts.compliance) {
    const evidence = evidenceIn(agentMsgs, matcherFor(rule.phrases));
    compliance[rule.id] = {
      mode: rule.mode,
      passed: rule.mode === 'required' ? evidence.length > 0 : evidence.length === 0,
      evidence,
    };
  }

  if (pii !== undefined && pii !== false && (typeof pii !== 'object' || pii === null)) {
    throw validationError('QA options', [
      { path: ['pii'], message: 'expected redaction options or false', code: 'invalid_type' },
    ]);
  }
  const detector = piiDetector ?? (pii === false ? undefined : redactionDetector(pii));
  const piiLeaks: QaPiiLeak[] = [];
  if (detector) {
    const scan = new Set<Speaker>(opts.piiSpeakers);
    for (const m of msgs) {
      if (!scan.has(m.speaker)) continue;
      for (const f of detector(m.text)) {
        const leak: QaPiiLeak = {
          messageIndex: m.index,
          speaker: m.speaker,
          kind: f.kind,
          start: f.start,
          end: f.end,
        };
        piiLeaks.push(f.pattern === undefined ? leak : { ...leak, pattern: f.pattern });
      }
    }
  }

  return {
    responseTimes: responseTimes(msgs, isAgent, opts.responseTargetMs),
    checks,
    compliance,
    piiLeaks,
    agentMessages: agentMsgs.length,
    customerMessages: msgs.filter((m) => m.speaker === 'customer').length,
  };
}
