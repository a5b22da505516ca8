// Replay of the shared airline file (`created` timestamps + negative `reason` topics) through the
// spike detector. The file lives outside the repo (../shared/data or $THREADLINE_DATA_DIR); when
// it is missing the test is skipped with a warning rather than failing.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type SpikeAlert, SpikeDetector } from '../src/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const candidates = [
  process.env.THREADLINE_DATA_DIR,
  join(repo, '../shared/data'),
  join(repo, '../../shared/data'),
];
const file = candidates
  .filter((d): d is string => typeof d === 'string')
  .map((d) => join(d, 'airline-sentiment.csv'))
  .find((f) => existsSync(f));
if (file === undefined) {
  console.warn(
    `SKIPPING airline replay: airline-sentiment.csv not found in ${candidates.filter(Boolean).join(', ')}`,
  );
}

describe('airline replay', () => {
  it.skipIf(file === undefined)('replays every reason-tagged tweet and flags the 22 Feb burst', () => {
    const rows = parse(readFileSync(file as string, 'utf8'), {
      bom: true,
      relax_column_count: true,
    }) as string[][];
    const header = rows[0]!;
    const [iReason, iCreated] = [header.indexOf('reason'), header.indexOf('created')];
    const events = rows
      .slice(1)
      .filter((r) => r.length === header.length && r[iReason]!.length > 0)
      .map((r) => {
        const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(r[iCreated]!.trim())!;
        return {
          topic: r[iReason]!,
          at: Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5])),
        };
      })
      .sort((a, b) => a.at - b.at);
    expect(events.length).toBe(9178);
    const detector = new SpikeDetector({ window: { hours: 1 } });
    const alerts: SpikeAlert[] = [];
    for (const e of events) alerts.push(...detector.observe(e.topic, e.at));
    alerts.push(...detector.closeWindowsUntil(events[events.length - 1]!.at + 3_600_000));
    expect(detector.stats()).toMatchObject({ topics: 10, lateEvents: 0 });
    const tail = alerts.filter((a) => a.detectors.includes('tail'));
    expect(tail.length).toBeGreaterThan(0);
    const top = [...tail].sort((a, b) => a.qValue - b.qValue)[0]!;
    expect(new Date(top.windowStart).toISOString()).toBe('2015-02-22T13:00:00.000Z');
    expect(top.topic).toBe('Flight Booking Problems');
    // Every tail alert is a genuine excess over the baseline.
    for (const a of tail) expect(a.count).toBeGreaterThan(a.expected);
  });
});
