// The value semantics of the rule language, shared by the compiler's generic and specialised
// closures. Every function here is total: it returns a boolean for any input and never throws on
// plain data (cyclic data is cut off by a depth bound).

const hasOwn = Object.prototype.hasOwnProperty;

/** Deepest nesting compared structurally by `==`; deeper (or cyclic) data compares unequal. */
const MAX_EQUALITY_DEPTH = 32;

/** Normalises a value read from the context: `undefined` and functions become `null`. */
export function normalize(value: unknown): unknown {
  return value === undefined || typeof value === 'function' ? null : value;
}

/**
 * `==`: scalars by `===` (so values of different types are never equal and `NaN` equals
 * nothing); arrays element-wise; plain objects by their own enumerable keys.
 */
export function equalValues(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= MAX_EQUALITY_DEPTH) return false;
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b)) return false;
  if (aArray) {
    const x = a as readonly unknown[];
    const y = b as readonly unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      if (!equalValues(normalize(x[i]), normalize(y[i]), depth + 1)) return false;
    }
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!hasOwn.call(b, k)) return false;
    const x = normalize((a as Record<string, unknown>)[k]);
    const y = normalize((b as Record<string, unknown>)[k]);
    if (!equalValues(x, y, depth + 1)) return false;
  }
  return true;
}

/** Ordering (`> >= < <=`): numbers with numbers, strings with strings (UTF-16 order); else false. */
export function orderValues(operator: '>' | '>=' | '<' | '<=', a: unknown, b: unknown): boolean {
  const ta = typeof a;
  if ((ta !== 'number' && ta !== 'string') || ta !== typeof b) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (operator) {
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
  }
}

/** True when some element of `list` is `==` to `value`. */
export function member(list: readonly unknown[], value: unknown): boolean {
  if (typeof value !== 'object' || value === null) {
    // A scalar equals only an identical scalar, so skip the structural comparison.
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (item === value || (value === null && normalize(item) === null)) return true;
    }
    return false;
  }
  for (let i = 0; i < list.length; i++) {
    if (equalValues(normalize(list[i]), value)) return true;
  }
  return false;
}

/** `a IN b`: `b` is an array with an element equal to `a`. */
export function inValues(a: unknown, b: unknown): boolean {
  return Array.isArray(b) && member(b, a);
}

/**
 * `a HAS b`: `a` is an array with an element equal to `b`, or `a` is an object with an own
 * property named `b` whose value is not null.
 */
export function hasValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return member(a, b);
  if (typeof a !== 'object' || a === null || typeof b !== 'string' || !hasOwn.call(a, b)) return false;
  return normalize((a as Record<string, unknown>)[b]) !== null;
}

/** `a CONTAINS b`: substring when both are strings; element membership when `a` is an array. */
export function containsValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string') return typeof b === 'string' && a.includes(b);
  return Array.isArray(a) && member(a, b);
}
