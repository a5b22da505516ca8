// The library's public boundaries that a simulated day calls tens of thousands of times, each
// with the input shape the demo hands it: `openCase`, `buildHandoffPacket`, `getContext` with
// two providers, and a one-document memory-store transaction. CPU microseconds per call
// (`process.cpuUsage`), median [min–max] of five rounds.
//
// A/B in one process: with `THREADLINE_BENCH_BASE=<another checkout>` the same operations also run
// on that checkout's sources, the two sides alternating round by round (so both see the same
// machine load), and the table gets a column per side.
import { join } from 'node:path';
import { cpuMs, loadAverage, sized, spread, table } from './util.js';

type Libs = {
  core: typeof import('@threadline/core');
  cases: typeof import('@threadline/cases');
  memory: typeof import('@threadline/adapter-memory');
};

async function loadLibs(root: string | undefined): Promise<Libs> {
  if (root === undefined) {
    return {
      core: await import('@threadline/core'),
      cases: await import('@threadline/cases'),
      memory: await import('@threadline/adapter-memory'),
    };
  }
  // Each package's own sources; their `@threadline/*` imports resolve inside that checkout.
  return {
    core: await import(join(root, 'packages/core/src/index.ts')),
    cases: await import(join(root, 'packages/cases/src/index.ts')),
    memory: await import(join(root, 'packages/adapters/memory/src/index.ts')),
  };
}

const T0 = Date.UTC(2026, 0, 5, 9);
type Op = { name: string; calls: number; make: (l: Libs) => Promise<(i: number) => unknown> };

const ops: Op[] = [
  {
    name: 'openCase (demo input: attributes, customer snapshot)',
    calls: sized(20_000, 2_000),
    make: async ({ core, cases }) => {
      const engine = cases.createCaseEngine({ clock: new core.ManualClock(T0), calendars: {}, policies: [] });
      return (i) =>
        engine.openCase({
          customerId: `cus-${i}`,
          subject: 'Refund for a cancelled flight',
          priority: 'normal',
          channel: 'chat',
          attributes: { topic: 'refunds', language: 'en' },
          customer: { tier: 'gold', segment: 'leisure' },
          actor: 'system',
        });
    },
  },
  {
    name: 'buildHandoffPacket (6 messages, 2 SLA clocks)',
    calls: sized(20_000, 2_000),
    make: async ({ core }) => {
      const deps = { clock: new core.ManualClock(T0), ids: core.createSequentialIds(), maxMessages: 10 };
      const transcript = Array.from({ length: 6 }, (_, k) => ({
        author: { kind: k % 2 === 0 ? ('customer' as const) : ('bot' as const) },
        body: `message number ${k} about my refund`,
        at: T0 - 60_000 + k * 5_000,
      }));
      return (i) =>
        core.buildHandoffPacket(
          {
            conversationId: `task-${i}`,
            customerId: `cus-${i}`,
            channel: 'chat',
            from: { kind: 'bot', id: 'bot-1' },
            to: { kind: 'queue', id: 'refunds' },
            reason: { code: 'transfer', note: 'the assistant could not resolve it' },
            transcript,
            intent: { name: 'refunds', confidence: 0.62 },
            sentiment: { label: 'negative', score: -0.4 },
            sla: [
              { metric: 'first_reply', state: 'active', dueAt: T0 + 60_000 },
              { metric: 'resolution', state: 'active', dueAt: T0 + 3_600_000 },
            ],
            identity: { confidence: 0.9, verified: true, evidence: ['email:ana@example.com'] },
            context: { openCases: 1, recentCases: 0, lastAgents: ['agent-1'], sentimentTrend: [-0.2, -0.4] },
          },
          deps,
        );
    },
  },
  {
    name: 'getContext (memory store, cases + insights providers)',
    calls: sized(10_000, 1_000),
    make: async ({ core, memory }) => {
      const clock = new core.ManualClock(T0);
      const storage = memory.createMemoryStorage();
      const contexts = core.createContextAssembler({ store: storage.documents, clock });
      await contexts.ready();
      await storage.documents.put('customers', {
        id: 'cus-1',
        tenantId: 'default',
        profile: {},
        attributes: {},
        consent: [],
        createdAt: T0,
        updatedAt: T0,
      });
      const ref = {
        id: 'case-1',
        tenantId: 'default',
        status: 'open',
        subject: 'Refund',
        priority: 'normal',
      };
      contexts.register({
        name: 'cases',
        provide: () => ({ cases: { open: [{ ...ref, openedAt: T0 }], recent: [] } }),
      });
      contexts.register({
        name: 'insights',
        provide: ({ customerId, at }) => ({
          signals: {
            sentimentTrend: [{ id: 's-1', kind: 'sentiment', value: -0.3, observedAt: T0 }],
            health: { id: `${customerId}:health`, kind: 'health', value: 61, label: 'fair', observedAt: at },
          },
        }),
      });
      return () => contexts.getContext('cus-1', { recentConversations: 3, messagesPerConversation: 5 });
    },
  },
  {
    name: 'memory transaction: one put, indexed collection, no unique index',
    calls: sized(20_000, 2_000),
    make: async ({ memory }) => {
      const storage = memory.createMemoryStorage();
      await storage.documents.defineCollection('notes', { indexes: ['customerId'] });
      return (i) =>
        storage.documents.transaction(async (tx) => {
          await tx.documents.put('notes', {
            id: `n-${i}`,
            tenantId: 'default',
            customerId: `cus-${i % 100}`,
            text: 'x',
          });
        });
    },
  },
];

/** CPU µs per call of `calls` calls (awaiting each result that is a promise). */
async function measure(fn: (i: number) => unknown, calls: number, offset: number): Promise<number> {
  const start = cpuMs();
  for (let i = 0; i < calls; i++) {
    const r = fn(offset + i);
    if (r instanceof Promise) await r;
  }
  return ((cpuMs() - start) * 1000) / calls;
}

const baseRoot = process.env['THREADLINE_BENCH_BASE'];
const sides: [string, Libs][] = [['this checkout', await loadLibs(undefined)]];
if (baseRoot !== undefined) sides.push([`base (${baseRoot})`, await loadLibs(baseRoot)]);
const rounds = sized(5, 2);
console.log(
  `load average: ${loadAverage()}; ${rounds} rounds${sides.length > 1 ? ', sides alternating' : ''}`,
);

const rows: string[][] = [];
for (const op of ops) {
  const perSide: number[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always runs on a warmer or quieter machine.
    const order = r % 2 === 0 ? sides.map((_, k) => k) : sides.map((_, k) => sides.length - 1 - k);
    for (const k of order) {
      const fn = await op.make((sides[k] as [string, Libs])[1]);
      await measure(fn, Math.ceil(op.calls / 10), 0); // warm-up
      (perSide[k] as number[]).push(await measure(fn, op.calls, op.calls));
    }
  }
  rows.push([op.name, ...perSide.map((v) => spread(v, 2))]);
}
table(['operation (CPU µs per call)', ...sides.map(([name]) => name)], rows);
console.log(`load average after: ${loadAverage()}`);
