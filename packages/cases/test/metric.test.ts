import { describe, expect, it } from 'vitest';
import {
  canMoveMetric,
  isFinalMetricState,
  METRIC_STATES,
  METRIC_TRANSITIONS,
  MetricRecord,
} from '../src/sla/metric.js';

describe('metric state machine', () => {
  it('has the documented edges and nothing else', () => {
    const edges = METRIC_STATES.flatMap((from) =>
      METRIC_TRANSITIONS[from].map((to) => `${from}->${to}`),
    ).sort();
    expect(edges).toEqual(
      [
        'active->paused',
        'active->achieved',
        'active->breached',
        'active->canceled',
        'paused->active',
        'paused->achieved',
        'paused->canceled',
        'breached->achieved_late',
        'breached->canceled',
      ].sort(),
    );
    for (const s of METRIC_STATES) expect(isFinalMetricState(s)).toBe(METRIC_TRANSITIONS[s].length === 0);
    expect(canMoveMetric('paused', 'breached')).toBe(false);
  });

  it('a record refuses an illegal move and keeps its state', () => {
    const r = new MetricRecord(0, 'c', 'first_reply', 1, 0, 1000, null, 'p', null);
    r.move('paused');
    expect(() => r.move('breached')).toThrowError(/cannot move from paused to breached/);
    expect(r.state).toBe('paused');
    expect(r.toInstance()).toEqual({
      metric: 'first_reply',
      state: 'paused',
      target: 1000,
      dueAt: 0,
      startedAt: 0,
      pausedMs: 0,
      cycle: 1,
      time: 'calendar',
      policyId: 'p',
    });
  });
});
