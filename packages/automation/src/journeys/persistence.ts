import type { StoredDocument } from '@threadline/core';
import type { CompiledJourney } from './compile.js';
import { DONE, EXIT_REASONS, type InstanceTable, SENDING, WAITING, WAITING_EVENT } from './instances.js';

/** The collection journey instances are stored in (one document per tenant, journey and customer). */
export const JOURNEY_COLLECTION = 'journey_instances';

/** Declared indexes: active instances by status, and timers by `dueAt` (range). */
export const JOURNEY_COLLECTION_DEFINITION = {
  indexes: ['status', 'journeyId', 'customerId'],
  ranges: ['dueAt'],
} as const;

const STATUS_NAMES = ['free', 'waiting', 'waiting_event', 'sending', 'done'] as const;

/** A stored journey instance. */
export interface JourneyInstanceDocument extends StoredDocument {
  journeyId: string;
  journeyVersion: number;
  customerId: string;
  run: number;
  stepId: string;
  status: 'waiting' | 'waiting_event' | 'sending' | 'done';
  /** When its timer fires (waiting states only). */
  dueAt?: number;
  /** The channel index being tried (sending). */
  channel: number;
  variant?: string;
  exitReason?: (typeof EXIT_REASONS)[number];
  enteredAt: number;
  triggerId: string;
  /** Events emitted so far (the next event id is derived from it). */
  seq: number;
  data?: Record<string, unknown>;
}

/** The document id of a customer's instance of a journey. */
export function instanceDocumentId(journeyId: string, customerId: string): string {
  return `${journeyId}:${customerId}`;
}

/** The document for a slot (the store assigns `version`). */
export function toDocument(t: InstanceTable, slot: number, j: CompiledJourney): Record<string, unknown> {
  const status = STATUS_NAMES[t.status[slot] as number] as JourneyInstanceDocument['status'];
  const v = t.variant[slot] as number;
  const customerId = t.customer[slot] as string;
  const doc: Record<string, unknown> = {
    id: instanceDocumentId(j.def.id, customerId),
    tenantId: t.tenants[t.tenant[slot] as number],
    journeyId: j.def.id,
    journeyVersion: j.def.version,
    customerId,
    run: t.run[slot],
    stepId: j.steps[t.step[slot] as number]?.id ?? '',
    status,
    channel: t.channel[slot],
    enteredAt: t.enteredAt[slot],
    triggerId: t.triggerId[slot],
    seq: t.seq[slot],
  };
  if (status === 'waiting' || status === 'waiting_event') doc.dueAt = t.due[slot];
  if (v > 0) doc.variant = j.split?.variants[v - 1]?.id;
  if (status === 'done') doc.exitReason = EXIT_REASONS[t.exit[slot] as number];
  const data = t.data[slot];
  if (data !== undefined) doc.data = data;
  return doc;
}

/**
 * Loads a stored instance into a slot (allocating it), restoring its timer. Returns the slot, or
 * `undefined` when the document names a journey version or step the engine does not have.
 */
export function loadDocument(
  t: InstanceTable,
  doc: JourneyInstanceDocument,
  journey: CompiledJourney | undefined,
): number | undefined {
  if (journey === undefined) return undefined;
  const step = journey.steps.findIndex((s) => s.id === doc.stepId);
  if (step < 0 && doc.status !== 'done') return undefined;
  const slot = t.allocate(doc.tenantId, doc.customerId, journey.index);
  t.step[slot] = Math.max(0, step);
  t.run[slot] = doc.run;
  t.channel[slot] = doc.channel;
  t.enteredAt[slot] = doc.enteredAt;
  t.triggerId[slot] = doc.triggerId;
  t.seq[slot] = doc.seq;
  t.docVersion[slot] = doc.version;
  t.data[slot] = doc.data;
  const variant =
    doc.variant === undefined ? -1 : (journey.split?.variants.findIndex((v) => v.id === doc.variant) ?? -1);
  t.variant[slot] = variant + 1;
  switch (doc.status) {
    case 'waiting':
      t.status[slot] = WAITING;
      t.schedule(slot, doc.dueAt ?? doc.enteredAt);
      break;
    case 'waiting_event':
      t.status[slot] = WAITING_EVENT;
      t.schedule(slot, doc.dueAt ?? doc.enteredAt);
      break;
    case 'sending':
      t.status[slot] = SENDING;
      break;
    case 'done':
      t.status[slot] = DONE;
      t.exit[slot] = Math.max(0, EXIT_REASONS.indexOf(doc.exitReason ?? 'completed'));
      break;
  }
  return slot;
}
