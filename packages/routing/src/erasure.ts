import { type CustomerErasureNotice, type DocumentStore, onCustomerErasure } from '@threadline/core';
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

/**
 * Registers an engine's erasure hook on its document store. The hook holds the engine weakly:
 * an engine nobody references any more is collected and unhooked.
 */
export function hookErasure(
  engine: object,
  store: DocumentStore,
  state: (engine: never) => RoutingState,
): void {
  const ref = new WeakRef(engine);
  const stop = onCustomerErasure(store, async (notice) => {
    const live = ref.deref();
    if (live !== undefined) await eraseFromRunningEngine(() => state(live as never), notice);
  });
  unhook.register(engine, stop);
}
