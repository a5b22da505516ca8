// Package metadata every published package must carry, and the dependency ranges that keep a
// breaking 0.x release of core from satisfying the packages built on it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishedPackages, ROOT, workspacePackages } from './workspace.js';

type Deps = Record<string, string> | undefined;

describe('published packages', () => {
  const packages = publishedPackages();

  it('are the ones we expect', () => {
    expect(packages.map((p) => p.json.name).sort()).toEqual(
      expect.arrayContaining([
        '@threadline/adapter-conformance',
        '@threadline/adapter-email',
        '@threadline/adapter-memory',
        '@threadline/adapter-nats',
        '@threadline/adapter-postgres',
        '@threadline/adapter-redis',
        '@threadline/adapter-twilio',
        '@threadline/adapter-webchat',
        '@threadline/adapter-webhooks',
        '@threadline/adapter-whatsapp',
        '@threadline/automation',
        '@threadline/cases',
        '@threadline/core',
        '@threadline/insights',
        '@threadline/routing',
        '@threadline/testing',
      ]),
    );
  });

  it.each(packages.map((p) => [p.json.name, p] as const))(
    '%s has license, repository and homepage',
    (_, p) => {
      const json = p.json as Record<string, unknown>;
      expect(json.license).toBe('MIT');
      expect(existsSync(join(ROOT, p.dir, 'LICENSE'))).toBe(true);
      expect(readFileSync(join(ROOT, p.dir, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
      );
      expect(json.repository).toMatchObject({ type: 'git', directory: p.dir });
      expect(String(json.homepage)).toContain(p.dir);
    },
  );

  it('use one zod range', () => {
    const ranges = new Set<string>();
    for (const p of workspacePackages()) {
      for (const key of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
        const range = (p.json[key] as Deps)?.zod;
        if (range) ranges.add(range);
      }
    }
    expect([...ranges]).toHaveLength(1);
  });

  it('peer on core with a caret range, which in 0.x excludes the next (breaking) minor', () => {
    for (const p of packages) {
      const peer = (p.json.peerDependencies as Deps)?.['@threadline/core'];
      if (p.json.name === '@threadline/core') continue;
      // `workspace:^` publishes as `^<core version>`: for 0.x that is `>=0.x.y <0.(x+1).0`.
      expect(peer, p.json.name).toBe('workspace:^');
    }
  });

  it('have no dependency cycle among workspace packages', () => {
    const all = workspacePackages();
    const names = new Set(all.map((p) => p.json.name));
    const edges = new Map<string, string[]>();
    for (const p of all) {
      const deps = new Set<string>();
      for (const key of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
        for (const name of Object.keys((p.json[key] as Deps) ?? {})) if (names.has(name)) deps.add(name);
      }
      edges.set(p.json.name, [...deps]);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(name)), name].join(' → '));
        return;
      }
      state.set(name, 'visiting');
      for (const dep of edges.get(name) ?? []) visit(dep, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of edges.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });
});
