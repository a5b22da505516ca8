import type { EventEnvelope, EventUnion } from '@threadline/core';
import type { Case, CaseEscalation, CasePriority } from './case.js';
import type { SlaEventPayloads } from './sla/events.js';
import type { SlaMetricInstance } from './sla/metric.js';
import type { CaseStatus } from './transitions.js';

/** Payloads of the `case.*` events, by event type. */
export type CaseEventPayloads = {
  'case.opened': { case: Case; actor: string };
  'case.status_changed': { from: CaseStatus; to: CaseStatus; actor: string; reason: string | null };
  'case.reopened': {
    from: CaseStatus;
    to: CaseStatus;
    actor: string;
    reason: string | null;
    reopenCount: number;
  };
  'case.assigned': {
    from: { assignee: string | null; team: string | null };
    to: { assignee: string | null; team: string | null };
    actor: string;
    reason: string | null;
  };
  'case.priority_changed': { from: CasePriority; to: CasePriority; actor: string; reason: string | null };
  'case.updated': { fields: string[]; actor: string; reason: string | null };
  'case.message_recorded': {
    author: 'customer' | 'agent' | 'bot' | 'system';
    public: boolean;
    messageId?: string;
  };
  'case.merged': { sourceId: string; targetId: string; actor: string; reason: string | null };
  'case.duplicate_attached': { sourceId: string; targetId: string; actor: string; reason: string | null };
  'case.follow_up_linked': { caseId: string; followUpId: string; actor: string };
  'case.escalated': CaseEscalation & { assignee: string | null };
  'sla.recomputed': { metrics: SlaMetricInstance[]; backdate: boolean };
};

/** Every event payload the case engine publishes, by event type. */
export type CaseEngineEventPayloads = CaseEventPayloads & SlaEventPayloads;

/** Every event type the case engine publishes. */
export type CaseEngineEventType = keyof CaseEngineEventPayloads;

/**
 * The discriminated union of every event the case engine publishes (`aggregateType: 'case'`,
 * `aggregateId` = case id, `version` = case version).
 *
 * @example
 * ```ts
 * engine.subscribe('sla.breached', (e) => page(e.aggregateId, e.payload.metric));
 * ```
 */
export type CaseEngineEvent = EventUnion<CaseEngineEventPayloads>;

/** All case-engine event type names. */
export const CASE_ENGINE_EVENT_TYPES: readonly CaseEngineEventType[] = [
  'case.opened',
  'case.status_changed',
  'case.reopened',
  'case.assigned',
  'case.priority_changed',
  'case.updated',
  'case.message_recorded',
  'case.merged',
  'case.duplicate_attached',
  'case.follow_up_linked',
  'case.escalated',
  'sla.recomputed',
  'sla.started',
  'sla.paused',
  'sla.resumed',
  'sla.updated',
  'sla.at_risk',
  'sla.breached',
  'sla.achieved',
  'sla.canceled',
  'sla.retracted',
  'escalation.triggered',
  'escalation.acknowledged',
];

/** Narrows an envelope to a case-engine event type. */
export function isCaseEngineEvent<K extends CaseEngineEventType>(
  e: EventEnvelope,
  type: K,
): e is EventEnvelope<K, CaseEngineEventPayloads[K]> {
  return e.type === type;
}
