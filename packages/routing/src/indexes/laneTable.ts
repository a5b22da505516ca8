import type { Group, Lane, TaskState } from '../state.js';

/** Records a lane's group count and solo group in its table row (after its list changed). */
export function setLaneGroups(lane: Lane): void {
  const n = lane.list.length;
  lane.table.groups[lane.idx] = n;
  lane.table.solo[lane.idx] = n === 1 ? lane.list[0] : undefined;
}

/** Rewrites a lane's scan row from its solo group's head (reads only the table and the group). */
export function syncLaneRow(table: LaneTable, i: number): void {
  const g = table.solo[i];
  if (g?.open && g.headClean && g.head !== undefined) {
    table.state[i] = LANE_FAST;
    table.head[i] = g.head;
    table.base[i] = g.headBase;
    table.rate[i] = g.rate;
  } else {
    table.state[i] = table.groups[i] === 0 ? LANE_EMPTY : LANE_SLOW;
    table.head[i] = undefined;
  }
}

/** Lane row state: no waiting task. */
export const LANE_EMPTY = 0;

/** Lane row state: one open group whose head can be ranked from the row alone. */
export const LANE_FAST = 1;

/** Lane row state: the lane's groups must be looked at. */
export const LANE_SLOW = 2;

/**
 * Dense, typed copies of every lane's scan fields (state, channel, fast head with its ordering
 * key and aging rate), indexed by `lane.idx`. A free worker reads ~30 lanes per decision; as
 * objects they are ~30 cache misses, as rows of these arrays they stay in cache.
 */
export class LaneTable {
  state = new Uint8Array(64);
  ch = new Int32Array(64);
  base = new Float64Array(64);
  rate = new Float64Array(64);
  /** Entries in the lane's idle-worker heap. */
  idle = new Int32Array(64);
  /** Groups in the lane's list, and the group when there is exactly one. */
  groups = new Int32Array(64);
  solo: Array<Group | undefined> = [];
  head: Array<TaskState | undefined> = [];
  size = 0;

  add(ch: number): number {
    if (this.size === this.state.length) {
      const grow = <A extends Uint8Array | Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.state = grow(this.state, (n) => new Uint8Array(n));
      this.ch = grow(this.ch, (n) => new Int32Array(n));
      this.base = grow(this.base, (n) => new Float64Array(n));
      this.rate = grow(this.rate, (n) => new Float64Array(n));
      this.idle = grow(this.idle, (n) => new Int32Array(n));
      this.groups = grow(this.groups, (n) => new Int32Array(n));
    }
    const i = this.size++;
    this.state[i] = LANE_EMPTY;
    this.ch[i] = ch;
    this.head.push(undefined);
    this.solo.push(undefined);
    return i;
  }
}
