import type { EventEnvelope } from '@threadline/core';
import type { AutomationAction } from './rule.js';
import { renderDeep, renderTemplate } from './template.js';

/** An action with its templates rendered against the triggering event: what a handler receives. */
export type RenderedAction =
  | { type: 'tag'; tags: string[] }
  | { type: 'set_priority'; priority: number }
  | { type: 'route'; queueId: string }
  | { type: 'reply'; text: string; channel?: string }
  | { type: 'open_case'; subject: string; priority?: string; queueId?: string }
  | { type: 'update_case'; caseId: string; changes: Record<string, unknown> }
  | { type: 'escalate'; reason?: string; queueId?: string }
  | { type: 'call'; action: string; params: Record<string, unknown> };

/** What an action handler is told besides the action. */
export interface ActionContext {
  ruleId: string;
  event: EventEnvelope;
  tenantId: string;
  /**
   * Put this on the commands or events the action causes (`causationId`): the engine then knows
   * they come from this rule and applies loop protection to them exactly.
   */
  causationId: string;
  /** The id of the event that started the chain; pass it on as `correlationId`. */
  correlationId: string;
}

/** Performs one kind of action; may be async. A throw is reported, never swallowed. */
export type ActionHandler<A extends RenderedAction = RenderedAction> = (
  action: A,
  context: ActionContext,
) => unknown;

/** The host's handlers for the built-in actions (the engine imports no other package). */
export type ActionHandlers = {
  [K in Exclude<RenderedAction['type'], 'call'>]?: ActionHandler<Extract<RenderedAction, { type: K }>>;
};

/** The context conditions and templates read: the event and, as a shortcut, its payload. */
export function ruleContext(event: EventEnvelope): Record<string, unknown> {
  return {
    event: {
      id: event.id,
      type: event.type,
      tenantId: event.tenantId,
      aggregateId: event.aggregateId,
      aggregateType: event.aggregateType,
      version: event.version,
      occurredAt: event.occurredAt,
      payload: event.payload,
    },
    payload: event.payload,
  };
}

/** Renders an action's templates against a rule context. */
export function renderAction(
  action: AutomationAction,
  event: EventEnvelope,
  context: unknown,
): RenderedAction {
  switch (action.type) {
    case 'tag':
      return { type: 'tag', tags: action.tags.map((t) => renderTemplate(t, context)) };
    case 'set_priority':
      return { type: 'set_priority', priority: action.priority };
    case 'route':
      return { type: 'route', queueId: renderTemplate(action.queueId, context) };
    case 'reply': {
      const out: RenderedAction = { type: 'reply', text: renderTemplate(action.template, context) };
      if (action.channel !== undefined) out.channel = action.channel;
      return out;
    }
    case 'open_case': {
      const out: RenderedAction = { type: 'open_case', subject: renderTemplate(action.subject, context) };
      if (action.priority !== undefined) out.priority = action.priority;
      if (action.queueId !== undefined) out.queueId = action.queueId;
      return out;
    }
    case 'update_case':
      return {
        type: 'update_case',
        caseId: action.caseId === undefined ? event.aggregateId : renderTemplate(action.caseId, context),
        changes: renderDeep(action.changes, context) as Record<string, unknown>,
      };
    case 'escalate': {
      const out: RenderedAction = { type: 'escalate' };
      if (action.reason !== undefined) out.reason = renderTemplate(action.reason, context);
      if (action.queueId !== undefined) out.queueId = action.queueId;
      return out;
    }
    case 'call':
      return {
        type: 'call',
        action: action.action,
        params: renderDeep(action.params, context) as Record<string, unknown>,
      };
  }
}
