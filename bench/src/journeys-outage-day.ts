// What the outage journey costs the demo's default day: alternating runs of the demo's day
// (`simulateDemoDay`, 500 agents, 50,000 contacts, memory adapter) with the outage journey on (as
// `pnpm demo` runs it), off (`outage: false`), and on without its modelled effect (`deflection: 0`:
// every contact still happens, so the day's work is the same as "off" plus the journey). Each run
// is a child process of its own; CPU is the child's `process.cpuUsage` around the day (user +
// system). Not a `*.bench.ts` file: `pnpm bench` does not run it.
//
//   node --conditions=@threadline/source --import tsx bench/src/journeys-outage-day.ts [runs per arm, default 5]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadAverage, spread } from './util.js';

type Arm = 'on' | 'off' | 'on-no-deflection';
const ARMS: Arm[] = ['off', 'on', 'on-no-deflection'];

interface RunFigures {
  arm: Arm;
  cpuS: number;
  wallS: number;
  contacts: number;
  deflected: number;
  entered: number;
  sent: number;
  load: string;
}

async function child(arm: Arm): Promise<void> {
  const { simulateDemoDay } = await import('../../examples/contact-center/src/simulation.js');
  const load = loadAverage();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const day = await simulateDemoDay(
    arm === 'off' ? { outage: false } : arm === 'on' ? {} : { outage: { deflection: 0 } },
  );
  const cpu = process.cpuUsage(cpu0);
  const events = day.outage?.events ?? [];
  const figures: RunFigures = {
    arm,
    cpuS: (cpu.user + cpu.system) / 1e6,
    wallS: (performance.now() - wall0) / 1000,
    contacts: day.interactions.length,
    deflected: day.outage?.modelDeflectedContacts ?? 0,
    entered: events.filter((e) => e.type === 'journey.entered').length,
    sent: events.filter((e) => e.type === 'journey.message_sent').length,
    load,
  };
  console.log(JSON.stringify(figures));
}

function parent(runs: number): void {
  const self = fileURLToPath(import.meta.url);
  const results: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    // Rotate the order so no arm always runs first in a round.
    const order = ARMS.map((_, k) => ARMS[(i + k) % ARMS.length] as Arm);
    for (const arm of order) {
      const r = spawnSync(
        process.execPath,
        ['--max-semi-space-size=64', '--conditions=@threadline/source', '--import', 'tsx', self, arm],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (r.status !== 0) throw new Error(`run ${arm} failed: ${r.stderr}`);
      const line = r.stdout.trim().split('\n').at(-1) ?? '';
      const f = JSON.parse(line) as RunFigures;
      results.push(f);
      console.log(
        `${arm.padEnd(17)} cpu ${f.cpuS.toFixed(2)} s  wall ${f.wallS.toFixed(2)} s  contacts ${f.contacts}  ` +
          `deflected ${f.deflected}  entered ${f.entered}  sent ${f.sent}  load ${f.load}`,
      );
    }
  }
  console.log(`\nload average after: ${loadAverage()}`);
  for (const arm of ARMS) {
    const rows = results.filter((r) => r.arm === arm);
    console.log(
      `${arm.padEnd(17)} CPU s ${spread(
        rows.map((r) => r.cpuS),
        2,
      )}  wall s ${spread(
        rows.map((r) => r.wallS),
        2,
      )}  contacts ${spread(rows.map((r) => r.contacts))}  entered ${spread(rows.map((r) => r.entered))}  sent ${spread(rows.map((r) => r.sent))}`,
    );
  }
}

const arg = process.argv[2];
if (arg === 'on' || arg === 'off' || arg === 'on-no-deflection') await child(arg);
else parent(Number(arg ?? 5));
