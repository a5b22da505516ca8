import { z } from 'zod';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

/** Zod shape of the offered load: either `calls` + `intervalSeconds`, or `trafficErlangs`. */
export const loadShape = {
  calls: nonNegative.optional(),
  intervalSeconds: positive.optional(),
  trafficErlangs: nonNegative.optional(),
  ahtSeconds: positive,
};

/** The offered load fields shared by the Erlang C / A inputs. */
export interface LoadInput {
  /** Calls (contacts) arriving in the interval. Use with `intervalSeconds`. */
  calls?: number | undefined;
  /** Length of the interval the calls arrive in, in seconds. */
  intervalSeconds?: number | undefined;
  /** Offered traffic in Erlangs, instead of `calls` / `intervalSeconds`. */
  trafficErlangs?: number | undefined;
  /** Average handle time (talk + hold + wrap) in seconds. */
  ahtSeconds: number;
}

/** Adds the "calls+interval xor trafficErlangs" rule to an object schema. */
export function refineLoad<T extends z.ZodType<LoadInput>>(schema: T): T {
  return schema.superRefine((v, ctx) => {
    const hasCalls = v.calls !== undefined || v.intervalSeconds !== undefined;
    if (v.trafficErlangs !== undefined && hasCalls) {
      ctx.addIssue({
        code: 'custom',
        path: ['trafficErlangs'],
        message: 'give either trafficErlangs or calls + intervalSeconds, not both',
      });
    } else if (v.trafficErlangs === undefined) {
      if (v.calls === undefined) {
        ctx.addIssue({ code: 'custom', path: ['calls'], message: 'calls (or trafficErlangs) is required' });
      }
      if (v.intervalSeconds === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['intervalSeconds'],
          message: 'intervalSeconds (or trafficErlangs) is required',
        });
      }
    }
  }) as unknown as T;
}

/** Offered traffic `A = calls · aht / interval` (Erlangs). */
export function trafficOf(load: LoadInput): number {
  if (load.trafficErlangs !== undefined) return load.trafficErlangs;
  return ((load.calls ?? 0) * load.ahtSeconds) / (load.intervalSeconds ?? 1);
}
