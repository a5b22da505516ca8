// `pnpm demo`: simulate a whole contact-center day, print the end-of-day report and write
// report.html (and, with --json, the report data).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStorage } from '@threadline/example-quickstart/storage';
import { buildDayReport, localClock, TIME_ZONE } from '@threadline/testing';
import { type CliResult, parseCli, USAGE, UsageError } from './cli.js';
import { createProgressRenderer } from './progress.js';
import { formatReport, writeHtmlReport } from './report.js';
import { DEMO_CONVERSATION_RETENTION_MS, simulateDemoDay } from './simulation.js';

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
// Relative paths are relative to where the user ran `pnpm demo` (pnpm runs the script in this package).
const here = process.env.INIT_CWD ?? process.cwd();
// A durable store (PGlite directory or PostgreSQL): the day's engines commit there, each run in a
// schema of its own (the day's ids start afresh every run, so runs never share tables).
const durable =
  cli.store !== undefined && cli.store.kind !== 'memory'
    ? await openStorage(cli.store, { cwd: here, schema: `day_${Date.now().toString(36)}_${process.pid}` })
    : undefined;
const started = performance.now();
const cpuStart = process.cpuUsage();
const bar = createProgressRenderer({
  stream: process.stderr,
  formatTime: localClock(cli.options.timeZone ?? TIME_ZONE),
});
const day = await simulateDemoDay({
  ...cli.options,
  // On memory the store forgets closed conversations after an hour (see simulation.ts).
  ...(durable === undefined
    ? { conversationRetentionMs: DEMO_CONVERSATION_RETENTION_MS }
    : { storage: durable.storage }),
  onProgress: (p) => bar.update(p),
});
await durable?.close();
const simulated = performance.now();
const report = buildDayReport(day);
const htmlPath = writeHtmlReport(report, resolve(here, cli.out ?? '.'));
const done = performance.now();
console.log(formatReport(report));
if (cli.json !== undefined) {
  const path = resolve(here, cli.json);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nReport data written to ${path}`);
}
const cpu = process.cpuUsage(cpuStart);
console.log(
  `\nWall time: ${((done - started) / 1000).toFixed(1)} s (simulation ${((simulated - started) / 1000).toFixed(1)} s, ` +
    `report ${((done - simulated) / 1000).toFixed(1)} s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
);
console.log(`Report with charts: ${htmlPath}`);
