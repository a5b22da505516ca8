import { CHANNELS, parseInput } from '@threadline/core';
import type { z } from 'zod';
import {
  CASE_PRIORITIES,
  CaseStatusSchema,
  type ChangeContext,
  ChangeContextSchema,
  MESSAGE_AUTHORS,
  OpenCaseInputSchema,
  type RecordMessageInput,
  RecordMessageInputSchema,
} from '../case.js';
import { CASE_STATUSES, type CaseStatus } from '../transitions.js';

// The commands a day of traffic calls most (`transition`, `recordMessage`) check the common shape
// of their input by hand, with the rules of their zod schemas, and use it as given (they only read
// it). Anything else — an actor object, a `Date`, a bad field — goes through zod, which decides
// and explains with the field's path. Property tests compare both on mutated inputs.

const STATUSES: ReadonlySet<unknown> = new Set(CASE_STATUSES);
const AUTHORS: ReadonlySet<unknown> = new Set(MESSAGE_AUTHORS);
const PRIORITIES: ReadonlySet<unknown> = new Set(CASE_PRIORITIES);
const CHANNEL_NAMES: ReadonlySet<unknown> = new Set(CHANNELS);
const WHITESPACE = /\s/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

const isTenant = (t: unknown) =>
  t === undefined || (typeof t === 'string' && t.length >= 1 && t.length <= 200 && !WHITESPACE.test(t));

/** `{ actor, reason?, tenantId? }` with a string actor (`ChangeContextSchema`, or its partial form). */
function isPlainContext(c: unknown, actorRequired: boolean): c is ChangeContext {
  if (!isPlainObject(c)) return false;
  for (const key in c) if (key !== 'actor' && key !== 'reason' && key !== 'tenantId') return false;
  const actor = c.actor;
  if (actor === undefined ? actorRequired : typeof actor !== 'string' || actor.length === 0) return false;
  const reason = c.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 2000)) return false;
  return isTenant(c.tenantId);
}

/** The change context of a command (`ChangeContextSchema`). */
export function changeContext(context: unknown): z.output<typeof ChangeContextSchema> {
  return isPlainContext(context, true) ? context : parseInput(ChangeContextSchema, context, 'change context');
}

/** An optional, partial change context (`ChangeContextSchema.partial().strict().optional()`). */
export function optionalContext<S extends z.ZodType>(context: unknown, schema: S): z.output<S> {
  if (context === undefined || isPlainContext(context, false)) return context as z.output<S>;
  return parseInput(schema, context, 'change context');
}

/** A target status (`CaseStatusSchema`). */
export function caseStatus(status: unknown): CaseStatus {
  return STATUSES.has(status) ? (status as CaseStatus) : parseInput(CaseStatusSchema, status, 'status');
}

/** The message of `recordMessage` (`RecordMessageInputSchema`). */
export function messageInput(message: unknown): z.output<typeof RecordMessageInputSchema> {
  if (isPlainObject(message)) {
    let plain = true;
    for (const key in message)
      if (key !== 'author' && key !== 'public' && key !== 'at' && key !== 'messageId') plain = false;
    const { at, messageId } = message;
    if (
      plain &&
      AUTHORS.has(message.author) &&
      typeof message.public === 'boolean' &&
      (at === undefined || Number.isSafeInteger(at)) &&
      (messageId === undefined || (typeof messageId === 'string' && messageId.length >= 1))
    )
      return message as RecordMessageInput as z.output<typeof RecordMessageInputSchema>;
  }
  return parseInput(RecordMessageInputSchema, message, 'message');
}

const OPEN_KEYS: ReadonlySet<string> = new Set([
  'id',
  'tenantId',
  'customerId',
  'subject',
  'priority',
  'channel',
  'type',
  'team',
  'assignee',
  'attributes',
  'customer',
  'actor',
]);

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= max;
const isOptionalText = (v: unknown, max: number) => v === undefined || isText(v, max);

/**
 * A copy of a plain attributes object as `AttributesSchema` (`z.record(z.string(), z.unknown())`)
 * outputs it — a new object with the same own enumerable string keys and values — or `undefined`
 * when it is not that simple (symbol keys, a class instance …: zod decides).
 */
function attributesCopy(v: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(v) || Object.getOwnPropertySymbols(v).length > 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    // `__proto__` as an own key would become the copy's prototype through an assignment.
    if (key === '__proto__') return undefined;
    out[key] = v[key];
  }
  return out;
}

/**
 * The input of `openCase` (`OpenCaseInputSchema`). The common shape — a plain object with string
 * fields, a string actor and plain attribute objects — is checked by hand; the attribute objects
 * are copied, as zod's output copies them, since the case freezes what it keeps and the caller's
 * objects stay theirs. Anything else goes through zod.
 */
export function openInput(input: unknown): z.output<typeof OpenCaseInputSchema> {
  if (isPlainObject(input)) {
    let plain = true;
    for (const key in input) if (!OPEN_KEYS.has(key)) plain = false;
    const { attributes, customer, actor } = input;
    const attrs = attributes === undefined ? undefined : attributesCopy(attributes);
    const snapshot = customer === undefined ? undefined : attributesCopy(customer);
    if (
      plain &&
      isOptionalText(input.id, 500) &&
      isTenant(input.tenantId) &&
      isText(input.customerId, 500) &&
      isText(input.subject, 2000) &&
      PRIORITIES.has(input.priority) &&
      CHANNEL_NAMES.has(input.channel) &&
      isOptionalText(input.type, 200) &&
      isOptionalText(input.team, 200) &&
      isOptionalText(input.assignee, 200) &&
      (attributes === undefined || attrs !== undefined) &&
      (customer === undefined || snapshot !== undefined) &&
      (actor === undefined || (typeof actor === 'string' && actor.length >= 1))
    ) {
      const out: Record<string, unknown> = {};
      // zod's output: the keys present in the input, in the schema's order.
      for (const key of OPEN_KEYS) {
        if (!(key in input)) continue;
        out[key] = key === 'attributes' ? attrs : key === 'customer' ? snapshot : input[key];
      }
      return out as z.output<typeof OpenCaseInputSchema>;
    }
  }
  return parseInput(OpenCaseInputSchema, input, 'case');
}
