// Dotted-path helpers over plain JSON values, shared by the erasure steps.

/** Any JSON value as read from a store. */
export type Json = unknown;

/** Replaces the value at `path` with `update(value)` when the path exists (missing paths stay missing). */
export function updatePath(target: Record<string, Json>, path: string, update: (value: Json) => Json): void {
  const parts = path.split('.');
  let node: Record<string, Json> = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i] as string];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    node = next as Record<string, Json>;
  }
  const key = parts[parts.length - 1] as string;
  if (key in node) node[key] = update(node[key]);
}

/** Sets `path` to `value`, creating intermediate objects. */
export function assignPath(target: Record<string, Json>, path: string, value: Json): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {};
    node = node[p] as Record<string, Json>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** The value at `path`, or `undefined`. */
export function readPath(target: unknown, path: string): unknown {
  let node = target;
  for (const p of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** True when `value` is one of `ids`, or an array holding one of them. */
export function refersTo(value: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return ids.has(value);
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && ids.has(v));
  return false;
}
