// Model-based property test of the replay buffer: whatever interleaving of agent messages,
// acknowledgements, disconnects and reconnects (with the client's own resume rule), the client
// processes every message exactly once and in order, and the buffer never holds an acknowledged one.
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../src/frames.js';
import { createSessionLog } from '../src/sessionLog.js';

type Op =
  | { kind: 'append' }
  | { kind: 'ack' }
  | { kind: 'drop' }
  | { kind: 'reconnect' }
  | { kind: 'restart' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'append' } as const) },
  { weight: 3, arbitrary: fc.constant({ kind: 'ack' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' } as const) },
);

describe('session log (replay buffer)', () => {
  it('delivers every message exactly once, in order, across drops, reconnects and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const store = createMemoryDocumentStore();
        const open = () =>
          createSessionLog({
            store,
            collection: 'webchat_sessions',
            tenantId: 'default',
            maxReplay: 1000,
            maxInboundIds: 10,
          });
        let log = open();
        await log.open('s', 'v');
        let connected = true;
        let lastSeq = 0; // the client's resume point
        const processed: number[] = [];
        let appended = 0;
        const receive = (seq: number) => {
          // The client's rule: process only what is newer than what it has.
          if (seq > lastSeq) {
            processed.push(seq);
            lastSeq = seq;
          }
        };
        for (const o of ops) {
          if (o.kind === 'append') {
            const m = await log.append('s', undefined, { id: `m${appended}`, at: 0 });
            appended += 1;
            if (connected) receive(m.seq);
          } else if (o.kind === 'ack' && connected) {
            await log.acknowledge('s', 'v', lastSeq);
          } else if (o.kind === 'drop') {
            connected = false;
          } else if (o.kind === 'reconnect') {
            connected = true;
            await log.acknowledge('s', 'v', lastSeq);
            const { doc } = await log.open('s', 'v');
            for (const m of doc.buffer) expect(m.seq).toBeGreaterThan(lastSeq);
            for (const m of log.bufferedAfter('s', lastSeq)) receive(m.seq);
          } else if (o.kind === 'restart') {
            log = open();
            await log.open('s', 'v');
          }
        }
        // Finally reconnect once more: nothing may be missing.
        await log.acknowledge('s', 'v', lastSeq);
        await log.open('s', 'v');
        for (const m of log.bufferedAfter('s', lastSeq)) receive(m.seq);
        expect(processed).toEqual(Array.from({ length: appended }, (_, i) => i + 1));
      }),
      { numRuns: 200, seed: 1414 },
    );
  });

  it('dedupes inbound ids within its window and forgets the oldest beyond it', async () => {
    const log = createSessionLog({
      store: createMemoryDocumentStore(),
      collection: 'c',
      tenantId: 'default',
      maxReplay: 10,
      maxInboundIds: 3,
    });
    const seen: string[] = [];
    const take = (id: string) => log.accept('s', 'v', id, async () => void seen.push(id));
    expect(await take('a')).toBe(true);
    expect(await take('a')).toBe(false);
    for (const id of ['b', 'c', 'd']) await take(id);
    expect(await take('a')).toBe(true); // out of the window of 3
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  it('another visitor cannot open a session (FORBIDDEN)', async () => {
    const log = createSessionLog({
      store: createMemoryDocumentStore(),
      collection: 'c',
      tenantId: 'default',
      maxReplay: 10,
      maxInboundIds: 3,
    });
    await log.open('s', 'v1');
    await expect(log.open('s', 'v2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('client frames', () => {
  it('random text never throws: a frame or undefined', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json().map((j) => j),
        ),
        (text) => {
          const frame = parseClientFrame(text);
          expect(frame === undefined || typeof frame.type === 'string').toBe(true);
        },
      ),
      { numRuns: 1000, seed: 1415 },
    );
  });
});
