import type { RoutingStrategy } from './strategy.js';

/**
 * Most skilled: the highest sum of levels in the skills the task needs first.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, strategy: mostSkilled });
 * ```
 */
export const mostSkilled: RoutingStrategy = {
  name: 'most-skilled',
  score: (w, t) => {
    let s = 0;
    for (const skill in t.requiredSkills)
      s += Object.hasOwn(w.skills, skill) ? (w.skills[skill] as number) : 0;
    return s;
  },
};
