// The root README quotes the quickstart whole; this keeps the quote and the file equal and the
// file under 60 lines (issue 15).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const file = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');
const MARKER = '<!-- quote: examples/quickstart/src/quickstart.ts -->';

describe('the quickstart quoted in the root README', () => {
  const source = file('../src/quickstart.ts');

  it('stays under 60 lines', () => {
    expect(source.endsWith('\n')).toBe(true);
    expect(source.split('\n').length - 1).toBeLessThan(60);
  });

  it('is quoted whole, in the ```ts block after the marker', () => {
    const readme = file('../../../README.md');
    const at = readme.indexOf(MARKER);
    expect(at, `README.md has no ${MARKER}`).toBeGreaterThan(-1);
    const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme.slice(at + MARKER.length));
    expect(block?.index, 'the block must follow the marker directly').toBe(1);
    expect(block?.[1]).toBe(source);
  });
});
