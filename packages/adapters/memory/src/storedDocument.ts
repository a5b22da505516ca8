import {
  atDocument,
  type PutManyEntry,
  putManyConflict,
  type StoredDocument,
  validateDocumentInput,
} from '@threadline/core';
import { frozenCopy } from './freeze.js';

/** Marks a value that is not JSON (the caller then asks core for the error with its paths). */
const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * Copies a JSON value and deep-freezes the copy in one walk, checking the rule of core's
 * `validateDocumentInput` on the way (finite numbers, plain objects and arrays, no `undefined`
 * array slots, at most 100 levels below the document): `NOT_JSON` as soon as a value breaks it.
 * `undefined` object values are dropped, as `JSON.stringify` does.
 */
function copyJson(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_JSON;
  if (typeof value !== 'object' || depth > 100) return NOT_JSON;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const v = copyJson(value[i], depth + 1);
      if (v === NOT_JSON) return NOT_JSON;
      out.push(v);
    }
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_JSON;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const c = copyJson(v, depth + 1);
    if (c === NOT_JSON) return NOT_JSON;
    out[key] = c;
  }
  return Object.freeze(out);
}

const validKey = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * The id and tenant of a `put` when the document and `expectedVersion` pass the checks of core's
 * `validateDocumentInput` that do not walk the body; otherwise core's check throws the
 * `VALIDATION` error with every bad path.
 */
export function documentKey(document: unknown, expectedVersion: unknown): { id: string; tenantId: string } {
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const doc = document as Record<string, unknown>;
    const tenantId = doc.tenantId ?? 'default';
    if (
      validKey(doc.id, 500) &&
      validKey(tenantId, 200) &&
      (expectedVersion === undefined ||
        (typeof expectedVersion === 'number' && Number.isInteger(expectedVersion) && expectedVersion >= 0))
    )
      return { id: doc.id, tenantId };
  }
  return validateDocumentInput(document, expectedVersion);
}

/**
 * The stored form of a `put` before its version is known: a new top-level object in the
 * document's key order (`id`, `tenantId` and `version` where the document has them, else
 * appended in that order — the order of `{ ...document, id, tenantId, version }`), every nested
 * value a deep-frozen copy. The copy is the JSON check: a body that is not JSON goes to core's
 * `validateDocumentInput` for the error and its paths.
 *
 * A top-level value that is the very value `previous` (the version being replaced, which this
 * store froze) holds under the same key is shared instead of copied: `{ ...doc, status }` copies
 * only what changed. The caller sets `version` and freezes the result.
 */
export function documentDraft(
  document: object,
  key: { id: string; tenantId: string },
  expectedVersion: unknown,
  previous: StoredDocument | undefined,
): Record<string, unknown> {
  const proto = Object.getPrototypeOf(document);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const k in document) {
      if (k === 'id') out.id = key.id;
      else if (k === 'tenantId') out.tenantId = key.tenantId;
      else if (k === 'version') out.version = 0;
      else {
        const v = (document as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (previous !== undefined && previous[k] === v && typeof v === 'object') {
          out[k] = v;
          continue;
        }
        const c = copyJson(v, 1);
        if (c === NOT_JSON) {
          ok = false;
          break;
        }
        out[k] = c;
      }
    }
    if (ok) {
      if (out.id === undefined) out.id = key.id;
      if (out.tenantId === undefined) out.tenantId = key.tenantId;
      if (out.version === undefined) out.version = 0;
      return out;
    }
  }
  // Not JSON somewhere: core names every bad path. Should it accept what the walk refused, the
  // general copy keeps the store correct.
  validateDocumentInput(document, expectedVersion);
  const draft = { ...frozenCopy({ ...document, id: key.id, tenantId: key.tenantId, version: 0 }) };
  return draft as Record<string, unknown>;
}

/**
 * The stored forms of a `putMany`'s checked entries given each one's current document (`previous`,
 * by position): bodies first (so `VALIDATION` comes before any other error, as for `put`), then
 * `beforeVersions`, then the version checks (`CONFLICT` naming the document). Returns them in input order and grouped by
 * tenant for the unique-index checks; writes nothing.
 */
export function prepareMany(
  collection: string,
  entries: readonly PutManyEntry[],
  previous: readonly (StoredDocument | undefined)[],
  /** Runs between the bodies and the version checks (the fence check, as in `put`). */
  beforeVersions?: () => void,
): { stored: StoredDocument[]; byTenant: Map<string, StoredDocument[]> } {
  const drafts = entries.map((e, i) =>
    atDocument(e.index, () => documentDraft(e.document, e, e.expectedVersion, previous[i])),
  );
  beforeVersions?.();
  const byTenant = new Map<string, StoredDocument[]>();
  const stored = entries.map((e, i) => {
    const current = previous[i]?.version ?? 0;
    if (e.expectedVersion !== undefined && e.expectedVersion !== current) {
      throw putManyConflict(collection, e, e.expectedVersion, current);
    }
    const draft = drafts[i] as Record<string, unknown>;
    draft.version = current + 1;
    const doc = Object.freeze(draft) as StoredDocument;
    const list = byTenant.get(e.tenantId);
    if (list) list.push(doc);
    else byTenant.set(e.tenantId, [doc]);
    return doc;
  });
  return { stored, byTenant };
}
