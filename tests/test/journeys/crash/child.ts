// The journeys crash test's child: a durable journey engine on PostgreSQL (or PGlite in a
// directory) runs the command stream, writing its progress (the last command done) after each
// command. Killed with SIGKILL at random points; a fresh start `recover()`s and continues with the
// command after its progress. The command in flight when it died (committed or not) is issued
// again: triggers are deduplicated by event id and re-entry rules, answers and goals find the
// instance already moved on, `advanceTo` fires only what has not fired. Sends go to a "provider"
// that appends one line per idempotency key to a file and answers a known key from it (as a
// provider with idempotency keys does), so the file shows every physical send.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { createJourneyEngine, JOURNEY_COLLECTION } from '@threadline/automation';
import { type ChannelSender, type DeliveryRecord, ManualClock, type StoredDocument } from '@threadline/core';
import pg from 'pg';
import { CRASH_JOURNEY, commandStream, T0 } from './stream.js';

/** What the parent passes (one JSON argument). */
export interface ChildConfig {
  seed: number;
  commands: number;
  customers: number;
  progress: string;
  provider: string;
  pgUrl?: string;
  schema?: string;
  pgliteDir?: string;
  dump?: string;
}

function fileProvider(file: string): ChannelSender {
  const known = new Map<string, DeliveryRecord>();
  const record = (key: string, channel: string, to: string, failed: boolean): DeliveryRecord => ({
    id: `dlv:${key}`,
    idempotencyKey: key,
    conversationId: 'journey',
    channel,
    provider: 'file',
    to,
    state: failed ? 'failed' : 'sent',
    createdAt: 0,
    updatedAt: 0,
    attempts: 1,
    history: [],
  });
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.length === 0) continue;
      const l = JSON.parse(line) as { key: string; channel: string; to: string; failed: boolean };
      known.set(l.key, record(l.key, l.channel, l.to, l.failed));
    }
  }
  return {
    name: 'file',
    channels: ['whatsapp', 'sms', 'email'],
    async send(req) {
      const existing = known.get(req.idempotencyKey);
      if (existing) return existing;
      // WhatsApp fails for every third customer: the fallback goes to SMS.
      const failed = req.channel === 'whatsapp' && Number(req.customerId?.slice(1)) % 3 === 0;
      appendFileSync(
        file,
        `${JSON.stringify({ key: req.idempotencyKey, channel: req.channel, to: req.to, failed })}\n`,
      );
      const r = record(req.idempotencyKey, req.channel, req.to, failed);
      known.set(req.idempotencyKey, r);
      return r;
    },
    async applyStatus() {
      return undefined;
    },
    async getDelivery(ref) {
      return 'idempotencyKey' in ref ? known.get(ref.idempotencyKey) : undefined;
    },
  };
}

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
  const stream = commandStream(config.seed, config.commands, config.customers);
  let done = -1;
  try {
    done = Number(JSON.parse(readFileSync(config.progress, 'utf8')).done);
  } catch {
    // first start
  }
  // Work in flight belongs to the command after the progress: recover at its time.
  const clock = new ManualClock(stream[done + 1]?.at ?? stream[done]?.at ?? T0);
  const engine = createJourneyEngine({
    journeys: [CRASH_JOURNEY],
    sender: fileProvider(config.provider),
    clock,
    storage,
  });
  await engine.recover();

  for (let i = done + 1; i < stream.length; i++) {
    const c = stream[i] as (typeof stream)[number];
    clock.set(Math.max(clock.now(), c.at));
    if (c.kind === 'advance') await engine.advanceTo(c.at);
    else {
      const n = Number(c.customer.slice(1));
      const type =
        c.kind === 'trigger' ? 'order.shipped' : c.kind === 'answer' ? 'survey.answered' : 'order.returned';
      await engine.handle({
        id: `evt-${i}`,
        type,
        tenantId: 'default',
        aggregateId: c.customer,
        aggregateType: 'order',
        version: 1,
        occurredAt: c.at,
        payload: {
          customerId: c.customer,
          n: i,
          ...(n % 5 === 0 ? {} : { phone: `+4477009${String(n).padStart(5, '0')}` }),
          email: `${c.customer}@example.com`,
        },
      });
    }
    writeFileSync(`${config.progress}.tmp`, JSON.stringify({ done: i }));
    renameSync(`${config.progress}.tmp`, config.progress);
  }

  if (config.dump !== undefined) {
    const docs: StoredDocument[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.documents.find(JOURNEY_COLLECTION, {
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      docs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const events = (await storage.outbox.pending(1_000_000)).map((e) => e.event);
    writeFileSync(config.dump, JSON.stringify({ docs, events }));
  }
  await pool?.end();
  await lite?.close();
}

main(JSON.parse(process.argv[2] as string) as ChildConfig).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
