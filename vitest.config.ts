import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Workspace packages resolve to their TypeScript source through this export condition,
// so `pnpm test` needs no build.
const conditions = ['@threadline/source', 'import', 'module', 'node', 'default'];
// `module` is a bundler condition Node never applies: OpenTelemetry's `module` builds use
// extensionless imports that Node cannot load, so what runs in Node resolves without it.
const nodeConditions = conditions.filter((c) => c !== 'import' && c !== 'module');

function packageDirs(parent: string): string[] {
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(parent, d.name, 'package.json')))
    .map((d) => join(parent, d.name));
}

const dirs = [
  ...packageDirs('packages'),
  ...packageDirs('packages/adapters'),
  ...packageDirs('examples'),
  'tests',
];

const projects: TestProjectInlineConfiguration[] = dirs.map((dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
  return {
    resolve: { conditions },
    // Vitest also hands the SSR conditions to Node (`--conditions`), where `import` would apply to
    // `require` too and give CommonJS packages an ES module (pg's `require('pg-pool')` breaks).
    // Vite adds `import`/`require` by itself, so leave it out here.
    ssr: { resolve: { conditions: nodeConditions, externalConditions: nodeConditions } },
    test: {
      name: pkg.name,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      // PGlite starts in 1–30 s depending on machine load; a test may open one.
      testTimeout: 90_000,
      hookTimeout: 120_000,
    },
  };
});

export default defineConfig({
  test: {
    projects,
    passWithNoTests: false,
    // In CI, also write machine-readable results so .ci/run can refuse skipped suites.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci-test-results.json' }]] : ['default'],
  },
});
