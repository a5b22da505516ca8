// Hand checks of the handoff packet's common shape, with the rules of its zod schemas
// (`HandoffPacketSchema`, `TranscriptEntrySchema`). Each returns what zod would output — new
// objects in the schema's key order, defaults filled in, unknown-typed values (`context`'s) shared
// as zod shares them — or `undefined` when the input is not that simple, and the caller then
// lets zod decide and explain with the field's path. A property test compares both.
import { CHANNELS } from '../schemas/channel.js';
import { AUTHOR_KINDS } from '../schemas/message.js';
import { inUnit, isId, isInt, isPlain, list, NO, type Obj, onlyKeys, optional, text } from './plainCheck.js';

const WHITESPACE = /\s/;
const PARTY_KINDS: ReadonlySet<unknown> = new Set(['bot', 'agent', 'queue', 'team', 'system']);
const AUTHORS: ReadonlySet<unknown> = new Set(AUTHOR_KINDS);
const CHANNEL_NAMES: ReadonlySet<unknown> = new Set(CHANNELS);
const SENTIMENT_LABELS: ReadonlySet<unknown> = new Set(['negative', 'neutral', 'positive', 'mixed']);
const TRENDS: ReadonlySet<unknown> = new Set(['improving', 'stable', 'worsening']);
const SLA_STATES: ReadonlySet<unknown> = new Set([
  'active',
  'paused',
  'at_risk',
  'achieved',
  'breached',
  'canceled',
]);

const PARTY_KEYS: ReadonlySet<string> = new Set(['kind', 'id', 'name']);
function party(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, PARTY_KEYS) || !PARTY_KINDS.has(v.kind)) return NO;
  const out: Obj = { kind: v.kind };
  return optional(out, v, ['id', 'name'], (k, x) => (k === 'id' ? isId(x) : text(x, 0, 500))) ? out : NO;
}

const AUTHOR_KEYS: ReadonlySet<string> = new Set(['kind', 'id']);
const ENTRY_KEYS: ReadonlySet<string> = new Set(['messageId', 'author', 'body', 'at']);

/** One transcript entry as `TranscriptEntrySchema` outputs it, or `undefined`. */
export function plainTranscriptEntry(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, ENTRY_KEYS)) return undefined;
  const a = v.author;
  if (!isPlain(a) || !onlyKeys(a, AUTHOR_KEYS) || !AUTHORS.has(a.kind)) return undefined;
  const author: Obj = { kind: a.kind };
  if ('id' in a) {
    if (a.id !== undefined && !isId(a.id)) return undefined;
    author.id = a.id;
  }
  if (!text(v.body, 0, 100_000) || !isInt(v.at)) return undefined;
  const out: Obj = {};
  if ('messageId' in v) {
    if (v.messageId !== undefined && !isId(v.messageId)) return undefined;
    out.messageId = v.messageId;
  }
  out.author = author;
  out.body = v.body;
  out.at = v.at;
  return out;
}

/** A transcript (`z.array(TranscriptEntrySchema)`) as zod outputs it, or `undefined`. */
export function plainTranscript(v: unknown): Obj[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Obj[] = [];
  for (let i = 0; i < v.length; i++) {
    const entry = plainTranscriptEntry(v[i]);
    if (entry === undefined) return undefined;
    out.push(entry);
  }
  return out;
}

const REASON_KEYS: ReadonlySet<string> = new Set(['code', 'note']);
const REASON_CODES: ReadonlySet<unknown> = new Set([
  'low_confidence',
  'customer_request',
  'negative_sentiment',
  'timeout',
  'escalation',
  'transfer',
  'skill_mismatch',
  'end_of_shift',
  'return_to_bot',
  'other',
]);
function reason(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, REASON_KEYS) || !REASON_CODES.has(v.code)) return NO;
  const out: Obj = { code: v.code };
  return optional(out, v, ['note'], (_, x) => text(x, 0, 2000)) ? out : NO;
}

const INTENT_KEYS: ReadonlySet<string> = new Set(['name', 'confidence']);
function intent(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, INTENT_KEYS) || !text(v.name, 1, 200) || !inUnit(v.confidence, 0))
    return NO;
  return { name: v.name, confidence: v.confidence };
}

const SENTIMENT_KEYS: ReadonlySet<string> = new Set(['label', 'score', 'trend']);
function sentiment(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, SENTIMENT_KEYS) || !SENTIMENT_LABELS.has(v.label) || !inUnit(v.score, -1))
    return NO;
  const out: Obj = { label: v.label, score: v.score };
  return optional(out, v, ['trend'], (_, x) => TRENDS.has(x)) ? out : NO;
}

const SKILL_KEYS: ReadonlySet<string> = new Set(['name', 'minLevel']);
function skill(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, SKILL_KEYS) || !text(v.name, 1, 200)) return NO;
  const out: Obj = { name: v.name };
  return optional(out, v, ['minLevel'], (_, x) => isInt(x) && (x as number) >= 0 && (x as number) <= 10)
    ? out
    : NO;
}

const TARGET_KEYS: ReadonlySet<string> = new Set(['skills', 'queueId', 'teamId', 'agentId', 'priority']);
function target(v: unknown): Obj | typeof NO {
  if (v === undefined) return { skills: [] };
  if (!isPlain(v) || !onlyKeys(v, TARGET_KEYS)) return NO;
  const skills = v.skills === undefined ? [] : list(v.skills, skill);
  if (skills === NO) return NO;
  const out: Obj = { skills };
  return optional(out, v, ['queueId', 'teamId', 'agentId', 'priority'], (k, x) =>
    k === 'priority' ? isInt(x) : isId(x),
  )
    ? out
    : NO;
}

const CLOCK_KEYS: ReadonlySet<string> = new Set(['metric', 'state', 'dueAt', 'remainingMs', 'pausedMs']);
function slaClock(v: unknown): Obj | typeof NO {
  if (!isPlain(v) || !onlyKeys(v, CLOCK_KEYS) || !text(v.metric, 1, 100) || !SLA_STATES.has(v.state))
    return NO;
  const out: Obj = { metric: v.metric, state: v.state };
  return optional(out, v, ['dueAt', 'remainingMs', 'pausedMs'], (k, x) =>
    k === 'pausedMs' ? isInt(x) && (x as number) >= 0 : isInt(x),
  )
    ? out
    : NO;
}

const IDENTITY_KEYS: ReadonlySet<string> = new Set(['confidence', 'verified', 'evidence']);
function identity(v: unknown): Obj | typeof NO {
  if (
    !isPlain(v) ||
    !onlyKeys(v, IDENTITY_KEYS) ||
    !inUnit(v.confidence, 0) ||
    typeof v.verified !== 'boolean'
  )
    return NO;
  const evidence = v.evidence === undefined ? [] : list(v.evidence, (x) => (text(x, 1, Infinity) ? x : NO));
  if (evidence === NO) return NO;
  return { confidence: v.confidence, verified: v.verified, evidence };
}

/** `AttributesSchema`'s output (a shallow copy of the own enumerable string keys), or `NO`. */
function attributes(v: unknown): Obj | typeof NO {
  if (v === undefined) return {};
  if (!isPlain(v) || Object.getOwnPropertySymbols(v).length > 0) return NO;
  const out: Obj = {};
  for (const key of Object.keys(v)) {
    if (key === '__proto__') return NO;
    out[key] = v[key];
  }
  return out;
}

const PACKET_KEYS: ReadonlySet<string> = new Set([
  'id',
  'tenantId',
  'conversationId',
  'customerId',
  'channel',
  'createdAt',
  'from',
  'to',
  'reason',
  'transcript',
  'summary',
  'intent',
  'sentiment',
  'target',
  'sla',
  'identity',
  'context',
]);

/**
 * A handoff packet as `HandoffPacketSchema` outputs it, when `v` is a plain packet every field of
 * which passes the schema's rules; `undefined` otherwise (zod then decides).
 */
export function plainHandoffPacket(v: unknown): Obj | undefined {
  if (!isPlain(v) || !onlyKeys(v, PACKET_KEYS)) return undefined;
  const t = v.tenantId;
  if (
    !isId(v.id) ||
    !text(t, 1, 200) ||
    WHITESPACE.test(t) ||
    !isId(v.conversationId) ||
    !isId(v.customerId) ||
    !isInt(v.createdAt)
  )
    return undefined;
  const out: Obj = { id: v.id, tenantId: t, conversationId: v.conversationId, customerId: v.customerId };
  if ('channel' in v) {
    if (v.channel !== undefined && !CHANNEL_NAMES.has(v.channel)) return undefined;
    out.channel = v.channel;
  }
  out.createdAt = v.createdAt;
  const from = party(v.from);
  const to = party(v.to);
  const why = reason(v.reason);
  const transcript = list(v.transcript, (x) => plainTranscriptEntry(x) ?? NO, 500);
  if (from === NO || to === NO || why === NO || transcript === NO) return undefined;
  out.from = from;
  out.to = to;
  out.reason = why;
  out.transcript = transcript;
  if ('summary' in v) {
    if (v.summary !== undefined && !text(v.summary, 0, 5000)) return undefined;
    out.summary = v.summary;
  }
  for (const [key, check] of [
    ['intent', intent],
    ['sentiment', sentiment],
  ] as const) {
    if (!(key in v)) continue;
    const x = v[key] === undefined ? undefined : check(v[key]);
    if (x === NO) return undefined;
    out[key] = x;
  }
  const aim = target(v.target);
  const sla = v.sla === undefined ? [] : list(v.sla, slaClock);
  const who = identity(v.identity);
  const context = attributes(v.context);
  if (aim === NO || sla === NO || who === NO || context === NO) return undefined;
  out.target = aim;
  out.sla = sla;
  out.identity = who;
  out.context = context;
  return out;
}
