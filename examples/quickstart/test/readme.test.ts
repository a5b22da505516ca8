// The root README quotes the quickstart whole; this keeps the quote and the file equal and the
// file under 60 lines (issue 15).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const file = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

/** The ```ts block that directly follows `<!-- quote: examples/quickstart/src/<name> -->`. */
function quoted(name: string): string | undefined {
  const marker = `<!-- quote: examples/quickstart/src/${name} -->`;
  const readme = file('../../../README.md');
  const at = readme.indexOf(marker);
  expect(at, `README.md has no ${marker}`).toBeGreaterThan(-1);
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
  expect(block?.index, 'the block must follow the marker directly').toBe(1);
  return block?.[1];
}

describe('the quickstart quoted in the root README', () => {
  const source = file('../src/quickstart.ts');

  it('stays under 60 lines', () => {
    expect(source.endsWith('\n')).toBe(true);
    expect(source.split('\n').length - 1).toBeLessThan(60);
  });

  it('is quoted whole, in the ```ts block after the marker', () => {
    expect(quoted('quickstart.ts')).toBe(source);
  });
});

describe('the wiring example quoted in the root README', () => {
  it('is quoted whole, and its function body stays about 20 lines', () => {
    const source = file('../src/wiring.ts');
    expect(quoted('wiring.ts')).toBe(source);
    const body = source.slice(source.indexOf('export async function'));
    expect(body.split('\n').length - 1).toBeLessThanOrEqual(25);
  });
});
