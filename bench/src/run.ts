// Runs every `*.bench.ts` file in this folder, one child process each (so memory figures and
// JIT state do not leak between areas). `pnpm bench calendar routing` runs only matching files.
// `pnpm bench --quick` is the CI smoke run: every bench shrinks its sizes and runs
// (`THREADLINE_BENCH_QUICK=1`, read through `QUICK` in util.ts) so the whole suite finishes in
// under three minutes; it checks that the benches run, not how fast.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const unknown = args.filter((a) => a.startsWith('-') && a !== '--quick');
if (unknown.length > 0) {
  console.error(`unknown option ${unknown.join(' ')}\nusage: pnpm bench [--quick] [name filter ...]`);
  process.exit(2);
}
const filters = args.filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# Threadline benchmarks${quick ? ' (--quick: smoke run, shrunk sizes, figures not comparable)' : ''} — node ${process.version}, ${arch()}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);
const started = performance.now();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}\n`);
  console.log(`load average before: ${loadAverage()}`);
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=@threadline/source',
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      join(here, file),
    ],
    {
      stdio: 'inherit',
      env: quick ? { ...process.env, THREADLINE_BENCH_QUICK: '1' } : process.env,
    },
  );
  console.log(
    `\nload average after: ${loadAverage()}; ${file} took ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) {
    failed++;
    console.error(`!! ${file} exited with ${r.status ?? r.signal}`);
  }
}
console.log(`\nall benches: ${((performance.now() - started) / 1000).toFixed(1)} s, ${failed} failed`);
if (failed > 0) process.exit(1);
