import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a fixture mail as bytes (test helper). */
export function fixture(name: string): Buffer {
  return readFileSync(join(import.meta.dirname, 'fixtures', name));
}
