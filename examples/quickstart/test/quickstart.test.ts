import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { quickstart } from '../src/quickstart.js';
import { openStorage } from '../src/storage.js';

const T0 = Date.UTC(2026, 10, 24, 9);
const PG_URL = process.env.THREADLINE_PG_URL;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-quickstart-'));
  dirs.push(dir);
  return dir;
}

async function run(spec: string, schema?: string, at = T0) {
  const opened = await openStorage(spec, schema === undefined ? {} : { schema });
  const lines: string[] = [];
  try {
    const result = await quickstart(opened.storage, new ManualClock(at), (l) => lines.push(l));
    return { ...result, lines };
  } finally {
    await opened.close();
  }
}

const EXPECTED = [
  'customer.created',
  'identity.attached',
  'identity.attached',
  'worker.status_changed',
  'task.queued',
  'reservation.created',
  'case.opened',
  'sla.started',
  'reservation.accepted',
  'task.assigned',
];
const sorted = (xs: string[]) => [...xs].sort();

describe('quickstart', () => {
  it('on memory: one customer on two channels, a task kai accepted, a case with an SLA, deterministically', async () => {
    const a = await run('memory');
    const b = await run('memory');
    expect(a.events.map((e) => e.type)).toEqual(EXPECTED);
    expect(new Set(a.events.map((e) => e.id)).size).toBe(a.events.length);
    expect(b.events.map((e) => e.id)).toEqual(a.events.map((e) => e.id));
    expect(b.lines).toEqual(a.lines);
    expect(a.lines[0]).toMatch(/\(created\); chat → (\S+) \(matched\)$/);
    expect(a.lines).toContain(
      `task ${a.taskId}: assigned (worker kai); case ${a.caseId}: first_reply due 2026-11-24T10:00:00.000Z`,
    );
    expect(a.lines.some((l) => l.startsWith('recovered:'))).toBe(false); // memory does not survive the process
  });

  it('on PGlite: the same events and ids, and fresh engines recover the task and the case', async () => {
    const memory = await run('memory');
    const pglite = await run(`pglite:${tempDir()}`);
    // Routing and cases commit on their own schedules, so the two streams may interleave differently.
    expect(sorted(pglite.events.map((e) => e.id))).toEqual(sorted(memory.events.map((e) => e.id)));
    expect(pglite.lines.at(-1)).toBe('recovered: task assigned (worker kai); case new');
  });

  it('on PGlite: a second run on the same directory recovers the first run and finds the same customer', async () => {
    const dir = tempDir();
    const first = await run(`pglite:${dir}`);
    const second = await run(`pglite:${dir}`, undefined, T0 + 3_600_000);
    expect(second.customerId).toBe(first.customerId);
    expect(second.events.map((e) => e.type)).not.toContain('customer.created');
    expect(second.lines.at(-1)).toBe('recovered: task assigned (worker kai); case new');
  });

  // CI sets THREADLINE_PG_URL and refuses skipped tests; a server that is down fails here loudly.
  it.skipIf(PG_URL === undefined)('on the PostgreSQL server named by THREADLINE_PG_URL', async () => {
    const schema = `qs_${process.pid}_${Date.now().toString(36)}`;
    const result = await run(PG_URL as string, schema);
    expect(sorted(result.events.map((e) => e.type))).toEqual(sorted(EXPECTED));
    expect(result.lines.at(-1)).toBe('recovered: task assigned (worker kai); case new');
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: PG_URL });
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });
});
