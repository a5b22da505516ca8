// Small timing helpers shared by the bench files.

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns ops/s. */
export function opsPerSecond(fn: (i: number) => unknown, ms = 1000, batch = 1000): number {
  let sink: unknown;
  const warmEnd = performance.now() + Math.min(300, ms / 3);
  let i = 0;
  while (performance.now() < warmEnd) for (let k = 0; k < batch; k++) sink = fn(i++);
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < batch; k++) sink = fn(i++);
    ops += batch;
    now = performance.now();
  }
  if (sink === Symbol.for('never')) console.log('');
  return (ops * 1000) / (now - start);
}

/** Async variant of {@link opsPerSecond}. */
export async function opsPerSecondAsync(
  fn: (i: number) => Promise<unknown>,
  ms = 1000,
  batch = 100,
): Promise<number> {
  let i = 0;
  const warmEnd = performance.now() + Math.min(300, ms / 3);
  while (performance.now() < warmEnd) for (let k = 0; k < batch; k++) await fn(i++);
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < batch; k++) await fn(i++);
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Percentile of a sorted array (0–100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

/** Heap used after a forced GC (run node with --expose-gc), in bytes. */
export function heapUsed(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  return process.memoryUsage().heapUsed;
}

/** Prints a markdown table. */
export function table(headers: string[], rows: (string | number)[][]): void {
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

/**
 * Starts a V8 CPU profile of this process; the returned function stops it and writes the
 * `.cpuprofile` file (open it in Chrome DevTools or speedscope).
 */
export async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}
