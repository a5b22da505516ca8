// The report of a small day, byte for byte as it was before the simulation stopped keeping what
// the report does not need (issue 15: finished contacts' bookkeeping freed, transcripts kept only
// for the conversation QA reads, the SLA history without case copies). The fixture was written by
// `JSON.stringify(buildDayReport(await simulateDay(DAY)), null, 2)` on 5bd726a (main after the
// demo-realism changes: email queue, spike history, signed-in chat), before the memory work, and
// regenerated the same way for the outage journey (issue 16): notified customers skip some of
// their later contacts, so the day has fewer contacts, and the report gains `outage`. With
// `outage: false` the day is the earlier one byte for byte (apart from `outage: null`): the second
// fixture is the earlier one with that key, and the second test checks it. A change that means to alter the day's figures regenerates it the same way
// and says why in its commit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDayReport, simulateDay } from '../src/index.js';

const DAY = { agents: 20, interactions: 800, seed: 2026 } as const;
const fixture = new URL('./fixtures/report-20x800-seed2026.json', import.meta.url);
/** The fixture before the outage journey, plus `"outage": null` (written with `outage: false`). */
const withoutOutage = new URL('./fixtures/report-20x800-seed2026-no-outage.json', import.meta.url);

describe('the report of a fixed day', () => {
  it('is identical to the fixture', async () => {
    const report = buildDayReport(await simulateDay(DAY));
    expect(`${JSON.stringify(report, null, 2)}\n`).toBe(readFileSync(fixture, 'utf8'));
  }, 120_000);

  it('is identical to the fixture when the store forgets closed conversations at once', async () => {
    // The report reads no closed conversation: a zero retention window changes nothing in it.
    const report = buildDayReport(await simulateDay({ ...DAY, conversationRetentionMs: 0 }));
    expect(`${JSON.stringify(report, null, 2)}\n`).toBe(readFileSync(fixture, 'utf8'));
  }, 120_000);

  it('without the outage journey, is the day before it byte for byte (with outage: null)', async () => {
    const report = buildDayReport(await simulateDay({ ...DAY, outage: false }));
    expect(`${JSON.stringify(report, null, 2)}\n`).toBe(readFileSync(withoutOutage, 'utf8'));
  }, 120_000);
});
