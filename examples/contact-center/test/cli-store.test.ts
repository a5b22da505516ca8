// `--store`: parsed by the CLI; the simulated day runs on memory, on PGlite in a directory, or on
// PostgreSQL (same day, same report: `day-store.test.ts` compares them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, USAGE, UsageError } from '../src/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'threadline-demo-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function demo(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--conditions=@threadline/source', '--import', 'tsx', 'src/main.ts', ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, INIT_CWD: tmp } },
  );
}

describe('demo --store', () => {
  it.each([
    [['--store', 'memory'], { kind: 'memory' }],
    [['--store=pglite:./day-data'], { kind: 'pglite', dir: './day-data' }],
    [
      ['--store', 'postgres://postgres@127.0.0.1:5432/test'],
      { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' },
    ],
  ])('reads %j', (args, store) => {
    expect(parseCli(args)).toEqual({ help: false, options: {}, store });
  });

  it.each([
    [['--store'], /store/],
    [['--store', 'sqlite:./x'], /expected memory, pglite:<dir> or postgres:/],
    [['--store', 'pglite:'], /pglite needs a directory/],
    [['--store', 'postgres://127.0.0.1'], /no database/],
  ])('refuses %j with a UsageError', (args, message) => {
    expect(() => parseCli(args)).toThrow(UsageError);
    expect(() => parseCli(args)).toThrow(message);
  });

  it('documents --store in --help', () => {
    expect(USAGE).toMatch(/--store <spec>/);
    expect(USAGE).toMatch(/pglite:<dir>/);
  });

  it('exits 2 with the usage for a malformed --store', { timeout: 120_000 }, () => {
    const run = demo(['--store', 'sqlite:./x']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--store "sqlite:\.\/x"/);
    expect(run.stderr).toContain('Usage: pnpm demo');
  });

  it('runs a small day on --store pglite:<dir>, with the data in that directory', {
    timeout: 600_000,
  }, () => {
    const dir = join(tmp, 'pglite-day');
    const run = demo(['--store', `pglite:${dir}`, '--agents', '10', '--interactions', '60', '--out', tmp]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Report with charts: /);
    expect(existsSync(dir)).toBe(true);
    expect(existsSync(join(tmp, 'report.html'))).toBe(true);
  });

  it('runs a small day with --store memory', { timeout: 180_000 }, () => {
    const run = demo(['--store', 'memory', '--agents', '20', '--interactions', '500', '--out', tmp]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Report with charts: /);
    expect(existsSync(join(tmp, 'report.html'))).toBe(true);
  });
});
