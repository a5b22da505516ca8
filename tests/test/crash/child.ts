// The crash test's child process: routing + cases + identity on PostgreSQL (or PGlite in a
// directory) running the command stream, committing at block ends and writing its progress to a
// file. Started by crash.test.ts as `node --conditions=@threadline/source --import tsx child.ts
// <config json>`; killed with SIGKILL at random points; a fresh start recovers every engine and
// continues. With `dump` set it writes, once the stream is done, what the comparison reads.
//
// Exactly once, by command index: every command's effect commits together with a record of it.
// - routing commits only at block ends (`maxBatch` above a block, no flush timer), in one
//   transaction that also holds an offline marker worker `__crash_progress` whose
//   `attributes.lastCommand` is the block's last index (upserted just before `flush()`): after
//   `recover()`, a routing command `i` committed iff `i <= lastCommand`;
// - cases: a case command `i` on case X first sets X's `attributes.lastCommand = i` (an `open`
//   carries it in its attributes), in the same synchronous burst as the command, so the case
//   engine's group commit puts both in one batch (one transaction): after `recover()`, the
//   command committed iff the stored X says `lastCommand >= i` (a command on a closed case is
//   refused either way, so re-issuing it changes nothing);
// - identity: each `resolve` commits the new customer and its identity in one transaction, so a
//   contact committed iff `lookup(email)` finds its customer;
// - `advance` (both engines' `advanceTo`) is idempotent: routing journals an `advanceTo` only when
//   it is later than the last one, and cases persist what they fired (warnings, breaches, ladder
//   levels), so re-issuing it fires nothing twice. It is re-issued unless routing's marker covers it.
// Ids come from a generator keyed by the command index (`<prefix>_<i>_<k>`), so a re-issued
// command gets the ids the never-killed run gave it, and events compare by id.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { createCaseEngine, type SlaPolicyInput } from '@threadline/cases';
import { createIdentityService, type IdGenerator, isThreadlineError, ManualClock } from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import pg from 'pg';
import { type Command, commandStream, T0 } from './stream.js';

/** What the parent passes (one JSON argument). */
export interface ChildConfig {
  seed: number;
  commands: number;
  block: number;
  /** File the child writes its progress to: the last command index whose block committed. */
  progress: string;
  /** PostgreSQL server URL and schema, or a PGlite directory. */
  pgUrl?: string;
  schema?: string;
  pgliteDir?: string;
  /** Where to write the final state when the stream is done. */
  dump?: string;
}

const MARKER_WORKER = '__crash_progress';
const WORKERS = 8;

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { minutes: 30 } },
      next_reply: { normal: { minutes: 20 } },
      resolution: { normal: { hours: 8 } },
    },
  },
];
const escalations = [
  {
    id: 'ladder',
    metric: 'first_reply' as const,
    levels: [
      { before: { minutes: 5 }, actions: [{ type: 'notify' as const, recipients: [{ id: 'lead' }] }] },
      { after: { minutes: 15 }, actions: [{ type: 'raise_priority' as const }] },
    ],
  },
];
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };

async function main(config: ChildConfig): Promise<void> {
  let pool: pg.Pool | undefined;
  let lite: PGlite | undefined;
  let storage: ReturnType<typeof createPostgresStorage>;
  if (config.pgUrl !== undefined) {
    pool = new pg.Pool({ connectionString: config.pgUrl, max: 4 });
    storage = createPostgresStorage({ client: pool, schema: config.schema ?? 'public' });
  } else {
    lite = new PGlite(config.pgliteDir);
    storage = createPostgresStorage({ client: lite });
  }
  await storage.migrate();

  const clock = new ManualClock(T0);
  let cmd = 'setup';
  let k = 0;
  const ids: IdGenerator = { next: (prefix) => `${prefix ?? 'id'}_${cmd}_${k++}` };
  const begin = (name: string, at: number) => {
    cmd = name;
    k = 0;
    clock.set(at);
  };

  const routing = createRoutingEngine({
    clock,
    ids,
    workflow,
    storage,
    reservationTimeoutMs: 30 * 60_000,
    journal: { engineId: 'crash', maxBatch: 100_000, flushIntervalMs: 0, snapshotEvery: 2_000 },
  });
  const cases = createCaseEngine({ clock, ids, calendars: {}, policies, escalations, storage });
  const identity = createIdentityService({ storage, clock, ids });

  // Recovery: every engine rebuilds its committed state (a fresh store recovers nothing).
  begin('recover', T0);
  await routing.recover();
  await cases.recover();

  // Set-up, once (idempotent: skipped when it committed before a kill).
  if (routing.getWorker(MARKER_WORKER) === undefined) {
    begin('setup-routing', T0);
    for (let w = 0; w < WORKERS; w++)
      routing.upsertWorker({ id: `agent-${w}`, status: 'available', capacity: { chat: 2 } });
    routing.upsertWorker(marker(-1));
    await routing.flush();
  }
  const routingDone = Number(routing.getWorker(MARKER_WORKER)?.attributes.lastCommand ?? -1);
  /** True when case command `i` on `caseId` committed before a kill (see the marker above). */
  // Batches commit in order, so the committed case commands are a prefix: after the first one
  // that did not commit, none did, and the look-ups stop.
  let casesCaughtUp = false;
  const caseCommitted = async (caseId: string, i: number): Promise<boolean> => {
    if (casesCaughtUp) return false;
    const c = cases.getCase(caseId) ?? (await cases.readCase(caseId));
    const done = c !== undefined && Number(c.attributes?.lastCommand ?? -1) >= i;
    if (!done) casesCaughtUp = true;
    return done;
  };

  const stream = commandStream(config.seed, config.commands);
  const start = readProgress(config.progress) + 1;
  // Tasks the engine may still hold, in submission order (rebuilt from the engine after a restart).
  const tasks: string[] = [];
  for (const c of stream) {
    if (c.i >= start) break;
    if (c.kind === 'submit' && routing.getTask(c.taskId) !== undefined) tasks.push(c.taskId);
  }
  const customers = new Map<number, string>();
  const customerOf = async (contact: number): Promise<string> => {
    let id = customers.get(contact);
    if (id === undefined) {
      const found = await identity.lookup({ kind: 'email', value: `contact-${contact}@example.com` });
      if (found === undefined) throw new Error(`contact ${contact} has no customer`);
      id = found;
      customers.set(contact, id);
    }
    return id;
  };

  for (let b = start; b < stream.length; b += config.block) {
    const end = Math.min(stream.length, b + config.block) - 1;
    for (let i = b; i <= end; i++) {
      const c = stream[i] as Command;
      await run(c);
    }
    begin(`mark-${end}`, (stream[end] as Command).at);
    if (end > routingDone) routing.upsertWorker(marker(end));
    await Promise.all([routing.flush(), cases.flush()]);
    writeProgress(config.progress, end);
  }

  async function run(c: Command): Promise<void> {
    begin(String(c.i), c.at);
    const routingNew = c.i > routingDone;
    switch (c.kind) {
      case 'contact': {
        const existing = await identity.lookup({ kind: 'email', value: c.email });
        if (existing !== undefined) customers.set(c.i, existing);
        else {
          begin(String(c.i), c.at);
          const r = await identity.resolve([{ kind: 'email', value: c.email, verified: true }]);
          customers.set(c.i, r.customerId);
        }
        return;
      }
      case 'submit': {
        const customerId = await customerOf(c.contact);
        // Committed before the kill or not, the task belongs to the list (gone ones are pruned).
        tasks.push(c.taskId);
        if (!routingNew) return;
        begin(String(c.i), c.at);
        routing.submitTask({ id: c.taskId, channel: 'chat', attributes: { customerId } });
        return;
      }
      case 'accept':
      case 'complete': {
        if (!routingNew) return;
        for (let n = 0; n < tasks.length; n++) {
          const t = routing.getTask(tasks[n] as string);
          if (t === undefined) {
            tasks.splice(n--, 1);
            continue;
          }
          if (c.kind === 'accept' && t.status === 'reserved') {
            const r = t.reservations.find((id) => routing.getReservation(id)?.status === 'pending');
            if (r !== undefined) {
              routing.acceptReservation(r);
              return;
            }
          }
          if (c.kind === 'complete' && t.status === 'assigned') {
            routing.completeTask(t.id);
            tasks.splice(n, 1);
            return;
          }
        }
        return;
      }
      case 'advance':
        if (routingNew) routing.advanceTo(c.at);
        // Ids of its own: when routing committed this block before a kill and cases did not,
        // routing is skipped here, and the cases' breach and escalation ids must not shift.
        begin(`${c.i}-cases`, c.at);
        cases.advanceTo(c.at);
        return;
      case 'open': {
        const customerId = await customerOf(c.contact);
        if (await caseCommitted(c.caseId, c.i)) return;
        begin(String(c.i), c.at);
        cases.openCase({
          id: c.caseId,
          customerId,
          subject: `Question ${c.i}`,
          priority: 'normal',
          channel: 'email',
          attributes: { lastCommand: c.i },
        });
        return;
      }
      default: {
        if (await caseCommitted(c.caseId, c.i)) return;
        // A closed case may have left memory: load it so the command sees it either way (only
        // then: an await here would end the synchronous burst the case engine commits as one).
        if (cases.getCase(c.caseId) === undefined) await cases.loadCase(c.caseId);
        begin(String(c.i), c.at);
        const id = c.caseId;
        caseCommand(id, c.i, () => {
          if (c.kind === 'agent') cases.recordMessage(id, { author: 'agent', public: true });
          else if (c.kind === 'customer') cases.recordMessage(id, { author: 'customer', public: true });
          else if (c.kind === 'solve') cases.transition(id, 'solved', { actor: 'agent' });
          else {
            // Closing solves first when the case is not solved yet (both in this command).
            if (cases.getCase(id)?.status !== 'solved') cases.transition(id, 'solved', { actor: 'agent' });
            cases.transition(id, 'closed', { actor: 'agent' });
          }
        });
      }
    }
  }

  /** A case command and its marker, in one synchronous burst (one commit batch). */
  function caseCommand(caseId: string, i: number, apply: () => unknown): void {
    try {
      cases.update(caseId, { attributes: { lastCommand: i } }, { actor: 'crash-test' });
      apply();
    } catch (error) {
      // Refused commands (a closed or unknown case, an illegal move) change nothing, in every run alike.
      if (!isThreadlineError(error) || !['ILLEGAL_TRANSITION', 'NOT_FOUND', 'CONFLICT'].includes(error.code))
        throw error;
    }
  }

  if (config.dump !== undefined) await dump(config.dump);
  if (pool !== undefined) await pool.end();
  else await lite?.close();

  async function dump(file: string): Promise<void> {
    const { takenAt: _t, ...snapshot } = routing.snapshot();
    const strip = ({ version: _v, ...d }: Record<string, unknown>) => d;
    const all = async (collection: string) => {
      const out: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      do {
        const page = await storage.documents.find(collection, {
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
        });
        out.push(...page.items.map((d) => strip(d as Record<string, unknown>)));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return out.sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
    };
    const rows = await storage.outbox.pending(1_000_000);
    const result = {
      routing: snapshot,
      cases: await all('cases'),
      deadlines: await all('case_deadlines'),
      counters: await all('case_counters'),
      customers: await all('customers'),
      identities: await all('identities'),
      events: rows.map((r) => r.event),
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result));
  }

  function marker(lastCommand: number) {
    return {
      id: MARKER_WORKER,
      status: 'offline' as const,
      capacity: { chat: 1 },
      attributes: { lastCommand },
    };
  }
}

function readProgress(file: string): number {
  try {
    return Number(JSON.parse(readFileSync(file, 'utf8')).done);
  } catch {
    return -1;
  }
}

/** Written atomically (rename), so a kill never leaves half a file. */
function writeProgress(file: string, done: number): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ done }));
  renameSync(`${file}.tmp`, file);
}

main(JSON.parse(process.argv[2] ?? '{}') as ChildConfig).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
