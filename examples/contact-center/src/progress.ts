// Progress of a running day for the terminal: a one-line bar redrawn in place on a TTY (simulated
// clock, contacts, events/s, ETA), plain lines at every tenth of the day otherwise (CI logs).
import type { DayProgress } from '@threadline/testing';

/** Where progress goes and how it reads time. */
export interface ProgressOptions {
  /** The stream to write to (the demo uses stderr, so stdout stays the report). */
  stream: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Formats the simulated clock (e.g. local `HH:MM` in the day's zone). */
  formatTime: (t: number) => string;
  /** Wall clock in milliseconds (default `performance.now`). */
  wallClock?: () => number;
  /** Least time between two redraws on a TTY (ms, default 100). */
  redrawMs?: number;
}

/** A progress display: hand it every {@link DayProgress} the day reports. */
export interface ProgressRenderer {
  update(progress: DayProgress): void;
}

const WIDTH = 24;

function rate(events: number, ms: number): string {
  const perSecond = ms <= 0 ? 0 : (events / ms) * 1000;
  return perSecond >= 1000 ? `${(perSecond / 1000).toFixed(0)}k` : perSecond.toFixed(0);
}

function eta(fraction: number, elapsedMs: number): string {
  if (fraction <= 0) return '…';
  const s = Math.max(0, Math.round((elapsedMs * (1 - fraction)) / fraction / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/**
 * Creates a progress display for `simulateDay`'s `onProgress`.
 *
 * @example
 * ```ts
 * const bar = createProgressRenderer({ stream: process.stderr, formatTime: localClock('America/New_York') });
 * await simulateDay({ onProgress: (p) => bar.update(p) });
 * ```
 */
export function createProgressRenderer(options: ProgressOptions): ProgressRenderer {
  const wall = options.wallClock ?? (() => performance.now());
  const redrawMs = options.redrawMs ?? 100;
  const tty = options.stream.isTTY === true;
  const started = wall();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  return {
    update(p) {
      const now = wall();
      const elapsed = now - started;
      const fraction = p.interactions === 0 ? 1 : Math.min(1, p.arrived / p.interactions);
      const line =
        `${options.formatTime(p.now)} simulated · ${p.arrived.toLocaleString('en-US')}/${p.interactions.toLocaleString('en-US')} contacts · ` +
        `${rate(p.busEvents, elapsed)} events/s · ${p.done ? `done in ${(elapsed / 1000).toFixed(1)} s` : `ETA ${eta(fraction, elapsed)}`}`;
      if (tty) {
        if (!p.done && now - lastDraw < redrawMs) return;
        lastDraw = now;
        const filled = Math.round(fraction * WIDTH);
        const bar = `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
        // A pseudo-terminal may report 0 columns: then assume a usual width.
        const columns = (options.stream.columns ?? 0) > 20 ? (options.stream.columns as number) : 120;
        const text = `${bar}${line}`.slice(0, columns - 1);
        options.stream.write(`\r\x1b[2K${text}${p.done ? '\n' : ''}`);
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (!p.done && tenth <= lastTenth) return;
      lastTenth = tenth;
      options.stream.write(`progress ${(fraction * 100).toFixed(0)}%: ${line}\n`);
    },
  };
}
