// The case-engine workload shared by `cases-store.bench.ts` and `cases-putmany-ab.ts`: per case
// open, agent reply, customer reply, solve, close (5 commands; the close evicts the case), with a
// `flush` every `burst` commands.
import { type CaseEngine, createCaseEngine } from '@threadline/cases';
import { createSequentialIds, ManualClock, type ThreadlineStorage } from '@threadline/core';

const T0 = Date.UTC(2026, 0, 5, 9);

/** A case engine on `storage` with one SLA policy (first reply 1 h, resolution 8 h). */
export function caseEngineOn(storage: ThreadlineStorage, clock: ManualClock): CaseEngine {
  return createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies: [
      {
        id: 'default',
        targets: { first_reply: { normal: { hours: 1 } }, resolution: { normal: { hours: 8 } } },
      },
    ],
    storage,
  });
}

/**
 * Runs `cases` cases through a fresh engine on `storage` (after one warm-up case) and returns
 * commands per second; throws when closed cases were not evicted.
 */
export async function runCaseWorkload(
  storage: ThreadlineStorage,
  cases: number,
  burst: number,
): Promise<number> {
  const clock = new ManualClock(T0);
  const engine = caseEngineOn(storage, clock);
  // Warm-up: collections, declaration, JIT.
  engine.openCase({ id: 'warm', customerId: 'w', subject: 'w', priority: 'normal', channel: 'chat' });
  await engine.flush();
  let commands = 0;
  const step = async (fn: () => void) => {
    fn();
    commands++;
    if (commands % burst === 0) await engine.flush();
  };
  const start = performance.now();
  for (let i = 0; i < cases; i++) {
    const id = `c${i}`;
    clock.advance(1000);
    await step(() =>
      engine.openCase({ id, customerId: `u${i}`, subject: 'Refund', priority: 'normal', channel: 'chat' }),
    );
    await step(() => engine.recordMessage(id, { author: 'agent', public: true }));
    await step(() => engine.recordMessage(id, { author: 'customer', public: true }));
    await step(() => engine.transition(id, 'solved', { actor: 'a' }));
    await step(() => engine.transition(id, 'closed', { actor: 'a' }));
  }
  await engine.flush();
  const seconds = (performance.now() - start) / 1000;
  if (engine.stats().cases !== 1)
    throw new Error(`expected closed cases to be evicted: ${engine.stats().cases}`);
  return commands / seconds;
}
