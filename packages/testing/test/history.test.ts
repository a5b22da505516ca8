// The spike detector's history: earlier simulated days, not the curve today is drawn from.
import { createRandom, type ThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { buildDayReport, drawTraffic, generateText, simulateDay, simulateHistory } from '../src/index.js';

const text = generateText(createRandom(1), 60);
const OPEN = Date.UTC(2026, 5, 16, 12); // a Tuesday, 08:00 in New York
const classify = (t: string) => (t.toLowerCase().includes('bag') ? 'baggage' : 'other');

describe('simulateHistory', () => {
  it('covers the working days before today, skipping closed days, deterministically', () => {
    const closed = (at: number) => new Date(at).getUTCDay() === 0;
    const a = simulateHistory(createRandom(5), text, classify, { forecast: 2000, openAt: OPEN, closed });
    const b = simulateHistory(createRandom(5), text, classify, { forecast: 2000, openAt: OPEN, closed });
    expect(a).toEqual(b);
    const days = new Set(a.map((o) => Math.floor((o.at - OPEN) / 86_400_000)));
    expect(days.size).toBe(20);
    expect(Math.max(...days)).toBe(-1);
    expect(a.every((o) => o.at < OPEN && new Date(o.at).getUTCDay() !== 0)).toBe(true);
    expect(new Set(a.map((o) => o.topic))).toEqual(new Set(['baggage', 'other']));
  });

  it('varies from day to day: volume by weekday and noise, not one curve repeated', () => {
    const obs = simulateHistory(createRandom(6), text, classify, { forecast: 5000, openAt: OPEN, days: 12 });
    const perDay = new Map<number, number>();
    for (const o of obs) {
      const d = Math.floor((o.at - OPEN) / 86_400_000);
      perDay.set(d, (perDay.get(d) ?? 0) + o.count);
    }
    const totals = [...perDay.values()];
    expect(Math.min(...totals)).toBeGreaterThan(5000 * 0.55);
    expect(Math.max(...totals)).toBeLessThan(5000 * 1.35);
    expect(new Set(totals).size).toBe(totals.length);
  });

  it('refuses bad options with VALIDATION and the path, and a `closed` that never opens', () => {
    const bad = (options: Parameters<typeof simulateHistory>[3]) => {
      try {
        simulateHistory(createRandom(1), text, classify, options);
      } catch (e) {
        return {
          code: (e as ThreadlineError).code,
          paths: (e as ThreadlineError).issues.map((i) => i.path.join('.')),
        };
      }
      return 'no error';
    };
    expect(bad({ forecast: -1, openAt: OPEN })).toEqual({ code: 'VALIDATION', paths: ['forecast'] });
    expect(bad({ forecast: 10, openAt: 1.5 })).toEqual({ code: 'VALIDATION', paths: ['openAt'] });
    expect(bad({ forecast: 10, openAt: OPEN, days: 0 })).toEqual({ code: 'VALIDATION', paths: ['days'] });
    expect(bad({ forecast: 10, openAt: OPEN, days: 2, closed: () => true })).toEqual({
      code: 'VALIDATION',
      paths: ['closed'],
    });
  });

  it('is labelled by the classifier it is given (its confusions are part of the history)', () => {
    const obs = simulateHistory(createRandom(7), text, () => 'everything', {
      forecast: 500,
      openAt: OPEN,
      days: 2,
    });
    expect(new Set(obs.map((o) => o.topic))).toEqual(new Set(['everything']));
  });
});

describe('the simulated day learns its spike baseline from that history', () => {
  it('finds the storm, and a day without one raises no disruption alert in the afternoon', async () => {
    const storm = buildDayReport(await simulateDay({ agents: 40, interactions: 3000, seed: 11 }));
    expect(
      storm.insights.spikes.some(
        (s) => s.topic === 'disruptions' && s.window >= '15:00' && s.window <= '15:45',
      ),
    ).toBe(true);
    // The same day's demand drawn without the storm (08:00 in New York on the default date).
    const words = generateText(createRandom(11 ^ 0x5eed));
    const traffic = drawTraffic(createRandom(13), words, { interactions: 3000, openAt: OPEN, stormShare: 0 });
    const calm = await simulateDay({ agents: 40, seed: 11, text: words, traffic });
    const spikes = buildDayReport(calm).insights.spikes.filter((s) => s.detectors.includes('tail'));
    expect(spikes.filter((s) => s.topic === 'disruptions' && s.window.startsWith('15:'))).toEqual([]);
    expect(spikes.length).toBeLessThanOrEqual(2);
  }, 600_000); // two 3,000-contact days: about a minute on a quiet 2-core machine
});
