// Runs every `*.bench.ts` file in this folder, one child process each (so memory figures and
// JIT state do not leak between areas). `pnpm bench calendar routing` runs only matching files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# Threadline benchmarks — node ${process.version}, ${arch()}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
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
    },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`!! ${file} exited with ${r.status ?? r.signal}`);
  }
}
if (failed > 0) process.exit(1);
