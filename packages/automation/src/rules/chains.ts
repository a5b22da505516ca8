import type { EventEnvelope } from '@threadline/core';

/**
 * Causal chains for loop protection. Internal. A chain starts at an event no rule caused; every
 * event a rule's actions cause joins the chain of the event that fired the rule. Each event also
 * keeps its lineage: the rules, in order, whose actions led to it — a rule found in its own
 * lineage is a cycle.
 */

/** One causal chain. */
export interface Chain {
  readonly id: string;
  /** rule id → times fired in this chain */
  readonly fires: Map<string, number>;
}

/** Where an event sits: its chain and the rules that led to it. */
export interface Lineage {
  readonly chain: Chain;
  readonly rules: readonly string[];
}

/** Remembers lineages by event id (and by firing id), keeping at most `capacity` of them. */
export class ChainTracker {
  private readonly byId = new Map<string, Lineage>();

  constructor(private readonly capacity: number) {}

  /** Records the lineage events caused under `id` (an event id or a rule-firing id) belong to. */
  remember(id: string, lineage: Lineage): void {
    this.byId.delete(id);
    this.byId.set(id, lineage);
    // Oldest first: Map keeps insertion order, so the first key is the least recent.
    while (this.byId.size > this.capacity) {
      const first = this.byId.keys().next();
      if (first.done === true) break;
      this.byId.delete(first.value);
    }
  }

  /**
   * The lineage of an arriving event: through its `causationId`, else its `correlationId`, else the
   * rule firing whose action published it (`inflight`: the firing in the publisher's async
   * context), else a new chain rooted at the event.
   */
  lineageOf(event: EventEnvelope, inflight: Lineage | undefined): Lineage {
    const known = this.byId.get(event.id);
    if (known !== undefined) return known;
    if (event.causationId !== undefined) {
      const cause = this.byId.get(event.causationId);
      if (cause !== undefined) return cause;
    }
    if (event.correlationId !== undefined) {
      const root = this.byId.get(event.correlationId);
      if (root !== undefined) return root;
    }
    if (inflight !== undefined) return inflight;
    return { chain: { id: event.id, fires: new Map() }, rules: [] };
  }
}

/** The cycle `rule` closes in `lineage` (`[a, b, a]`), or undefined. */
export function cycleOf(lineage: readonly string[], rule: string): string[] | undefined {
  const at = lineage.lastIndexOf(rule);
  if (at < 0) return undefined;
  return [...lineage.slice(at), rule];
}

/** A stable key for a cycle regardless of where it was entered (`[a,b,a]` and `[b,a,b]` match). */
export function cycleKey(cycle: readonly string[]): string {
  const ring = cycle.slice(0, -1);
  let best = '';
  for (let i = 0; i < ring.length; i++) {
    const rotated = [...ring.slice(i), ...ring.slice(0, i)].join('\u0000');
    if (best === '' || rotated < best) best = rotated;
  }
  return best;
}
