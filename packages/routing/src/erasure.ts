import {
  type CustomerErasureNotice,
  type DocumentStore,
  type EventBus,
  onCustomerErased,
  onCustomerErasure,
} from '@threadline/core';
import { freezeAttributes } from './inputs.js';
import type { RoutingState } from './state.js';

/** What {@link eraseFromRunningEngine} changed. */
export interface RunningErasureOutcome {
  /** Tasks whose attributes were rewritten in memory. */
  tasks: number;
  /** Journal entries and events waiting to commit that were rewritten. */
  pending: number;
}

/** Every string of a JSON value through `redact`, structure kept. */
function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out;
  }
  return value;
}

/**
 * A customer is being erased from the store this engine uses (core's `onCustomerErasure` hook,
 * registered by an engine given `storage`): the engine's memory and what it has not committed
 * are rewritten the way the erasure rewrites the committed journal, so that memory, the next
 * snapshot and a later `recover()` (a replay of the erased journal) all agree.
 *
 * - Tasks whose `attributes.customerId` is an erased customer keep their structure; every string
 *   in their attributes (handoff packets included) is redacted as erasure redacts the journal
 *   entries that created them (`redactStrings`), and their cached rule context is dropped.
 * - Journal entries and events waiting for their batch are rewritten by the erasure's own
 *   matcher and rewriter; a batch already in flight is first let land, so the store scan that
 *   follows this hook finds it.
 */
export async function eraseFromRunningEngine(
  state: () => RoutingState,
  notice: CustomerErasureNotice,
): Promise<RunningErasureOutcome> {
  const first = state();
  if (first.tenantId !== notice.tenantId) return { tasks: 0, pending: 0 };
  // This engine rewrites what it holds here: its journal stream needs no fence.
  if (first.journal !== null) notice.claimStream?.(first.journal.streamId);
  await first.journal?.landed();
  // `recover()` may have swapped the state while the commit landed.
  const s = state();
  let tasks = 0;
  if (notice.redactStrings) {
    for (const t of s.tasks.values()) {
      const customerId = (t.attributes as { customerId?: unknown }).customerId;
      if (typeof customerId !== 'string' || !notice.customerIds.has(customerId)) continue;
      const redacted = redactDeep(t.attributes, (text) => notice.redactText(text)) as Record<string, unknown>;
      t.attributes = freezeAttributes(redacted, 'erased task', ['attributes']);
      t.ctx = null;
      tasks++;
    }
  }
  const pending = s.journal?.rewritePending((e) => (notice.matches(e) ? notice.rewrite(e) : undefined)) ?? 0;
  return { tasks, pending };
}

/** Unhooks an engine that was garbage-collected (its hook must not keep it alive). */
const unhook = new FinalizationRegistry<() => void>((stop) => stop());

/** The key of one erasure as both paths see it: tenant and erased ids. */
function erasureKey(tenantId: string, ids: ReadonlySet<string>): string {
  return `${tenantId}\u0000${[...ids].sort().join('\u0000')}`;
}

/** Erasures a hook handled in-process, remembered so their `customer.erased` event is not handled twice. */
const REMEMBERED = 1_000;

/**
 * Registers an engine's erasure hooks. The in-process one on its document store
 * (`onCustomerErasure`): memory and what waits to commit are rewritten before the store is. With
 * a journal and a bus that can subscribe, the cross-process one (`onCustomerErased`): an erasure
 * run by another process reaches this engine as a `customer.erased` event (through the outbox
 * relay, at least once; redeliveries dropped by event id); the engine then lets its commit in
 * flight land and `recover()`s from the erased store — its journal stream was fenced by that
 * erasure, so nothing it held was written back meanwhile (a commit after the fence is refused and
 * the commands since the last commit are lost, as with any failed commit). An event for an
 * erasure this engine already heard in-process is ignored. Both hooks hold the engine weakly.
 */
export function hookErasure(
  engine: object,
  store: DocumentStore,
  state: (engine: never) => RoutingState,
  bus?: EventBus,
): void {
  const ref = new WeakRef(engine);
  const heard = new Set<string>();
  const remember = (key: string) => {
    heard.add(key);
    if (heard.size > REMEMBERED) heard.delete(heard.values().next().value as string);
  };
  const stops = [
    onCustomerErasure(store, async (notice) => {
      const live = ref.deref();
      if (live === undefined) return;
      await eraseFromRunningEngine(() => state(live as never), notice);
      if (state(live as never).tenantId === notice.tenantId)
        remember(erasureKey(notice.tenantId, notice.customerIds));
    }),
  ];
  const s = state(engine as never);
  if (bus !== undefined && typeof bus.subscribe === 'function' && s.journal !== null) {
    stops.push(
      onCustomerErased(bus, async (notice) => {
        const live = ref.deref() as { recover(): Promise<void> } | undefined;
        if (live === undefined || state(live as never).tenantId !== notice.tenantId) return;
        if (heard.has(erasureKey(notice.tenantId, notice.customerIds))) return;
        await live.recover();
      }),
    );
  }
  unhook.register(engine, () => {
    for (const stop of stops) stop();
  });
}
