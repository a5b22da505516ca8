import {
  type Channel,
  type ChannelSender,
  type EventEnvelope,
  isThreadlineError,
  type SendGuard,
  SendRequestSchema,
} from '@threadline/core';
import { renderTemplate } from '../rules/template.js';
import {
  type CompiledJourney,
  type CompiledStep,
  matchesAny,
  readPath,
  STEP_BRANCH,
  STEP_EXIT,
  STEP_SEND,
  STEP_WAIT,
  STEP_WAIT_FOR,
} from './compile.js';
import type { JourneyEvent } from './events.js';
import { FinishedInstances } from './finished.js';
import {
  DONE,
  EXIT_REASONS,
  InstanceTable,
  type JourneyExitReason,
  SENDING,
  WAITING,
  WAITING_EVENT,
} from './instances.js';
import type { AddressResolver, ChannelSkipReason, EntryRefusal, JourneyHandleResult } from './outcomes.js';
import { assignIndex } from './split.js';

/** Dependencies of the runtime, resolved by the engine facade. */
export interface RuntimeDeps {
  journeys: CompiledJourney[];
  senders: readonly ChannelSender[];
  guard: SendGuard | undefined;
  address: AddressResolver;
  /** Whether events are built at all (a bus or storage is present). */
  emit: boolean;
  /** Storage holds every instance's document: a finished one leaves memory without a record. */
  durable: boolean;
  sendConcurrency: number;
  onError: (error: unknown, context: { source: string }) => void;
}

const NO_DATA: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The journey runtime: instances, the hot step loop and the send phase. Pure with respect to time
 * (every call gets `now`); effects are the sends, which the facade runs through {@link flushSends},
 * and the events it queues in `out`.
 */
export class JourneyRuntime {
  readonly table = new InstanceTable();
  /** Events produced since the last drain. */
  out: JourneyEvent[] = [];
  /** Slots whose state changed since the last drain (durable mode). */
  readonly dirty: number[] = [];
  readonly #dirtyFlag: { flags: Uint8Array } = { flags: new Uint8Array(1024) };
  /** Slots waiting for their send to run. */
  pendingSends: number[] = [];
  /**
   * Slots whose send was in flight when the process stopped (loaded by `recover`): their first
   * attempt asks the sender's ledger before the guard (see {@link JourneyRuntime.resume}).
   */
  readonly #resumed = new Set<number>();
  transitions = 0;
  trackDirty = false;
  /** Finished instances released from the table (without storage). */
  readonly finished = new FinishedInstances();
  /** Slots that finished since the last {@link releaseFinished}. */
  #leaving: number[] = [];
  readonly #latest = new Map<string, CompiledJourney>();
  /** Every customer path a goal or `wait_for` reads: [dotted, segments]. */
  readonly #distinctPaths: [string, string[]][] = [];

  constructor(readonly deps: RuntimeDeps) {
    for (const j of deps.journeys) {
      const cur = this.#latest.get(j.def.id);
      if (cur === undefined || cur.def.version < j.def.version) this.#latest.set(j.def.id, j);
    }
    const seen = new Set<string>();
    for (const j of deps.journeys) {
      const paths: [string, string[]][] = j.steps
        .filter((s) => s.kind === STEP_WAIT_FOR)
        .map((s) => [s.customerKey, s.customerPath]);
      if (j.goalPatterns.length > 0) paths.push([j.goalCustomerKey, j.goalCustomer]);
      for (const p of paths) {
        if (seen.has(p[0])) continue;
        seen.add(p[0]);
        this.#distinctPaths.push(p);
      }
    }
  }

  /** The journey versions that take new entries (highest version per id). */
  latest(): IterableIterator<CompiledJourney> {
    return this.#latest.values();
  }

  markDirty(slot: number): void {
    if (!this.trackDirty) return;
    let flags = this.#dirtyFlag.flags;
    if (flags.length <= slot) {
      const bigger = new Uint8Array(Math.max(slot + 1, flags.length * 2));
      bigger.set(flags);
      this.#dirtyFlag.flags = flags = bigger;
    }
    if (flags[slot] === 1) return;
    flags[slot] = 1;
    this.dirty.push(slot);
  }

  /** Takes the dirty slots (and clears their flags). */
  takeDirty(): number[] {
    const list = this.dirty.splice(0);
    for (const s of list) this.#dirtyFlag.flags[s] = 0;
    return list;
  }

  /** The instance slot of a customer in a journey (any version), or -1. */
  slotOf(tenantId: string, customerId: string, journeyId: string): number {
    const t = this.table;
    for (let s = t.firstOf(tenantId, customerId); s !== -1; s = t.nextOfCustomer[s] as number) {
      if (this.deps.journeys[t.journey[s] as number]?.def.id === journeyId) return s;
    }
    return -1;
  }

  /**
   * Memory follows what is open: every instance that finished since the last call leaves the
   * table (its slot is reused). Without storage a compact {@link FinishedInstances} record keeps
   * the entry rules and event ids; with storage the committed document does. Call only when no
   * send is in flight and the finished instances' documents are committed.
   */
  releaseFinished(): number {
    const t = this.table;
    const leaving = this.#leaving;
    if (leaving.length === 0) return 0;
    this.#leaving = [];
    let released = 0;
    for (const slot of leaving) {
      // Re-entered (or already released) since it finished.
      if (t.status[slot] !== DONE) continue;
      if (!this.deps.durable) {
        this.finished.set(
          t.tenants[t.tenant[slot] as number] as string,
          t.customer[slot] as string,
          this.journeyOf(slot).def.id,
          {
            journey: t.journey[slot] as number,
            step: t.step[slot] as number,
            exit: t.exit[slot] as number,
            variant: t.variant[slot] as number,
            run: t.run[slot] as number,
            seq: t.seq[slot] as number,
            enteredAt: t.enteredAt[slot] as number,
            triggerId: t.triggerId[slot] as string,
          },
        );
      }
      t.release(slot);
      released++;
    }
    return released;
  }

  /** A stored instance loaded into `slot`: a finished one leaves memory again at the next release. */
  noteLoaded(slot: number): void {
    if (this.table.status[slot] === DONE) this.#leaving.push(slot);
  }

  journeyOf(slot: number): CompiledJourney {
    return this.deps.journeys[this.table.journey[slot] as number] as CompiledJourney;
  }

  #event(slot: number, type: JourneyEvent['type'], extra: Record<string, unknown>, now: number): void {
    const t = this.table;
    const seq = (t.seq[slot] as number) + 1;
    t.seq[slot] = seq;
    if (!this.deps.emit) return;
    const j = this.journeyOf(slot);
    const tenantId = t.tenants[t.tenant[slot] as number] as string;
    const customerId = t.customer[slot] as string;
    const v = t.variant[slot] as number;
    const payload: Record<string, unknown> = {
      journeyId: j.def.id,
      version: j.def.version,
      customerId,
      run: t.run[slot],
      ...(v > 0 ? { variant: j.split?.variants[v - 1]?.id } : {}),
      ...extra,
    };
    const envelope: EventEnvelope<JourneyEvent['type'], Record<string, unknown>> = {
      id: `journey:${tenantId}:${j.def.id}:${customerId}:${seq}`,
      type,
      tenantId,
      aggregateId: `${j.def.id}:${customerId}`,
      aggregateType: 'journey',
      version: seq,
      occurredAt: now,
      payload,
    };
    this.out.push(envelope as unknown as JourneyEvent);
  }

  /** Handles one event: goals and `wait_for` steps of the customer, then triggers. */
  handleEvent(event: EventEnvelope, now: number): JourneyHandleResult {
    const result: JourneyHandleResult = { entered: [], refused: [], goals: 0, resumed: 0 };
    const t = this.table;
    const context = { event, payload: event.payload };
    // Goals and waits first, so a trigger that is also a goal does not end the run it starts.
    for (const [path, segments] of this.#distinctPaths) {
      const customerId = readPath(event, segments);
      if (typeof customerId !== 'string' || customerId.length === 0) continue;
      for (let s = t.firstOf(event.tenantId, customerId); s !== -1; s = t.nextOfCustomer[s] as number) {
        const status = t.status[s] as number;
        if (status === DONE) continue;
        const j = this.journeyOf(s);
        if (
          j.goalPatterns.length > 0 &&
          j.goalCustomerKey === path &&
          matchesAny(j.goalPatterns, event.type) &&
          (j.goalWhen === undefined || j.goalWhen.evaluate(context))
        ) {
          this.finish(s, 'goal', now, event.id);
          result.goals++;
          continue;
        }
        if (status !== WAITING_EVENT) continue;
        const step = j.steps[t.step[s] as number] as CompiledStep;
        if (
          step.customerKey === path &&
          matchesAny(step.patterns, event.type) &&
          (step.when === undefined || step.when.evaluate(context))
        ) {
          t.unschedule(s);
          result.resumed++;
          this.goTo(s, step.onEvent, now);
        }
      }
    }
    for (const j of this.#latest.values()) {
      if (!j.def.enabled || !matchesAny(j.triggerPatterns, event.type)) continue;
      if (j.def.tenantId !== undefined && j.def.tenantId !== event.tenantId) continue;
      if (j.triggerWhen !== undefined && !j.triggerWhen.evaluate(context)) continue;
      const customerId = readPath(event, j.triggerCustomer);
      if (typeof customerId !== 'string' || customerId.length === 0) {
        result.refused.push({ journeyId: j.def.id, reason: 'no_customer' });
        continue;
      }
      const refusal = this.enter(j, event, customerId, now);
      if (typeof refusal === 'string')
        result.refused.push({ journeyId: j.def.id, customerId, reason: refusal });
      else result.entered.push(refusal);
    }
    return result;
  }

  /** Enters a customer (or refuses, by the re-entry rules); the caller has hydrated a stored instance. */
  enter(
    j: CompiledJourney,
    event: EventEnvelope,
    customerId: string,
    now: number,
  ): EntryRefusal | JourneyHandleResult['entered'][number] {
    const t = this.table;
    let slot = this.slotOf(event.tenantId, customerId, j.def.id);
    if (slot !== -1) {
      if (t.triggerId[slot] === event.id) return 'duplicate';
      if (t.status[slot] !== DONE) return 'active';
      const reentry = j.def.reentry;
      if (reentry === 'never') return 'reentry';
      if (j.reentryAfterMs !== undefined && now - (t.enteredAt[slot] as number) < j.reentryAfterMs)
        return 'reentry';
      t.journey[slot] = j.index;
      t.run[slot] = (t.run[slot] as number) + 1;
    } else {
      const done = this.finished.get(event.tenantId, customerId, j.def.id);
      if (done !== undefined) {
        if (done.triggerId === event.id) return 'duplicate';
        const reentry = j.def.reentry;
        if (reentry === 'never') return 'reentry';
        if (j.reentryAfterMs !== undefined && now - done.enteredAt < j.reentryAfterMs) return 'reentry';
        this.finished.delete(event.tenantId, customerId, j.def.id);
      }
      slot = t.allocate(event.tenantId, customerId, j.index);
      t.run[slot] = done === undefined ? 1 : done.run + 1;
      // Event ids continue after the earlier runs' events.
      if (done !== undefined) t.seq[slot] = done.seq;
    }
    t.triggerId[slot] = event.id;
    t.enteredAt[slot] = now;
    t.exit[slot] = 0;
    t.channel[slot] = 0;
    if (j.capture.length > 0) {
      const data: Record<string, unknown> = {};
      for (const [name, path] of j.capture) {
        const v = readPath(event, path);
        if (v !== undefined) data[name] = v;
      }
      t.data[slot] = data;
    } else t.data[slot] = undefined;
    const variant = j.split === undefined ? 0 : assignIndex(j.split, customerId) + 1;
    t.variant[slot] = variant;
    const holdout = j.split !== undefined && variant === 0;
    this.#event(
      slot,
      'journey.entered',
      { group: holdout ? 'holdout' : 'treatment', triggerEventId: event.id, triggerType: event.type },
      now,
    );
    this.markDirty(slot);
    const entered: JourneyHandleResult['entered'][number] = {
      journeyId: j.def.id,
      version: j.def.version,
      customerId,
      group: holdout ? 'holdout' : 'treatment',
    };
    if (holdout) {
      this.finish(slot, 'holdout', now);
      return entered;
    }
    if (variant > 0) entered.variant = j.split?.variants[variant - 1]?.id as string;
    this.goTo(slot, variant > 0 ? (j.variantStart[variant - 1] as number) : j.start, now);
    return entered;
  }

  /** Leaves the journey. */
  finish(slot: number, reason: JourneyExitReason, now: number, eventId?: string): void {
    const t = this.table;
    t.unschedule(slot);
    t.status[slot] = DONE;
    t.exit[slot] = EXIT_REASONS.indexOf(reason);
    t.due[slot] = now;
    this.#leaving.push(slot);
    const step = this.journeyOf(slot).steps[t.step[slot] as number];
    this.#event(
      slot,
      'journey.exited',
      {
        reason,
        ...(reason === 'holdout' || step === undefined ? {} : { stepId: step.id }),
        ...(eventId === undefined ? {} : { goalEventId: eventId }),
      },
      now,
    );
    this.markDirty(slot);
  }

  /** Enters step `index` and runs instantaneous steps until a wait, a send or the end. */
  goTo(slot: number, index: number, now: number): void {
    const t = this.table;
    const j = this.journeyOf(slot);
    for (;;) {
      this.transitions++;
      if (index < 0) {
        this.finish(slot, 'completed', now);
        return;
      }
      t.step[slot] = index;
      const step = j.steps[index] as CompiledStep;
      switch (step.kind) {
        case STEP_WAIT: {
          t.status[slot] = WAITING;
          t.schedule(slot, waitUntil(step, now));
          this.markDirty(slot);
          return;
        }
        case STEP_WAIT_FOR:
          t.status[slot] = WAITING_EVENT;
          t.schedule(slot, now + step.waitMs);
          this.markDirty(slot);
          return;
        case STEP_SEND:
          if (step.quiet !== undefined) {
            const at = step.quiet.sendAt(this.#context(slot, j), now);
            if (at > now) {
              // Quiet hours: wait at this step until they end; the timer re-enters it.
              t.status[slot] = WAITING;
              t.schedule(slot, at);
              this.#event(
                slot,
                'journey.send_deferred',
                { stepId: step.id, reason: 'quiet_hours', until: at },
                now,
              );
              this.markDirty(slot);
              return;
            }
          }
          t.status[slot] = SENDING;
          t.channel[slot] = 0;
          t.unschedule(slot);
          this.pendingSends.push(slot);
          this.markDirty(slot);
          return;
        case STEP_BRANCH: {
          const ctx = this.#context(slot, j);
          let next = step.next;
          for (const c of step.cases) {
            if (c.when.evaluate(ctx)) {
              next = c.next;
              break;
            }
          }
          index = next;
          continue;
        }
        case STEP_EXIT:
          this.finish(slot, 'completed', now);
          return;
      }
    }
  }

  #context(slot: number, j: CompiledJourney): Record<string, unknown> {
    const t = this.table;
    const v = t.variant[slot] as number;
    return {
      data: t.data[slot] ?? NO_DATA,
      customerId: t.customer[slot],
      journey: {
        id: j.def.id,
        version: j.def.version,
        run: t.run[slot],
        variant: v > 0 ? j.split?.variants[v - 1]?.id : null,
      },
    };
  }

  /** Fires every timer due at or before `now`, in due order; returns the number fired. */
  advance(now: number): number {
    const t = this.table;
    let fired = 0;
    for (let s = t.peek(); s !== -1 && (t.due[s] as number) <= now; s = t.peek()) {
      t.unschedule(s);
      fired++;
      const step = this.journeyOf(s).steps[t.step[s] as number] as CompiledStep;
      const at = t.due[s] as number;
      // A timer fires at its own due time, so later steps are scheduled from when it was due.
      if (t.status[s] === WAITING_EVENT) this.goTo(s, step.onTimeout, at);
      else if (step.kind === STEP_SEND)
        this.goTo(s, t.step[s] as number, at); // quiet hours ended
      else this.goTo(s, step.next, at);
    }
    return fired;
  }

  /** The earliest timer, or `undefined`. */
  nextDeadline(): number | undefined {
    const s = this.table.peek();
    return s === -1 ? undefined : this.table.due[s];
  }

  /**
   * Queues a send that was in flight when the process stopped. Its first attempt asks the sender
   * for a delivery under the same idempotency key before anything else: a delivery the provider
   * already has (any state but `failed`) is the step's outcome, so a guard that now refuses
   * (consent withdrawn, quiet hours begun) does not move the customer to a second channel.
   */
  resume(slot: number): void {
    this.#resumed.add(slot);
    this.pendingSends.push(slot);
  }

  /** Runs the queued sends (bounded concurrency); each continues its instance. */
  async flushSends(now: number): Promise<void> {
    const batch = this.pendingSends.splice(0);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const slot = batch[next++] as number;
        await this.#sendOne(slot, now);
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.min(this.deps.sendConcurrency, batch.length); i++) workers.push(worker());
    await Promise.all(workers);
  }

  async #sendOne(slot: number, now: number): Promise<void> {
    const t = this.table;
    const j = this.journeyOf(slot);
    const step = j.steps[t.step[slot] as number] as CompiledStep;
    const tenantId = t.tenants[t.tenant[slot] as number] as string;
    const customerId = t.customer[slot] as string;
    const data = t.data[slot] ?? NO_DATA;
    let resumed = this.#resumed.delete(slot);
    while ((t.channel[slot] as number) < step.channels.length) {
      if (t.status[slot] !== SENDING) return; // a goal ended it meanwhile
      const channel = step.channels[t.channel[slot] as number] as Channel;
      const key = `journey:${tenantId}:${j.def.id}@${j.def.version}:${customerId}:${t.run[slot]}:${step.id}:${channel}`;
      const known = resumed ? await this.#delivered(channel, key) : undefined;
      resumed = false;
      const outcome =
        known ?? (await this.#attempt(step, channel, key, { tenantId, customerId, data, slot, j }));
      if (t.status[slot] !== SENDING) return;
      if (outcome.ok) {
        this.#event(
          slot,
          'journey.message_sent',
          { stepId: step.id, channel, deliveryId: outcome.deliveryId, idempotencyKey: key },
          now,
        );
        this.goTo(slot, step.next, now);
        return;
      }
      this.#event(slot, 'journey.channel_skipped', { stepId: step.id, channel, reason: outcome.reason }, now);
      t.channel[slot] = (t.channel[slot] as number) + 1;
      this.markDirty(slot);
    }
    this.#event(slot, 'journey.send_failed', { stepId: step.id, channels: step.channels }, now);
    this.goTo(slot, step.onFailure, now);
  }

  /** The delivery a sender already has under `idempotencyKey` (not `failed`), or `undefined`. */
  async #delivered(
    channel: Channel,
    idempotencyKey: string,
  ): Promise<{ ok: true; deliveryId: string } | undefined> {
    const sender = this.deps.senders.find((s) => s.channels.includes(channel));
    if (sender === undefined) return undefined;
    try {
      const record = await sender.getDelivery({ idempotencyKey });
      return record === undefined || record.state === 'failed'
        ? undefined
        : { ok: true, deliveryId: record.id };
    } catch (error) {
      // The lookup is an optimisation of the resend: without it, the send goes through as usual.
      this.deps.onError(error, { source: 'send' });
      return undefined;
    }
  }

  async #attempt(
    step: CompiledStep,
    channel: Channel,
    idempotencyKey: string,
    c: {
      tenantId: string;
      customerId: string;
      data: Readonly<Record<string, unknown>>;
      slot: number;
      j: CompiledJourney;
    },
  ): Promise<{ ok: true; deliveryId: string } | { ok: false; reason: ChannelSkipReason }> {
    const sender = this.deps.senders.find((s) => s.channels.includes(channel));
    if (sender === undefined) return { ok: false, reason: 'unsupported_channel' };
    try {
      const to = await this.deps.address({
        tenantId: c.tenantId,
        customerId: c.customerId,
        channel,
        data: c.data,
      });
      if (to === undefined || to.length === 0) return { ok: false, reason: 'no_address' };
      const context = this.#context(c.slot, c.j);
      const request = SendRequestSchema.parse({
        conversationId: `journey:${c.j.def.id}:${c.customerId}`,
        channel,
        to,
        content: {
          text: renderTemplate(step.text, context),
          ...(step.subject !== undefined && channel === 'email'
            ? { subject: renderTemplate(step.subject, context) }
            : {}),
        },
        idempotencyKey,
        tenantId: c.tenantId,
        customerId: c.customerId,
        purpose: step.purpose,
      });
      if (this.deps.guard !== undefined) {
        const decision = await this.deps.guard(request);
        if (!decision.allowed)
          return { ok: false, reason: decision.reason === 'quiet_hours' ? 'quiet_hours' : 'no_consent' };
      }
      const record = await sender.send(request);
      if (record.state === 'failed') return { ok: false, reason: 'failed' };
      return { ok: true, deliveryId: record.id };
    } catch (error) {
      if (isThreadlineError(error, 'FORBIDDEN')) return { ok: false, reason: 'forbidden' };
      this.deps.onError(error, { source: 'send' });
      return { ok: false, reason: 'error' };
    }
  }
}

/** When a `wait` step entered at `now` ends. */
function waitUntil(step: CompiledStep, now: number): number {
  const cal = step.calendar;
  if (cal === undefined) return now + step.waitMs;
  if (step.waitDays !== undefined) return cal.addBusinessTime(now, step.waitDays, 'days').getTime();
  return cal.addBusinessTime(now, Math.round(step.waitMs / 1000), 'seconds').getTime();
}
