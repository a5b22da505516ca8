import { ThreadlineError, type ValidationIssue, validationError } from '../errors.js';
import { DEFAULT_TENANT } from '../schemas/common.js';
import type { DocumentInput, DocumentStore, PutManyOptions, StoredDocument } from './documentStore.js';
import { assertCollectionName, conflictError, validateDocumentInput } from './validate.js';

/** One document of a `putMany` call with its checked key and the version it must be at. */
export interface PutManyEntry {
  /** Position in the call's `documents`. */
  index: number;
  document: DocumentInput;
  tenantId: string;
  id: string;
  /** `undefined`: overwrite; `0`: must not exist; `n`: must be at version `n`. */
  expectedVersion: number | undefined;
}

const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function issue(path: (string | number)[], message: string, code = 'invalid'): ValidationIssue {
  return { path, message, code };
}

/**
 * Checks the shape of a `putMany` call — the collection name, `documents` an array of objects
 * with a valid `id` and `tenantId`, each (tenant, id) once, the options — and returns one entry
 * per document. It does not walk document bodies (adapters do, through {@link atDocument}).
 * Every problem is a `VALIDATION` issue with its path (`documents.3.id`, `expectedVersions.1`).
 * Shared by every adapter so they reject the same calls.
 */
export function validatePutMany(
  collection: unknown,
  documents: unknown,
  options: PutManyOptions | undefined,
): PutManyEntry[] {
  assertCollectionName(collection);
  if (!Array.isArray(documents)) {
    throw validationError('documents', [
      issue(['documents'], 'expected an array of documents', 'invalid_type'),
    ]);
  }
  const issues: ValidationIssue[] = [];
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw validationError('options', [issue([], 'expected an object', 'invalid_type')]);
  }
  const one = options?.expectedVersion;
  const each = options?.expectedVersions;
  if (one !== undefined && each !== undefined) {
    issues.push(issue(['expectedVersions'], 'give expectedVersion or expectedVersions, not both'));
  }
  if (one !== undefined && !isVersion(one)) {
    issues.push(issue(['expectedVersion'], 'expected a non-negative integer', 'invalid_type'));
  }
  if (each !== undefined) {
    if (!Array.isArray(each)) {
      issues.push(issue(['expectedVersions'], 'expected an array', 'invalid_type'));
    } else {
      if (each.length !== documents.length) {
        issues.push(
          issue(
            ['expectedVersions'],
            `expected one slot per document (${documents.length}), got ${each.length}`,
          ),
        );
      }
      for (let i = 0; i < each.length; i++) {
        const v: unknown = each[i];
        if (v !== undefined && !isVersion(v)) {
          issues.push(
            issue(['expectedVersions', i], 'expected a non-negative integer or undefined', 'invalid_type'),
          );
        }
      }
    }
  }
  const entries: PutManyEntry[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < documents.length; i++) {
    if (issues.length > 20) break;
    const document: unknown = documents[i];
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      issues.push(issue(['documents', i], 'expected a JSON object', 'invalid_type'));
      continue;
    }
    const { id, tenantId = DEFAULT_TENANT } = document as { id?: unknown; tenantId?: unknown };
    let ok = true;
    if (typeof id !== 'string' || id.length === 0 || id.length > 500) {
      issues.push(
        issue(
          ['documents', i, 'id'],
          'expected a non-empty string of at most 500 characters',
          'invalid_type',
        ),
      );
      ok = false;
    }
    if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 200) {
      issues.push(
        issue(
          ['documents', i, 'tenantId'],
          'expected a non-empty string of at most 200 characters',
          'invalid_type',
        ),
      );
      ok = false;
    }
    if (!ok) continue;
    const key = `${tenantId as string}\u0000${id as string}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push(
        issue(
          ['documents', i, 'id'],
          `id "${id as string}" is already documents.${first} of this call`,
          'duplicate',
        ),
      );
      continue;
    }
    seen.set(key, i);
    entries.push({
      index: i,
      document: document as DocumentInput,
      tenantId: tenantId as string,
      id: id as string,
      expectedVersion: each !== undefined ? (each[i] as number | undefined) : one,
    });
  }
  if (issues.length > 0) throw validationError('putMany', issues);
  return entries;
}

/**
 * Runs `fn` (a check of `documents[index]`) and puts `documents.<index>` in front of the paths of
 * a `VALIDATION` error it throws, so a bad field of the fourth document is `documents.3.when`.
 */
export function atDocument<R>(index: number, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ThreadlineError) || error.code !== 'VALIDATION') throw error;
    const issues = error.issues.map((i) => ({ ...i, path: ['documents', index, ...i.path] }));
    throw validationError('putMany', issues, 'VALIDATION', error);
  }
}

/**
 * A version `CONFLICT` of one document of a `putMany`, naming it: `details.collection`, `id`,
 * `tenantId` and `position` (its index in `documents`).
 */
export function putManyConflict(
  collection: string,
  entry: Pick<PutManyEntry, 'index' | 'id' | 'tenantId'>,
  expected: number,
  actual: number,
): ThreadlineError {
  return conflictError(`${collection}/${entry.id}`, expected, actual, {
    collection,
    id: entry.id,
    tenantId: entry.tenantId,
    position: entry.index,
  });
}

/**
 * Writes several documents of one collection atomically through any `DocumentStore`: the
 * store's own `putMany` when it has one (one round trip per batch on PostgreSQL). For an adapter
 * without it, a loop of `put` — inside `store.transaction` when the store has transactions, so
 * the call stays all-or-nothing. A store with neither, or whose `transaction` refuses with
 * `UNSUPPORTED` (a store without transactions, or a third party's `tx.documents`, where the
 * surrounding transaction already makes the loop atomic), gets the plain loop: every document is checked before the first write, so a `VALIDATION` error
 * writes nothing, but a `CONFLICT` at the third document leaves the first two written.
 *
 * @example
 * ```ts
 * import { putMany } from '@threadline/core';
 *
 * const [a, b] = await putMany(storage.documents, 'cases', [{ id: 'c1' }, { id: 'c2' }], {
 *   expectedVersion: 0,
 * });
 * ```
 */
export async function putMany<T extends StoredDocument = StoredDocument>(
  store: DocumentStore,
  collection: string,
  documents: readonly DocumentInput[],
  options?: PutManyOptions,
): Promise<T[]> {
  if (typeof store.putMany === 'function') return store.putMany<T>(collection, documents, options);
  const entries = validatePutMany(collection, documents, options);
  for (const e of entries) atDocument(e.index, () => validateDocumentInput(e.document, e.expectedVersion));
  const fence = options?.fence;
  const loop = async (s: DocumentStore, withFence: boolean): Promise<T[]> => {
    const out: T[] = [];
    for (const e of entries) {
      const putOptions = {
        ...(e.expectedVersion === undefined ? {} : { expectedVersion: e.expectedVersion }),
        ...(withFence && fence !== undefined ? { fence } : {}),
      };
      try {
        out.push(await s.put<T>(collection, e.document, putOptions));
      } catch (error) {
        const d = (error as ThreadlineError).details;
        if (
          error instanceof ThreadlineError &&
          error.code === 'CONFLICT' &&
          d.index === undefined &&
          d.lease === undefined
        ) {
          throw putManyConflict(
            collection,
            e,
            Number(d.expectedVersion ?? e.expectedVersion ?? 0),
            Number(d.actualVersion ?? 0),
          );
        }
        throw error;
      }
    }
    return out;
  };
  if (store.capabilities.transactions && typeof store.transaction === 'function') {
    let entered = false;
    try {
      return await store.transaction(
        (tx) => {
          entered = true;
          return loop(tx.documents, false);
        },
        fence === undefined ? undefined : { fence },
      );
    } catch (error) {
      // A transaction's own `tx.documents` may keep the method and refuse to nest: it is inside a
      // transaction already, so the plain loop is atomic there.
      if (entered || !(error instanceof ThreadlineError) || error.code !== 'UNSUPPORTED') throw error;
    }
  }
  return loop(store, true);
}
