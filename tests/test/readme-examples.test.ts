// Every TypeScript example in every README compiles under the project's strict settings, as a
// module of its own that imports the packages by their published names.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { typescriptBlocks } from './readmeBlocks.js';
import { ROOT, readmes } from './workspace.js';

const OUT = join(ROOT, 'tests', '.readme-examples');

interface Origin {
  readme: string;
  line: number;
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.convertCompilerOptionsFromJson(read.config.compilerOptions, ROOT, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    moduleDetection: ts.ModuleDetectionKind.Force,
    // Examples declare values to show them; an unused one is not an error in a README.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

describe('README examples', () => {
  it('finds the READMEs and their TypeScript blocks', () => {
    const files = readmes();
    expect(files).toContain('README.md');
    expect(files).toContain(join('packages', 'core', 'README.md'));
    const blocks = files.flatMap((f) => typescriptBlocks(readFileSync(join(ROOT, f), 'utf8')));
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('every ```ts block compiles under strict', { timeout: 240_000 }, () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const origins = new Map<string, Origin>();
    for (const readme of readmes()) {
      const blocks = typescriptBlocks(readFileSync(join(ROOT, readme), 'utf8'));
      blocks.forEach((block, i) => {
        const name = `${readme.replace(/[\\/]/g, '__').replace(/\.md$/, '')}-${i + 1}.ts`;
        const file = join(OUT, name);
        writeFileSync(file, `${block.code}\n`);
        origins.set(file, { readme, line: block.line });
      });
    }
    const program = ts.createProgram([...origins.keys()], compilerOptions());
    const problems: string[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const origin = d.file ? origins.get(d.file.fileName) : undefined;
      if (d.file && origin && d.start !== undefined) {
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        problems.push(`${origin.readme}:${origin.line + line}: TS${d.code} ${message}`);
      } else {
        problems.push(`${d.file?.fileName ?? '(global)'}: TS${d.code} ${message}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
