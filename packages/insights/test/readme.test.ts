// Runs every ```ts block of the README as a module and checks that what it prints is what the
// README says it prints: each `console.log(...); // → text` line must print exactly `text`, in order.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { format } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const dir = new URL('./.readme-blocks/', import.meta.url);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('README examples', () => {
  it('has ts blocks, each a module importing the package by name', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    for (const b of blocks) expect(b).toMatch(/from '@threadline\/insights';/);
  });

  blocks.forEach((block, i) => {
    const expected = [...block.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]);
    it(`block ${i + 1} prints what the README says (${expected.length} lines)`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = new URL(`block${i + 1}.ts`, dir);
      writeFileSync(file, block);
      const printed: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(format(...args));
      });
      try {
        await import(/* @vite-ignore */ file.href);
      } finally {
        spy.mockRestore();
      }
      expect(printed).toEqual(expected);
    });
  });
});
