import { ThreadlineError } from '@threadline/core';
import { compileWorkflowExpression, taskReferences } from '../expressions.js';
import { compileRequirement } from '../requirements.js';
import type { QueueRuntime, RoutingState, StepRuntime } from '../state.js';
import type { StepConfig } from './definition.js';

/**
 * Compiles the workflow into the engine's runtime form: queues with compiled requirements and
 * expressions, filters with their step ladders, and the index from attribute values to the
 * filters that can match them. Runs once per state (a restore compiles into its fresh state).
 */
export function compileWorkflow(s: RoutingState): void {
  s.workflow.queues.forEach((config, idx) => {
    const q: QueueRuntime = {
      idx,
      config,
      requirement: compileRequirement(config.workers),
      expr:
        config.expression === undefined
          ? null
          : compileWorkflowExpression(config.expression, ['queues', idx, 'expression'], ['worker']),
      ratePerMs: config.agingPerMinute / 60_000,
      members: new Set(),
      lanes: [],
    };
    s.queues.push(q);
    s.queueById.set(config.id, q);
    const firstSkill = q.requirement.skillNames[0];
    if (firstSkill === undefined) s.queuesWithoutSkill.push(q);
    else {
      const list = s.queuesBySkill.get(firstSkill) ?? [];
      list.push(q);
      s.queuesBySkill.set(firstSkill, list);
    }
  });
  const toSteps = (
    targets: StepConfig[],
    base: (string | number)[],
    filterName: string | null,
  ): StepRuntime[] =>
    targets.map((config, j) => {
      const expr =
        config.expression === undefined
          ? null
          : compileWorkflowExpression(config.expression, [...base, j, 'expression'], ['worker', 'task']);
      const requirement = compileRequirement(config.requires);
      if (config.knownWorker === 'last') s.usesSticky = true;
      return {
        config,
        queue: s.queueById.get(config.queue) as QueueRuntime,
        requirement,
        plainKey: `${requirement.key}||||`,
        plainGroups: [],
        exprGroups: [],
        boost: s.queueById.get(config.queue)?.config.slaBoost?.boost ?? 0,
        timeout: config.timeout,
        queueId: config.queue,
        offers: config.offers,
        filterName,
        expr,
        exprTaskPaths: expr ? taskReferences(expr) : [],
        skipIf:
          config.skipIf === undefined
            ? null
            : compileWorkflowExpression(config.skipIf, [...base, j, 'skipIf'], ['task', 'workers']),
      };
    });
  s.workflow.filters.forEach((f, idx) => {
    const match = f.match?.attributes ? compileRequirement({ attributes: f.match.attributes }) : null;
    const when =
      f.when === undefined ? null : compileWorkflowExpression(f.when, ['filters', idx, 'when'], ['task']);
    const cal = f.match?.businessHours?.calendar;
    if (cal !== undefined && !Object.hasOwn(s.calendars, cal)) {
      throw new ThreadlineError(
        'CONFIG',
        `Invalid workflow: filters[${idx}].match.businessHours.calendar: unknown calendar "${cal}"`,
        {
          issues: [
            {
              path: ['filters', idx, 'match', 'businessHours', 'calendar'],
              message: `unknown calendar "${cal}"`,
              code: 'invalid_value',
            },
          ],
        },
      );
    }
    const m = f.match;
    const matchByIndex =
      m !== undefined &&
      match !== null &&
      match.attributeNames.length === 1 &&
      m.channel === undefined &&
      m.minPriority === undefined &&
      m.businessHours === undefined;
    s.filters.push({
      name: f.name,
      config: f,
      match,
      when,
      indexOnly: matchByIndex && when === null,
      matchByIndex,
      steps: toSteps(f.targets, ['filters', idx, 'targets'], f.name),
    });
    // Index the filter under its first attribute's accepted values so a task only checks
    // filters that can match it (first match still wins: candidates are checked in order).
    const attr = match?.attributeNames[0];
    if (match && attr !== undefined) {
      let byValue = s.filterIndex.get(attr);
      if (!byValue) {
        byValue = new Map();
        s.filterIndex.set(attr, byValue);
      }
      for (const v of match.accepted[0] ?? []) {
        const list = byValue.get(v) ?? [];
        list.push(idx);
        byValue.set(v, list);
      }
    } else {
      s.unindexedFilters.push(idx);
    }
  });
  const soleAttr = s.filterIndex.size === 1 ? [...s.filterIndex.keys()][0] : undefined;
  s.soleFilterIndex =
    soleAttr !== undefined && s.unindexedFilters.length === 0
      ? { attr: soleAttr, byValue: s.filterIndex.get(soleAttr) as Map<unknown, number[]> }
      : null;
  s.defaultFilter = s.workflow.defaultFilter
    ? {
        name: 'default',
        config: null,
        match: null,
        when: null,
        indexOnly: false,
        matchByIndex: false,
        steps: toSteps(s.workflow.defaultFilter.targets, ['defaultFilter', 'targets'], 'default'),
      }
    : null;
}
