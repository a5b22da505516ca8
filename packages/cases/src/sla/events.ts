import type { EscalationAction } from '../escalation.js';
import type { SlaMetricName } from './metric.js';

/** SLA event payloads (all carry the metric and its cycle). */
export type SlaEventPayloads = {
  'sla.started': {
    metric: SlaMetricName;
    cycle: number;
    policyId: string;
    target: number;
    startedAt: number;
    dueAt: number;
  };
  'sla.paused': { metric: SlaMetricName; cycle: number; reason: string; pausedAt: number };
  'sla.resumed': { metric: SlaMetricName; cycle: number; dueAt: number; pausedMs: number };
  'sla.updated': { metric: SlaMetricName; cycle: number; policyId: string; target: number; dueAt: number };
  'sla.at_risk': { metric: SlaMetricName; cycle: number; warnedAt: number; dueAt: number };
  'sla.breached': { metric: SlaMetricName; cycle: number; breachedAt: number; dueAt: number };
  'sla.achieved': { metric: SlaMetricName; cycle: number; achievedAt: number; late: boolean; dueAt: number };
  'sla.canceled': { metric: SlaMetricName; cycle: number; canceledAt: number; reason: string };
  /**
   * A change recorded with an earlier instant (`recordMessage(…, { at })`) withdrew what deadlines
   * fired after `asOf` did: the breach (`breach`), the warning (`warning`), ladder levels
   * (`levels`). Whatever is still due after the change fires again with its own event.
   */
  'sla.retracted': {
    metric: SlaMetricName;
    cycle: number;
    asOf: number;
    breach: boolean;
    warning: boolean;
    levels: number[];
    dueAt: number;
  };
  'escalation.triggered': {
    metric: SlaMetricName;
    cycle: number;
    ladder: string;
    level: number;
    /** Offset from the due instant in ms (negative: before the breach). */
    offset: number;
    dueAt: number;
    actions: EscalationAction[];
  };
  'escalation.acknowledged': {
    metric: SlaMetricName;
    cycle: number;
    ladder: string;
    level: number;
    actor: string;
  };
};
