// Runs publint and @arethetypeswrong/cli (ESM-only profile) on every built, publishable package.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'packages/adapters'];
const dirs = roots.flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'package.json')))
    .map((d) => join(root, d.name)),
);

let failed = 0;
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  if (!existsSync(join(dir, 'dist', 'index.js'))) {
    console.error(`✗ ${pkg.name}: not built (run pnpm build first)`);
    failed++;
    continue;
  }
  for (const [cmd, args] of [
    ['publint', ['--strict', dir]],
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      const out = execFileSync('pnpm', ['exec', cmd, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      console.log(`✓ ${pkg.name}: ${cmd}`);
      if (process.env.VERBOSE) console.log(out);
    } catch (e) {
      failed++;
      console.error(`✗ ${pkg.name}: ${cmd}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}
if (failed > 0) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
console.log('All package checks passed.');
