import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

describe('the testbed under node:test', () => {
  it('runs test/node/scenario.node.ts with `node --test` and every test passes', async () => {
    // Workspace packages resolve to their TypeScript source through the custom condition; tsx loads it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@threadline/source',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=tap',
        'test/node/scenario.node.ts',
      ],
      { cwd: PACKAGE, timeout: 60_000 },
    );
    expect(stdout).toMatch(/^# pass 2$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 90_000);
});
