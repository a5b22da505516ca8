// The command line: --help, exit 2 with the usage for a bad option or --store, a run on PGlite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'threadline-quickstart-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const main = (args: string[]) =>
  spawnSync(
    process.execPath,
    ['--conditions=@threadline/source', '--import', 'tsx', 'src/main.ts', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, INIT_CWD: tmp },
    },
  );

describe('quickstart command line', { timeout: 120_000 }, () => {
  it('--help documents --store', () => {
    const run = main(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--store <spec>[\s\S]*pglite:<dir>[\s\S]*postgres:\/\//);
  });

  it.each([[['--store', 'sqlite:./x']], [['--stor', 'memory']], [['extra']]])(
    'exits 2 with the usage for %j',
    (args) => {
      const run = main(args);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('Usage: pnpm --filter @threadline/example-quickstart start');
    },
  );

  it('runs on pglite:<dir> relative to where pnpm ran, and recovers', () => {
    const run = main(['--', '--store', 'pglite:data']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Threadline quickstart on pglite \(durable\)/);
    expect(run.stdout).toMatch(/recovered: task assigned \(worker kai\); case new\n$/);
    const again = main(['--store', `pglite:${join(tmp, 'data')}`]);
    expect(again.stdout).toMatch(/\(matched\); chat → \S+ \(matched\)/);
  });
});
