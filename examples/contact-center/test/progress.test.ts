import type { DayProgress } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../src/progress.js';

const at = (arrived: number, done = false): DayProgress => ({
  now: Date.UTC(2026, 5, 16, 12) + arrived * 1000,
  openAt: Date.UTC(2026, 5, 16, 12),
  closeAt: Date.UTC(2026, 5, 17, 0),
  arrived,
  interactions: 1000,
  busEvents: arrived * 5,
  done,
});

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (s: string) => writes.push(s) } };
}

describe('progress renderer', () => {
  it('writes a plain line at every tenth of the day and at the end when not a TTY', () => {
    const { writes, stream } = sink(false);
    let wall = 0;
    const bar = createProgressRenderer({ stream, formatTime: () => '12:00', wallClock: () => wall });
    for (let n = 10; n <= 1000; n += 10) {
      wall += 10;
      bar.update(at(n));
    }
    bar.update(at(1000, true));
    expect(writes).toHaveLength(12); // 1 %, then 10 %, 20 %, … 100 %, then done
    expect(writes[0]).toMatch(
      /^progress 1%: 12:00 simulated · 10\/1,000 contacts · 5k events\/s · ETA 1 s\n$/,
    );
    expect(writes[1]).toMatch(/^progress 10%: .* 100\/1,000 contacts/);
    expect(writes.at(-1)).toMatch(/1,000\/1,000 contacts · 5k events\/s · done in 1\.0 s\n$/);
    for (const w of writes) expect(w).not.toContain('\r');
  });

  it('redraws one line in place on a TTY, at most every redrawMs, and ends it when done', () => {
    const { writes, stream } = sink(true);
    let wall = 0;
    const bar = createProgressRenderer({
      stream,
      formatTime: () => '15:30',
      wallClock: () => wall,
      redrawMs: 100,
    });
    for (let n = 1; n <= 500; n++) {
      wall += 1;
      bar.update(at(n));
    }
    expect(writes).toHaveLength(5); // 500 ms of updates, one redraw per 100 ms
    for (const w of writes) expect(w.startsWith('\r\x1b[2K[')).toBe(true);
    expect(writes.at(-1)).toContain('░');
    bar.update(at(1000, true));
    expect(writes.at(-1)).toMatch(/\[█{24}\] 100% 15:30 simulated .* done in 0\.5 s\n$/);
  });

  it('fits the line to the terminal, and assumes 120 columns when the terminal reports none', () => {
    for (const [columns, width] of [
      [60, 59],
      [0, 119],
    ] as const) {
      const writes: string[] = [];
      const bar = createProgressRenderer({
        stream: { isTTY: true, columns, write: (s: string) => writes.push(s) },
        formatTime: () => '15:30',
        wallClock: () => 0,
      });
      bar.update(at(500));
      const shown = (writes[0] as string).replace('\r\x1b[2K', '');
      expect(shown.length).toBeLessThanOrEqual(width);
      expect(shown.length).toBeGreaterThan(Math.min(width, 100) - 10);
    }
  });
});
