// Shared pieces of the hand checks of context and handoff inputs (`handoffCheck.ts`,
// `contributionCheck.ts`): each follows the rule of the zod schema it stands in for.

/** A plain object record. */
export type Obj = Record<string, unknown>;

/** `true` for an object literal (prototype `Object.prototype`); anything else goes to zod. */
export function isPlain(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  return Object.getPrototypeOf(v) === Object.prototype;
}

/** `true` when every key of `v` is one of `keys` (a strict object's rule). */
export function onlyKeys(v: Obj, keys: ReadonlySet<string>): boolean {
  for (const key in v) if (!keys.has(key)) return false;
  return true;
}

/** `z.string().min(min).max(max)`. */
export const text = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;
/** `IdSchema`. */
export const isId = (v: unknown): v is string => text(v, 1, 500);
/** `z.number().int()` (a safe integer). */
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
/** `z.number().min(min).max(1)`. */
export const inUnit = (v: unknown, min: number): v is number =>
  typeof v === 'number' && v >= min && v <= 1 && !Number.isNaN(v);

/** A failed check inside a builder (the caller falls back to zod). */
export const NO: unique symbol = Symbol('not plain');

/** Copies `v`'s optional keys that pass `ok` into `out`, in `keys` order; `false` when one fails. */
export function optional(
  out: Obj,
  v: Obj,
  keys: readonly string[],
  ok: (key: string, value: unknown) => boolean,
): boolean {
  for (const key of keys) {
    if (!(key in v)) continue;
    const value = v[key];
    if (value !== undefined && !ok(key, value)) return false;
    out[key] = value;
  }
  return true;
}

/** A list of `item(x)` outputs, or `NO` when it is not a dense array (of at most `max`) or an item fails. */
export function list(
  v: unknown,
  item: (x: unknown) => unknown,
  max = Number.POSITIVE_INFINITY,
): unknown[] | typeof NO {
  if (!Array.isArray(v) || v.length > max) return NO;
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    if (!(i in v)) return NO;
    const x = item(v[i]);
    if (x === NO) return NO;
    out.push(x);
  }
  return out;
}
