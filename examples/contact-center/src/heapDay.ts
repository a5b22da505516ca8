// What a simulated day keeps alive: runs the demo's day, then (after a full GC) prints the heap
// still in use and writes a sampling heap profile of it (`day.heapprofile`, open it in Chrome
// DevTools → Memory) and the report JSON. Measures memory, not speed (the profiler costs time).
//
//   node --expose-gc --conditions=@threadline/source --import tsx src/heapDay.ts \
//     --agents=100 --interactions=10000 --dir=/tmp/heap [--conversation-retention-ms=off|<ms>] \
//     [--case-close-ms=off|<ms>] [--keep-closed-cases]
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDayReport } from '@threadline/testing';
import { DEMO_CASE_AUTO_CLOSE_MS, DEMO_CONVERSATION_RETENTION_MS, simulateDemoDay } from './simulation.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '100' },
    interactions: { type: 'string', default: '10000' },
    dir: { type: 'string', default: '.' },
    // `off`: the store keeps every conversation (the demo's store before retention).
    'conversation-retention-ms': { type: 'string', default: String(DEMO_CONVERSATION_RETENTION_MS) },
    // `off`: solved cases stay solved all day (the demo before the auto-close).
    'case-close-ms': { type: 'string', default: String(DEMO_CASE_AUTO_CLOSE_MS) },
    // Closed cases stay in the case engine instead of being folded (same report).
    'keep-closed-cases': { type: 'boolean', default: false },
  },
});
const retention = values['conversation-retention-ms'] as string;
const caseClose = values['case-close-ms'] as string;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const dir = values.dir as string;
mkdirSync(dir, { recursive: true });
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 32_768 });
const cpuStart = process.cpuUsage();
const day = await simulateDemoDay({
  agents: Number(values.agents),
  interactions: Number(values.interactions),
  ...(retention === 'off' ? {} : { conversationRetentionMs: Number(retention) }),
  closeSolvedAfterMs: caseClose === 'off' ? false : Number(caseClose),
  ...(values['keep-closed-cases'] === true ? { keepClosedCases: true } : {}),
});
gc();
const heapUsed = process.memoryUsage().heapUsed;
const { profile } = await session.post('HeapProfiler.stopSampling');
writeFileSync(join(dir, 'day.heapprofile'), JSON.stringify(profile));
writeFileSync(join(dir, 'report.json'), `${JSON.stringify(buildDayReport(day), null, 2)}\n`);
const cpu = process.cpuUsage(cpuStart);
console.log(
  JSON.stringify({
    contacts: day.interactions.length,
    heapUsedAfterDayMB: Math.round(heapUsed / 104_857.6) / 10,
    cpuS: Math.round((cpu.user + cpu.system) / 100_000) / 10,
  }),
);
