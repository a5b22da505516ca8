import { ThreadlineError } from '@threadline/core';

/** Deep-freezes a JSON value in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Copies a JSON value and freezes the copy in one pass (faster than `structuredClone` plus a
 * freeze for the small documents and events the engines write). Inputs were validated as JSON.
 */
export function frozenCopy<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 200) throw new ThreadlineError('VALIDATION', 'Value is nested deeper than 200 levels');
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = frozenCopy(value[i], depth + 1);
    return Object.freeze(out) as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = frozenCopy(v, depth + 1);
  }
  return Object.freeze(out) as T;
}
