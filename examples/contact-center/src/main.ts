// `pnpm demo`: simulate a whole contact-center day and print the end-of-day report.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type CliResult, parseCli, USAGE, UsageError } from './cli.js';
import { buildReport, formatReport } from './report.js';
import { simulateDay } from './simulation.js';

// pnpm passes a lone `--` through when the user writes `pnpm demo -- --agents 20`.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
let cli: CliResult;
try {
  cli = parseCli(args);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (cli.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = performance.now();
const cpuStart = process.cpuUsage();
const day = await simulateDay(cli.options);
const simulated = performance.now();
const report = buildReport(day);
const done = performance.now();
console.log(formatReport(report));
if (cli.json !== undefined) {
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), cli.json);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nReport data written to ${path}`);
}
const cpu = process.cpuUsage(cpuStart);
console.log(
  `\nWall time: ${((done - started) / 1000).toFixed(1)} s (simulation ${((simulated - started) / 1000).toFixed(1)} s, ` +
    `report ${((done - simulated) / 1000).toFixed(1)} s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
);
