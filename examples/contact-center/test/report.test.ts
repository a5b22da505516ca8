import {
  buildDayReport,
  CHANNELS,
  type DayReport,
  type DayResult,
  TOPICS,
  WAIT_BUCKETS,
} from '@threadline/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../src/report.js';
import { simulateDemoDay } from '../src/simulation.js';

const SMALL = { agents: 20, interactions: 500 } as const;

describe('report data over the day', () => {
  let day: DayResult;
  let report: DayReport;

  beforeAll(async () => {
    // Closed cases stay in the engine so these checks can read every case's SLA record there (the
    // report is the same as with them folded away: packages/testing/test/caseClosing.test.ts).
    day = await simulateDemoDay({ ...SMALL, keepClosedCases: true });
    report = buildDayReport(day);
  });

  it('splits the opening hours into 15-minute intervals that account for every arrival', () => {
    expect(report.intervals).toHaveLength(48);
    expect(report.intervals[0]?.start).toBe('08:00');
    expect(report.intervals.at(-1)?.start).toBe('19:45');
    for (const c of CHANNELS)
      expect(report.intervals.reduce((s, i) => s + i.arrivals[c], 0)).toBe(
        day.interactions.filter((r) => r.channel === c).length,
      );
    for (const i of report.intervals) {
      const arrived = CHANNELS.reduce((s, c) => s + i.arrivals[c], 0);
      expect(TOPICS.reduce((s, t) => s + i.topics[t], 0)).toBe(arrived);
      expect(i.sentiment.negative + i.sentiment.neutral + i.sentiment.positive).toBe(arrived);
      if (arrived === 0) expect(i.sentiment.mean).toBeNull();
      for (const c of CHANNELS) {
        const sl = i.serviceLevel[c];
        if (sl !== null) expect(sl).toBeGreaterThanOrEqual(0);
        if (sl !== null) expect(sl).toBeLessThanOrEqual(1);
      }
    }
  });

  it('puts every contact offered to people in exactly one wait bucket', () => {
    for (const row of report.channels) {
      const waits = report.waits[row.channel];
      expect(WAIT_BUCKETS.reduce((s, b) => s + waits[b], 0)).toBe(row.offeredToPeople);
      const gaveUp = day.interactions.filter(
        (r) =>
          r.channel === row.channel &&
          r.offeredAt !== undefined &&
          r.answeredAt === undefined &&
          r.abandonedAt !== undefined,
      ).length;
      expect(waits.abandoned).toBe(gaveUp);
    }
  });

  it('lists the longest waits, longest first, from the day’s own records', () => {
    const rows = report.drillDown.longestWaits;
    expect(rows).toHaveLength(25);
    for (let k = 1; k < rows.length; k++)
      expect((rows[k - 1] as (typeof rows)[number]).waitSeconds).toBeGreaterThanOrEqual(
        (rows[k] as (typeof rows)[number]).waitSeconds,
      );
    const byId = new Map(day.interactions.map((r) => [r.id, r]));
    for (const w of rows) {
      const r = byId.get(w.id);
      expect(r?.offeredAt).toBeDefined();
      expect(w.channel).toBe(r?.channel);
      expect(w.outcome).toBe(r?.outcome);
    }
  });

  it('breaks SLA attainment down by channel and lists the first breaches', () => {
    expect(Object.keys(report.cases.attainmentByChannel)).toEqual([
      'first_reply',
      'next_reply',
      'resolution',
    ]);
    expect(report.drillDown.breaches).toHaveLength(Math.min(50, report.cases.breachedMetricInstances));
    for (const b of report.drillDown.breaches) {
      expect(
        day.cases.getSla(b.caseId).some((m) => m.metric === b.metric && m.breachedAt !== undefined),
      ).toBe(true);
    }
  });

  it('says when each spike was detected: at or after its window', () => {
    for (const s of report.insights.spikes) expect(s.detectedAt >= s.window).toBe(true);
  });

  it('renders one chart container per chart, the data as JSON, and escapes what it shows', () => {
    const html = renderHtmlReport(report);
    const ids = [...html.matchAll(/<div class="plot" id="chart-([a-z-]+)">/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'arrivals-staffing',
      'service-level',
      'asa',
      'sla-attainment',
      'sentiment',
      'topics',
      'waits',
      'outage',
    ]);
    const data = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(data as string)).toEqual(report);
    const hostile = renderHtmlReport({ ...report, setup: { ...report.setup, timeZone: '</script><b>x' } });
    expect(hostile).not.toContain('</script><b>x');
    expect(hostile).toContain('&lt;/script&gt;&lt;b&gt;x');
  });
});

describe('report times in the day’s zone', () => {
  it('labels hours in local time whatever the offset (winter New York, Berlin)', async () => {
    for (const options of [{ date: '2026-01-13' }, { timeZone: 'Europe/Berlin' }]) {
      const report = buildDayReport(await simulateDemoDay({ agents: 20, interactions: 60, ...options }));
      expect(report.hours[0]?.hour).toBe('08:00');
      expect(report.intervals[0]?.start).toBe('08:00');
      // Voice-capable people are on shift from the first hour (the early shift starts at 08:00 local).
      expect(report.hours[0]?.voiceOnShift).toBeGreaterThan(0);
    }
  });
});
