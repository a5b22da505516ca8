// Model-based property test of the lease state machine: random acquisitions, renewals, releases,
// clock moves and fenced writes by three owners against the memory storage, compared with a
// naive model of one lease (latest token, its owner, expiry, released).
import { createManualClock, isThreadlineError, type Lease } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../src/index.js';

type Op =
  | { kind: 'acquire'; who: number; ttl: number }
  | { kind: 'renew'; who: number; ttl: number }
  | { kind: 'release'; who: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'write'; who: number; inTx: boolean };

const who = fc.integer({ min: 0, max: 2 });
const ttl = fc.integer({ min: 1, max: 50 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), who, ttl }),
  fc.record({ kind: fc.constant('renew' as const), who, ttl }),
  fc.record({ kind: fc.constant('release' as const), who }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('write' as const), who, inTx: fc.boolean() }),
);

interface Model {
  token: number;
  owner: number;
  expiresAt: number;
  released: boolean;
}

describe('memory leases (model-based)', () => {
  it('grants, tokens, renewals and fenced writes follow the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const clock = createManualClock(0);
        const storage = createMemoryStorage({ clock });
        let model: Model | undefined;
        /** The last grant each owner got (it may have been lost since). */
        const held: (Lease | undefined)[] = [undefined, undefined, undefined];
        let writes = 0;
        for (const o of ops) {
          if (o.kind === 'advance') {
            clock.advance(o.ms);
            continue;
          }
          const mine = o.kind === 'acquire' ? undefined : held[o.who];
          const current = (lease: Lease | undefined) =>
            lease !== undefined && model !== undefined && lease.token === model.token && !model.released;
          if (o.kind === 'acquire') {
            const free = !model || model.released || model.expiresAt <= clock.now();
            const got = await storage.leases.acquire('p', o.ttl, { owner: `o${o.who}` });
            expect(got !== undefined).toBe(free);
            if (got) {
              const token = (model?.token ?? 0) + 1;
              expect(got.token).toBe(token);
              model = { token, owner: o.who, expiresAt: clock.now() + o.ttl, released: false };
              held[o.who] = got;
            }
          } else if (o.kind === 'renew') {
            if (!mine) continue;
            const ok = current(mine);
            const result = await mine.renew(o.ttl).then(
              (at) => at,
              (e) => (isThreadlineError(e, 'CONFLICT') ? 'lost' : Promise.reject(e)),
            );
            expect(result !== 'lost').toBe(ok);
            if (ok && model) model.expiresAt = clock.now() + o.ttl;
          } else if (o.kind === 'release') {
            if (!mine) continue;
            const ok = current(mine);
            expect(await mine.release()).toBe(ok);
            if (ok && model) {
              model.released = true;
              model.expiresAt = Math.min(model.expiresAt, clock.now());
            }
          } else {
            if (!mine) continue;
            const ok = current(mine);
            const doc = { id: 'state', n: ++writes };
            const write = o.inTx
              ? storage.documents.transaction(
                  async (tx) => {
                    await tx.documents.put('c', doc);
                  },
                  { fence: mine.fence },
                )
              : storage.documents.put('c', doc, { fence: mine.fence });
            const outcome = await write.then(
              () => 'ok',
              (e) => (isThreadlineError(e, 'CONFLICT') ? 'refused' : Promise.reject(e)),
            );
            expect(outcome).toBe(ok ? 'ok' : 'refused');
            // A refused write left the document as the last accepted write made it.
            if (!ok) expect((await storage.documents.get('c', 'state'))?.n).not.toBe(doc.n);
          }
          const info = await storage.leases.inspect('p');
          if (!model) expect(info).toBeUndefined();
          else {
            const state = model.released ? 'released' : model.expiresAt > clock.now() ? 'held' : 'expired';
            expect(info).toEqual({
              name: 'p',
              token: model.token,
              owner: `o${model.owner}`,
              expiresAt: model.expiresAt,
              state,
            });
          }
        }
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
