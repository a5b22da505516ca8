import { parseInput } from '@threadline/core';
import type { z } from 'zod';
import {
  CaseStatusSchema,
  type ChangeContext,
  ChangeContextSchema,
  MESSAGE_AUTHORS,
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
