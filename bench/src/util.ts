// Small timing helpers shared by the bench files.
import { readFileSync } from 'node:fs';

/**
 * True under `pnpm bench --quick` (`run.ts` sets `THREADLINE_BENCH_QUICK=1` for every bench it
 * starts): each bench shrinks its sizes and runs so the whole suite finishes in a few minutes, as a
 * CI smoke test that the benches still run. Quick figures are not measurements; do not record them.
 */
export const QUICK = process.env['THREADLINE_BENCH_QUICK'] === '1';

/** `full` normally, `small` under `--quick`. */
export function sized<T>(full: T, small: T): T {
  return QUICK ? small : full;
}

/** Median of a list of numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `median [min–max]` of a list of numbers, formatted with {@link fmt}. */
export function spread(values: readonly number[], digits = 0): string {
  if (values.length === 0) return '—';
  return `${fmt(median(values), digits)} [${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}]`;
}

/** The 1-, 5- and 15-minute load averages (`/proc/loadavg`), or `n/a` off Linux. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/** CPU time of this process (user + system, all threads) in milliseconds. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns ops/s. */
export function opsPerSecond(fn: (i: number) => unknown, ms = 1000, batch = 1000): number {
  if (QUICK) ms = Math.min(ms, 100);
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
  if (QUICK) ms = Math.min(ms, 100);
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

/**
 * Arrival times by key for latency samples: `expect(key)` before the commit, `arrive(key)` from the
 * handler. Waiting is a promise the handler resolves, not a poll: a `setImmediate` loop would add
 * to the latency and keep one of the two cores busy, slowing the database for both systems.
 */
export function arrivals() {
  const at = new Map<string | number, number>();
  const waiting = new Map<string | number, () => void>();
  return {
    at,
    arrive(key: string | number) {
      at.set(key, performance.now());
      waiting.get(key)?.();
    },
    expect(key: string | number, what: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
        waiting.set(key, () => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve();
        });
      });
    },
  };
}
