// What `changeset version` would do when core makes a breaking 0.x release: every package that
// peers on core is re-released (its published peer range must move), and none jumps to 1.0.0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assembleReleasePlan from '@changesets/assemble-release-plan';
import { parse } from '@changesets/config';
import { describe, expect, it } from 'vitest';
import { ROOT, workspacePackages } from './workspace.js';

function plan(releases: { name: string; type: 'major' | 'minor' | 'patch' }[]) {
  const packages = {
    root: { dir: ROOT, packageJson: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) },
    packages: workspacePackages().map((p) => ({ dir: join(ROOT, p.dir), packageJson: p.json })),
    tool: 'pnpm' as const,
    rootDir: ROOT,
  };
  const config = parse(
    JSON.parse(readFileSync(join(ROOT, '.changeset', 'config.json'), 'utf8')),
    packages as never,
  );
  const changesets = [{ id: 'breaking-core', summary: 'breaking', releases }];
  // biome-ignore lint/suspicious/noExplicitAny: the changesets types want its own manypkg shape.
  return (assembleReleasePlan as any)(changesets, packages, config, undefined) as {
    releases: { name: string; type: string; newVersion: string }[];
  };
}

describe('release policy (changesets)', () => {
  const dependents = workspacePackages()
    .filter(
      (p) =>
        p.json.private !== true &&
        (p.json.peerDependencies as Record<string, string> | undefined)?.['@threadline/core'],
    )
    .map((p) => p.json.name);

  it('a breaking core release re-releases every peer dependent as a patch, never as 1.0.0', () => {
    const result = plan([{ name: '@threadline/core', type: 'minor' }]);
    const byName = new Map(result.releases.map((r) => [r.name, r]));
    expect(byName.get('@threadline/core')?.newVersion).toMatch(/^0\.\d+\.0$/);
    expect(dependents.length).toBeGreaterThan(3);
    for (const name of dependents) {
      expect(byName.get(name)?.type, name).toBe('patch');
      expect(byName.get(name)?.newVersion, name).toMatch(/^0\./);
    }
  });

  it('a dependent that has its own minor changeset keeps it', () => {
    const result = plan([
      { name: '@threadline/core', type: 'minor' },
      { name: '@threadline/routing', type: 'minor' },
    ]);
    expect(result.releases.find((r) => r.name === '@threadline/routing')?.type).toBe('minor');
    expect(result.releases.some((r) => r.type === 'major')).toBe(false);
  });
});
