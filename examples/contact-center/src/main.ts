// `pnpm demo`: simulate a whole contact-center day and print the end-of-day report.
import { performance } from 'node:perf_hooks';
import { buildReport, formatReport } from './report.js';
import { simulateDay } from './simulation.js';

function intArg(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const started = performance.now();
const cpuStart = process.cpuUsage();
const day = await simulateDay({
  agents: intArg('agents', 500),
  interactions: intArg('interactions', 50_000),
  seed: intArg('seed', 2026),
});
const simulated = performance.now();
const report = buildReport(day);
const done = performance.now();
console.log(formatReport(report));
const cpu = process.cpuUsage(cpuStart);
console.log(
  `\nWall time: ${((done - started) / 1000).toFixed(1)} s (simulation ${((simulated - started) / 1000).toFixed(1)} s, ` +
    `report ${((done - simulated) / 1000).toFixed(1)} s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
);
