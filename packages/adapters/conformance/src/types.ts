import type { DocumentStore } from '@threadline/core';
/** The test-runner functions a suite needs (vitest, jest and node:test-with-expect all fit). */
export interface SuiteRunner {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => Promise<void> | void, timeout?: number) => void;
  // biome-ignore lint/suspicious/noExplicitAny: the runner's own expect is loosely typed on purpose
  expect: (value: unknown) => any;
}

/** Registers one store test: a fresh store and a fresh collection name per test. */
export type StoreTest = (
  title: string,
  fn: (store: DocumentStore, collection: string) => Promise<void>,
) => void;

/** Makes a value that may be a promise. */
export type MaybePromise<T> = T | Promise<T>;

let counter = 0;
/** A name unique within this process, safe as a collection or stream name. */
export function uniqueName(prefix: string, namespace: string): string {
  counter++;
  return `${prefix}_${namespace}_${counter}`;
}

/** Waits until `check()` is true, polling every 5 ms, or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Expects `fn` to reject with a ThreadlineError of `code`; returns the error. */
export async function expectCode(
  runner: SuiteRunner,
  fn: () => Promise<unknown>,
  code: string,
): Promise<{ code: string; issues: { path: (string | number)[] }[] }> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  runner.expect(caught).toBeDefined();
  runner.expect((caught as { name?: string }).name).toBe('ThreadlineError');
  runner.expect((caught as { code?: string }).code).toBe(code);
  return caught as { code: string; issues: { path: (string | number)[] }[] };
}
