// `pnpm demo`'s launcher: runs src/main.ts from one esbuild bundle of the demo and the workspace
// sources it imports, cached in node_modules/.cache/threadline-demo and rebuilt whenever a source
// file, a package.json or the lockfile changed. Loading ~450 TypeScript modules through tsx's
// loader hooks costs ≈ 1.3 s of CPU per start (and tsx's keepNames wrappers a little more while
// the day runs); the bundle loads in ≈ 0.2 s. THREADLINE_DEMO_FROM_SOURCE=1 runs the sources
// through tsx instead (as `node --import tsx src/main.ts` does).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const example = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(example, '../..');
const entry = join(example, 'src/main.ts');

/** Every file the bundle is built from: the workspace's sources, manifests and the lockfile. */
function inputs() {
  const files = [join(root, 'pnpm-lock.yaml'), join(example, 'scripts/demo.mjs')];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  const packageDirs = [];
  for (const group of ['packages', 'packages/adapters', 'examples']) {
    let names = [];
    try {
      names = readdirSync(join(root, group), { withFileTypes: true });
    } catch {}
    for (const d of names) if (d.isDirectory()) packageDirs.push(join(root, group, d.name));
  }
  for (const dir of packageDirs) {
    files.push(join(dir, 'package.json'));
    walk(join(dir, 'src'));
  }
  return files;
}

/** A key that changes when any input changes (path, size and modification time of each). */
function fingerprint() {
  const hash = createHash('sha1');
  for (const file of inputs()) {
    try {
      const s = statSync(file);
      hash.update(`${file}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      hash.update(`${file}\0missing\n`);
    }
  }
  return hash.digest('hex');
}

async function bundle(out) {
  const esbuild = await import('esbuild');
  // PGlite and pg load files next to their own modules (wasm, native bindings): they stay
  // outside the bundle, imported from where they are installed.
  const external = /^(@electric-sql\/pglite|pg)$/;
  await esbuild.build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@threadline/source'],
    logLevel: 'warning',
    // Bundled CommonJS dependencies call `require`.
    banner: {
      js: "import { createRequire as __demoRequire } from 'node:module'; const require = __demoRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'installed-externals',
        setup(build) {
          build.onResolve({ filter: external }, async (args) => {
            if (args.pluginData === 'installed') return undefined;
            const found = await build.resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              pluginData: 'installed',
            });
            if (found.errors.length > 0) return { errors: found.errors };
            return { path: pathToFileURL(found.path).href, external: true };
          });
        },
      },
    ],
  });
}

async function main() {
  if (process.env.THREADLINE_DEMO_FROM_SOURCE === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(entry).href);
    return;
  }
  const dir = join(example, 'node_modules/.cache/threadline-demo');
  // The bundle's name carries its inputs' fingerprint: a name that exists is up to date.
  const name = `main-${fingerprint()}.mjs`;
  const out = join(dir, name);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    // Built beside and renamed into place, so two demos starting together never read half a file.
    const tmp = join(dir, `build-${process.pid}.tmp.mjs`);
    await bundle(tmp);
    renameSync(tmp, out);
    for (const old of readdirSync(dir))
      if (old !== name && old.startsWith('main-')) rmSync(join(dir, old), { force: true });
  }
  await import(pathToFileURL(out).href);
}

await main();
