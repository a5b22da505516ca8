// `pnpm demo` starts through scripts/demo.mjs, which runs a cached bundle of src/main.ts: it must
// print the same day as the sources run through tsx.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'threadline-demo-launcher-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DAY = ['--agents=12', '--interactions=400', '--seed=5'];

function run(entry: string[], name: string) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@threadline/source', ...entry, ...DAY, `--out=${name}`, `--json=${name}/day.json`],
    { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, INIT_CWD: tmp } },
  );
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  return { stdout: result.stdout, json: readFileSync(join(tmp, name, 'day.json'), 'utf8') };
}

describe('scripts/demo.mjs', () => {
  it('runs the same day from its bundle as src/main.ts through tsx', { timeout: 240_000 }, () => {
    const bundled = run(['scripts/demo.mjs'], 'bundled');
    const source = run(['--import', 'tsx', 'src/main.ts'], 'source');
    expect(bundled.json).toBe(source.json);
    // The printed report too, but for the measured wall and CPU time.
    const report = (out: string) =>
      out
        .replace(/Wall time:.*\n/, '')
        .replaceAll(join(tmp, 'bundled'), '')
        .replaceAll(join(tmp, 'source'), '');
    expect(report(bundled.stdout)).toBe(report(source.stdout));
    expect(bundled.stdout).toMatch(/Report with charts: .*report\.html/);
  });
});
