// Helpers shared by the repository-wide checks: where the workspace is and what it holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A workspace package: its folder (relative to the root) and its package.json. */
export interface WorkspacePackage {
  dir: string;
  json: Record<string, unknown> & { name: string; version: string; private?: boolean };
}

function childDirs(parent: string): string[] {
  const abs = join(ROOT, parent);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(abs, d.name, 'package.json')))
    .map((d) => join(parent, d.name));
}

/** Every workspace package (packages, adapters, examples, bench, tests). */
export function workspacePackages(): WorkspacePackage[] {
  const dirs = [
    ...childDirs('packages'),
    ...childDirs('packages/adapters'),
    ...childDirs('examples'),
    'bench',
    'tests',
  ];
  return dirs.map((dir) => ({
    dir,
    json: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')),
  }));
}

/** The packages we publish (not private). */
export function publishedPackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => p.json.private !== true);
}

/** Every README.md in the repository outside node_modules, relative to the root. */
export function readmes(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const rel = dir === '' ? entry.name : join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name === 'README.md') out.push(relative('', rel));
    }
  };
  walk('');
  return out.sort();
}
