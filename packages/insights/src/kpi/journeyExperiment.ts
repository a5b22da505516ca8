import { type DurationInput, DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { EventListSchema } from '../eventInput.js';
import { type ProportionGroup, type TwoProportionResult, twoProportionTest } from './proportions.js';
import { InstantSchema } from './result.js';

/** The event fields the journey KPIs read (any event envelope has them). */
export interface ExperimentEvent {
  id: string;
  type: string;
  occurredAt: number;
  tenantId?: string;
  payload: unknown;
}

/** Options shared by {@link journeyConversion} and {@link journeyDeflection}. */
export interface JourneyExperimentOptions {
  /** The journey whose `journey.entered` events define the groups (treatment and holdout). */
  journeyId: string;
  /** How long after entering an outcome (or contact) counts (ms or `{ days, … }`). Default 7 days. */
  window?: DurationInput;
  /** Customers whose window is still open at this instant are pending, left out. Default: every window closed. */
  asOf?: number | Date;
  /** Confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Compare only this variant against the holdout (default: every treated customer). */
  variant?: string;
  /** Only this tenant's events (default: all). */
  tenantId?: string;
  /** Where outcome events carry the customer id (default `payload.customerId`). */
  customerPath?: string;
  includeIds?: boolean;
}

/** Result of the journey KPIs: the two-proportion comparison of treatment against holdout. */
export interface JourneyExperimentResult extends TwoProportionResult {
  journeyId: string;
  /** Customers left out because their window had not closed by `asOf`. */
  pending: number;
  /** Per variant (treated customers only). */
  byVariant: Record<string, ProportionGroup>;
  /** Customer ids per group, with `includeIds`. */
  ids?: { treatment: string[]; control: string[]; withOutcome: string[]; pending: string[] };
}

const Patterns = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const BaseShape = {
  journeyId: z.string().min(1),
  window: DurationSchema.optional(),
  asOf: InstantSchema.optional(),
  confidence: z.number().gt(0.5).lt(1).optional(),
  variant: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
  customerPath: z.string().min(1).optional(),
  includeIds: z.boolean().optional(),
};
const ConversionSchema = z.object({ ...BaseShape, outcome: Patterns }).strict();
const DeflectionSchema = z.object({ ...BaseShape, contact: Patterns }).strict();

function matches(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1)))) return true;
  }
  return false;
}

function read(root: unknown, path: readonly string[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

interface Member {
  customerId: string;
  enteredAt: number;
  holdout: boolean;
  variant: string | undefined;
}

/** First entry per customer into the journey, from `journey.entered` events. */
function members(
  events: readonly ExperimentEvent[],
  journeyId: string,
  tenantId: string | undefined,
): Member[] {
  const byCustomer = new Map<string, Member>();
  for (const e of events) {
    if (e.type !== 'journey.entered') continue;
    if (tenantId !== undefined && (e.tenantId ?? 'default') !== tenantId) continue;
    const p = e.payload as { journeyId?: unknown; customerId?: unknown; group?: unknown; variant?: unknown };
    if (p?.journeyId !== journeyId || typeof p.customerId !== 'string') continue;
    const prev = byCustomer.get(p.customerId);
    if (prev !== undefined && prev.enteredAt <= e.occurredAt) continue;
    byCustomer.set(p.customerId, {
      customerId: p.customerId,
      enteredAt: e.occurredAt,
      holdout: p.group === 'holdout',
      variant: typeof p.variant === 'string' ? p.variant : undefined,
    });
  }
  return [...byCustomer.values()];
}

/** Outcome times per customer, sorted. */
function outcomes(
  events: readonly ExperimentEvent[],
  patterns: string[],
  path: string[],
  tenantId: string | undefined,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of events) {
    if (e.type.startsWith('journey.') || !matches(patterns, e.type)) continue;
    if (tenantId !== undefined && (e.tenantId ?? 'default') !== tenantId) continue;
    const c = read(e, path);
    if (typeof c !== 'string') continue;
    let list = out.get(c);
    if (list === undefined) out.set(c, (list = []));
    list.push(e.occurredAt);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** Number of times in `[from, to]` of a sorted list. */
function countIn(times: readonly number[] | undefined, from: number, to: number): number {
  if (times === undefined) return 0;
  let n = 0;
  for (const t of times) {
    if (t > to) break;
    if (t >= from) n++;
  }
  return n;
}

interface Tally {
  result: JourneyExperimentResult;
  /** Outcome counts per customer of each group (for contacts per customer). */
  treatmentEvents: number;
  controlEvents: number;
}

function tally(
  events: readonly ExperimentEvent[],
  o: z.output<typeof ConversionSchema> | z.output<typeof DeflectionSchema>,
  patterns: string | string[],
): Tally {
  const window = o.window ?? 7 * 86_400_000;
  const list = members(events, o.journeyId, o.tenantId);
  const times = outcomes(
    events,
    Array.isArray(patterns) ? patterns : [patterns],
    (o.customerPath ?? 'payload.customerId').split('.'),
    o.tenantId,
  );
  const t = { x: 0, n: 0 };
  const c = { x: 0, n: 0 };
  const byVariant: Record<string, ProportionGroup> = {};
  const ids = {
    treatment: [] as string[],
    control: [] as string[],
    withOutcome: [] as string[],
    pending: [] as string[],
  };
  let pending = 0;
  let treatmentEvents = 0;
  let controlEvents = 0;
  for (const m of list) {
    if (!m.holdout && o.variant !== undefined && m.variant !== o.variant) continue;
    const end = m.enteredAt + window;
    if (o.asOf !== undefined && end > o.asOf) {
      pending++;
      ids.pending.push(m.customerId);
      continue;
    }
    const k = countIn(times.get(m.customerId), m.enteredAt, end);
    const hit = k > 0 ? 1 : 0;
    if (hit) ids.withOutcome.push(m.customerId);
    if (m.holdout) {
      c.n++;
      c.x += hit;
      controlEvents += k;
      ids.control.push(m.customerId);
    } else {
      t.n++;
      t.x += hit;
      treatmentEvents += k;
      ids.treatment.push(m.customerId);
      if (m.variant !== undefined) {
        const g = (byVariant[m.variant] ??= { n: 0, x: 0, rate: null });
        g.n++;
        g.x += hit;
        g.rate = g.x / g.n;
      }
    }
  }
  const test = twoProportionTest({
    treatment: t,
    control: c,
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
  });
  const result: JourneyExperimentResult = { ...test, journeyId: o.journeyId, pending, byVariant };
  if (o.includeIds) result.ids = ids;
  return { result, treatmentEvents, controlEvents };
}

/**
 * Journey conversion against the holdout: the share of treated customers with an outcome event
 * (e.g. `order.placed`) within `window` of entering, against the same share in the holdout, with
 * the lift's confidence interval and p-value (two-proportion z test). Reads events only: the
 * journey engine's `journey.entered` (group and variant) and the outcome events.
 *
 * @example
 * ```ts
 * const r = journeyConversion(events, { journeyId: 'win-back', outcome: 'order.placed', window: { days: 14 } });
 * r.treatment.rate; r.control.rate; r.difference; r.interval; r.significant;
 * ```
 */
export function journeyConversion(
  events: readonly ExperimentEvent[],
  options: JourneyExperimentOptions & { outcome: string | string[] },
): JourneyExperimentResult {
  const o = parseInput(ConversionSchema, options, 'journeyConversion options');
  return tally(parseInput(EventListSchema, events, 'journeyConversion events'), o, o.outcome).result;
}

/** Result of {@link journeyDeflection}: the contact rates compared, and the contacts avoided. */
export interface JourneyDeflectionResult extends JourneyExperimentResult {
  /** Treated customers who would have contacted without the journey: `(control.rate − treatment.rate) × treatment.n`. */
  deflectedCustomers: number | null;
  /** The interval of `deflectedCustomers` (from the difference's interval). */
  deflectedInterval: [number, number] | null;
  /** Contact events per customer in each group, within the window. */
  contactsPerCustomer: { treatment: number | null; control: number | null };
  /** Contacts avoided: `(control − treatment contacts per customer) × treatment.n`. */
  deflectedContacts: number | null;
}

/**
 * Journey deflection against the holdout: did treated customers contact support (events such as
 * `conversation.started`, `case.opened`) less than the holdout within `window` of entering? The
 * contact rates are compared with the two-proportion z test; deflection is reported as customers
 * and as contacts avoided, scaled to the treated group.
 *
 * @example
 * ```ts
 * const r = journeyDeflection(events, { journeyId: 'outage-notice', contact: ['conversation.started'], window: { days: 2 } });
 * r.deflectedContacts; // contacts the notice saved
 * ```
 */
export function journeyDeflection(
  events: readonly ExperimentEvent[],
  options: JourneyExperimentOptions & { contact: string | string[] },
): JourneyDeflectionResult {
  const o = parseInput(DeflectionSchema, options, 'journeyDeflection options');
  const { result, treatmentEvents, controlEvents } = tally(
    parseInput(EventListSchema, events, 'journeyDeflection events'),
    o,
    o.contact,
  );
  const n1 = result.treatment.n;
  const perT = n1 > 0 ? treatmentEvents / n1 : null;
  const perC = result.control.n > 0 ? controlEvents / result.control.n : null;
  return {
    ...result,
    deflectedCustomers: result.difference === null ? null : -result.difference * n1,
    deflectedInterval: result.interval === null ? null : [-result.interval[1] * n1, -result.interval[0] * n1],
    contactsPerCustomer: { treatment: perT, control: perC },
    deflectedContacts: perT === null || perC === null ? null : (perC - perT) * n1,
  };
}
