// Staffing: forecast-to-schedule for 96 intervals × 100 queues with Erlang C and Erlang A
// (target < 1 s, docs/architecture.md "Figures"), plus single evaluations at 1,000+ agents.
import { erlangA, erlangC, requiredAgents, staffingPlan } from '@threadline/insights';
import { fmt, sized, table } from './util.js';

const INTERVALS = 96; // quarter-hours in a day
const QUEUES = 100;

// A daily arrival curve (two peaks) and queues from tiny to very large.
function forecast(queue: number): { calls: number }[] {
  const scale = 2 + (queue % 50) * (queue < 50 ? 4 : 40); // 2 … 1,962 calls per quarter-hour at peak
  return Array.from({ length: INTERVALS }, (_, i) => {
    const h = i / 4;
    const shape = Math.exp(-((h - 11) ** 2) / 8) + 0.8 * Math.exp(-((h - 16) ** 2) / 6) + 0.05;
    return { calls: Math.round(scale * shape) };
  });
}
const forecasts = Array.from({ length: QUEUES }, (_, q) => forecast(q));

function runPlans(model: 'erlang-c' | 'erlang-a'): {
  ms: number;
  cpuMs: number;
  agentHours: number;
  peak: number;
} {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let agentHours = 0;
  let peak = 0;
  for (let q = 0; q < QUEUES; q++) {
    const plan = staffingPlan({
      model,
      intervalSeconds: 900,
      ahtSeconds: 180 + (q % 7) * 60,
      patienceSeconds: model === 'erlang-a' ? 120 + (q % 5) * 30 : undefined,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
      maxOccupancy: 0.9,
      ...(model === 'erlang-a' ? { maxAbandon: 0.05 } : {}),
      shrinkage: 0.3,
      intervals: forecasts[q]!,
    });
    agentHours += plan.totals.scheduledAgentHours;
    peak = Math.max(peak, plan.totals.peakScheduledAgents);
  }
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, agentHours, peak };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows: (string | number)[][] = [];
for (const model of ['erlang-c', 'erlang-a'] as const) {
  runPlans(model); // warm-up
  const runs = Array.from({ length: sized(5, 1) }, () => runPlans(model));
  const ms = median(runs.map((r) => r.ms));
  const cpuMs = median(runs.map((r) => r.cpuMs));
  rows.push([
    `${model} plan, ${INTERVALS} intervals × ${QUEUES} queues`,
    fmt(ms, 1),
    fmt(cpuMs, 1),
    fmt((INTERVALS * QUEUES * 1000) / ms),
    fmt(runs[0]!.peak),
    ms < 1000 ? 'yes' : 'no',
  ]);
}
table(
  [
    'workload',
    'median wall ms',
    'median CPU ms',
    'intervals/s (wall)',
    'peak scheduled agents',
    'wall < 1 s',
  ],
  rows,
);

function timeIt(fn: () => unknown, n: number): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - start) / n;
}
console.log('');
table(
  ['single evaluation', 'ms/op'],
  [
    [
      'erlangC, A = 1,000 Erl, 1,030 agents',
      fmt(
        timeIt(
          () => erlangC({ trafficErlangs: 1000, ahtSeconds: 300, agents: 1030, targetAnswerSeconds: 20 }),
          2000,
        ),
        4,
      ),
    ],
    [
      'erlangA, A = 1,000 Erl, 1,010 agents, patience 120 s',
      fmt(
        timeIt(
          () =>
            erlangA({
              trafficErlangs: 1000,
              ahtSeconds: 300,
              patienceSeconds: 120,
              agents: 1010,
              targetAnswerSeconds: 20,
            }),
          200,
        ),
        4,
      ),
    ],
    [
      'requiredAgents erlang-a, A = 2,000 Erl, 90/15',
      fmt(
        timeIt(
          () =>
            requiredAgents({
              model: 'erlang-a',
              trafficErlangs: 2000,
              ahtSeconds: 300,
              patienceSeconds: 180,
              targetServiceLevel: 0.9,
              targetAnswerSeconds: 15,
            }),
          20,
        ),
        3,
      ),
    ],
  ],
);
