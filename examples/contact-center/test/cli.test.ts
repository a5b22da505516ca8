import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../src/cli.js';
import { simulateDemoDay } from '../src/simulation.js';

describe('demo command line', () => {
  it('takes both --name value and --name=value', () => {
    expect(parseCli(['--agents', '5000', '--interactions=500000'])).toEqual({
      help: false,
      options: { agents: 5000, interactions: 500_000 },
    });
  });

  it('takes every documented option', () => {
    expect(
      parseCli(['--seed', '7', '--date', '2026-01-13', '--time-zone', 'Europe/Berlin', '--agents', '20']),
    ).toEqual({
      help: false,
      options: { seed: 7, date: '2026-01-13', timeZone: 'Europe/Berlin', agents: 20 },
    });
    expect(parseCli(['--json', 'out/day.json'])).toEqual({ help: false, options: {}, json: 'out/day.json' });
    expect(parseCli(['--out', 'runs/today', '--json=day.json'])).toEqual({
      help: false,
      options: {},
      json: 'day.json',
      out: 'runs/today',
    });
    expect(parseCli(['--help'])).toEqual({ help: true });
    expect(parseCli([])).toEqual({ help: false, options: {} });
  });

  it.each([
    [['--agent=5000'], /agent/],
    [['--agents'], /agents/],
    [['--agents', 'many'], /--agents must be an integer/],
    [['--agents', '4'], /--agents must be an integer ≥ 5/],
    [['--interactions', '1.5'], /--interactions/],
    [['--date', '2026-13-45'], /--date/],
    [['--time-zone', 'Mars/Olympus'], /--time-zone/],
    [['extra'], /extra/],
    [['--json', ' '], /--json needs a file path/],
    [['--out', ''], /--out needs a folder/],
    [['--out'], /out/],
  ])('refuses %j with a UsageError that names it', (args, message) => {
    expect(() => parseCli(args)).toThrow(UsageError);
    expect(() => parseCli(args)).toThrow(message);
  });
});

describe('the day in its time zone', () => {
  it('opens at 08:00 local time whatever the offset of that date (winter, New York = UTC−5)', async () => {
    const day = await simulateDemoDay({
      agents: 20,
      interactions: 60,

      date: '2026-01-13',
    });
    const first = Math.min(...day.interactions.map((r) => r.arrivedAt));
    // 08:00 EST is 13:00 UTC; the old fixed UTC−4 offset opened at 12:00 UTC.
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-01-13T13:00:00Z'));
    expect(first).toBeLessThan(Date.parse('2026-01-13T14:00:00Z'));
  });

  it('follows the zone it is given', async () => {
    const day = await simulateDemoDay({
      agents: 20,
      interactions: 60,

      date: '2026-06-16',
      timeZone: 'Europe/Berlin',
    });
    const first = Math.min(...day.interactions.map((r) => r.arrivedAt));
    // 08:00 CEST is 06:00 UTC.
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-06-16T06:00:00Z'));
    expect(first).toBeLessThan(Date.parse('2026-06-16T07:00:00Z'));
  });
});
