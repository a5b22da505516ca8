/**
 * Skill-level buckets: for every skill, eleven sets (levels 0–10) of the items holding that
 * skill at that level. "Who has billing ≥ 7" is the union of four buckets, and its size is a
 * sum of four numbers, so the engine can pick the most selective index before it iterates.
 *
 * @example
 * ```ts
 * const index = new SkillIndex<string>();
 * index.add('ana', { billing: 8 });
 * index.count('billing', 7); // 1
 * ```
 */
export class SkillIndex<W> {
  readonly #buckets = new Map<string, Set<W>[]>();

  /** Indexes `item` under each of its skills. */
  add(item: W, skills: Readonly<Record<string, number>>): void {
    for (const [skill, level] of Object.entries(skills)) {
      let levels = this.#buckets.get(skill);
      if (!levels) {
        levels = Array.from({ length: 11 }, () => new Set<W>());
        this.#buckets.set(skill, levels);
      }
      levels[clampLevel(level)]?.add(item);
    }
  }

  /** Removes `item` from the buckets of `skills` (the skills it was added with). */
  remove(item: W, skills: Readonly<Record<string, number>>): void {
    for (const [skill, level] of Object.entries(skills)) {
      this.#buckets.get(skill)?.[clampLevel(level)]?.delete(item);
    }
  }

  /** Number of items with `skill` at `minLevel` or above. */
  count(skill: string, minLevel: number): number {
    const levels = this.#buckets.get(skill);
    if (!levels) return 0;
    let n = 0;
    for (let l = clampLevel(minLevel); l <= 10; l++) n += (levels[l] as Set<W>).size;
    return n;
  }

  /** Calls `visit` for every item with `skill` at `minLevel` or above (highest level first). */
  forEach(skill: string, minLevel: number, visit: (item: W) => void): void {
    const levels = this.#buckets.get(skill);
    if (!levels) return;
    for (let l = 10; l >= clampLevel(minLevel); l--) for (const item of levels[l] as Set<W>) visit(item);
  }

  /** Skill names known to the index. */
  skills(): IterableIterator<string> {
    return this.#buckets.keys();
  }
}

function clampLevel(level: number): number {
  return level < 0 ? 0 : level > 10 ? 10 : Math.floor(level);
}
