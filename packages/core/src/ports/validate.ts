import { z } from 'zod';
import {
  issuesFromZod,
  parseInput,
  ThreadlineError,
  type ValidationIssue,
  validationError,
} from '../errors.js';
import type { EventEnvelope } from '../events.js';
import { EventEnvelopeSchema, isWellFormedEnvelope } from '../events.js';
import { DEFAULT_TENANT } from '../schemas/common.js';
import type { CollectionDefinition, DocumentInput, FindQuery, RangeCondition } from './documentStore.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function fail(what: string, path: (string | number)[], message: string, code = 'invalid'): never {
  throw validationError(what, [{ path, message, code }]);
}

/** Checks a collection name (letters, digits, underscore; ≤ 63 chars). Shared by every adapter. */
export function assertCollectionName(collection: unknown): asserts collection is string {
  if (typeof collection !== 'string' || !NAME.test(collection)) {
    fail(
      'collection name',
      ['collection'],
      'expected letters, digits or underscore, starting with a letter, at most 63 characters',
    );
  }
}

/** Checks an id or tenant id argument. */
export function assertKey(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) {
    fail(field, [field], 'expected a non-empty string of at most 500 characters');
  }
}

/** Resolves and checks the tenant of an operation. */
export function tenantOf(options: { tenantId?: string } | undefined): string {
  const tenantId = options?.tenantId ?? DEFAULT_TENANT;
  assertKey(tenantId, 'tenantId');
  return tenantId;
}

/** Checks an index field path such as `profile.email`. */
export function assertFieldPath(field: unknown): asserts field is string {
  if (typeof field !== 'string' || !FIELD.test(field)) {
    fail(
      'index field',
      ['indexes'],
      `invalid field path ${JSON.stringify(field)}; expected dotted identifiers`,
    );
  }
}

/**
 * Validates a document before a `put`: an object with string `id`, a valid `tenantId`, JSON-only
 * values. Returns the tenant. Shared by every adapter so they reject the same inputs.
 */
export function validateDocumentInput(
  document: unknown,
  expectedVersion: unknown,
): { tenantId: string; id: string } {
  const issues: ValidationIssue[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    fail('document', [], 'expected a JSON object');
  }
  const doc = document as DocumentInput;
  if (typeof doc.id !== 'string' || doc.id.length === 0 || doc.id.length > 500) {
    issues.push({
      path: ['id'],
      message: 'expected a non-empty string of at most 500 characters',
      code: 'invalid_type',
    });
  }
  const tenantId = doc.tenantId ?? DEFAULT_TENANT;
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > 200) {
    issues.push({
      path: ['tenantId'],
      message: 'expected a non-empty string of at most 200 characters',
      code: 'invalid_type',
    });
  }
  if (
    expectedVersion !== undefined &&
    (typeof expectedVersion !== 'number' || !Number.isInteger(expectedVersion) || expectedVersion < 0)
  ) {
    issues.push({
      path: ['expectedVersion'],
      message: 'expected a non-negative integer',
      code: 'invalid_type',
    });
  }
  if (!isJsonValue(doc, 0)) collectNonJson(doc, [], issues, 0);
  if (issues.length > 0) throw validationError('document', issues);
  return { tenantId, id: doc.id };
}

/**
 * The same rule as {@link collectNonJson} without building paths: the hot paths ask it first and
 * walk again with paths only when a value fails.
 */
function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isJsonValue(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined && !isJsonValue(v, depth + 1)) return false;
  }
  return true;
}

function collectNonJson(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
  depth: number,
): void {
  if (issues.length > 20) return;
  if (depth > 100) {
    issues.push({ path, message: 'nesting deeper than 100 levels', code: 'too_deep' });
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      issues.push({ path, message: 'numbers must be finite', code: 'invalid_number' });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectNonJson(v, [...path, i], issues, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      issues.push({ path, message: 'expected a plain JSON object', code: 'invalid_type' });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      collectNonJson(v, [...path, k], issues, depth + 1);
    }
    return;
  }
  issues.push({ path, message: `${typeof value} is not JSON`, code: 'invalid_type' });
}

/** A range condition of a normalised `find` query: the field and its bounds. */
export interface NormalizedRange extends RangeCondition {
  field: string;
}

/** Normalised `find` query. */
export interface NormalizedFindQuery {
  tenantId: string;
  /** Equality conditions. */
  where: [string, string | number | boolean | null][];
  /** The range condition, when the query has one (results are then ordered by its field). */
  range?: NormalizedRange;
  limit: number;
  /** The last id of the previous page. */
  after: string | undefined;
  /** With `range`: the range field's value of the previous page's last document. */
  afterValue?: number;
}

const RANGE_KEYS = new Set(['lt', 'lte', 'gt', 'gte']);

function normalizeRange(field: string, value: object): NormalizedRange {
  const range: NormalizedRange = { field };
  const entries = Object.entries(value);
  if (entries.length === 0)
    fail('find query', ['where', field], 'a range needs at least one of lt, lte, gt, gte');
  for (const [k, v] of entries) {
    if (!RANGE_KEYS.has(k))
      fail('find query', ['where', field, k], `unknown range operator "${k}"; expected lt, lte, gt or gte`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail('find query', ['where', field, k], 'expected a finite number');
    range[k as keyof RangeCondition] = v;
  }
  return range;
}

/**
 * Validates a `find` query against the declared indexes (and range indexes). Shared by every
 * adapter so they reject the same queries with the same paths.
 */
export function normalizeFindQuery(
  collection: string,
  query: FindQuery | undefined,
  indexes: ReadonlySet<string>,
  ranges: ReadonlySet<string> = new Set(),
): NormalizedFindQuery {
  const tenantId = tenantOf(query);
  const limit = query?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    fail('find query', ['limit'], 'expected an integer from 1 to 1000');
  const where: [string, string | number | boolean | null][] = [];
  let range: NormalizedRange | undefined;
  for (const [field, value] of Object.entries(query?.where ?? {})) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (!ranges.has(field)) {
        fail(
          'find query',
          ['where', field],
          `field "${field}" is not a range index of collection "${collection}"; declare it in ranges with defineCollection`,
        );
      }
      if (range)
        fail(
          'find query',
          ['where', field],
          `only one range condition per query (already on "${range.field}")`,
        );
      range = normalizeRange(field, value);
      continue;
    }
    if (!indexes.has(field)) {
      fail(
        'find query',
        ['where', field],
        `field "${field}" is not an index of collection "${collection}"; declare it with defineCollection`,
      );
    }
    const t = typeof value;
    if (!(value === null || t === 'string' || t === 'number' || t === 'boolean')) {
      fail('find query', ['where', field], 'expected a string, number, boolean, null or a range');
    }
    where.push([field, value as string | number | boolean | null]);
  }
  const normalized: NormalizedFindQuery = { tenantId, where, limit, after: undefined };
  if (range) normalized.range = range;
  if (query?.cursor !== undefined) {
    const c = decodeCursorParts(query.cursor);
    normalized.after = c.id;
    if (range) {
      if (c.value === undefined) fail('find query', ['cursor'], 'cursor is not from a range query');
      normalized.afterValue = c.value;
    }
  }
  return normalized;
}

/** Encodes a keyset cursor: the last id of a page and, for range queries, its range value. */
export function encodeCursor(lastId: string, lastValue?: number): string {
  const body = lastValue === undefined ? { k: lastId } : { k: lastId, v: lastValue };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursorParts(cursor: string): { id: string; value?: number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      k?: unknown;
      v?: unknown;
    };
    if (typeof parsed.k === 'string') {
      if (parsed.v === undefined) return { id: parsed.k };
      if (typeof parsed.v === 'number' && Number.isFinite(parsed.v)) return { id: parsed.k, value: parsed.v };
    }
  } catch {
    // fall through to the error below
  }
  return fail('find query', ['cursor'], 'malformed cursor');
}

/** Decodes a cursor made by {@link encodeCursor} to its id; a malformed one is a `VALIDATION` error. */
export function decodeCursor(cursor: string): string {
  return decodeCursorParts(cursor).id;
}

/** `true` when `value` satisfies every bound of `range`. */
export function inRange(value: number, range: RangeCondition): boolean {
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

const FieldPathSchema = z.string().regex(FIELD, 'expected a dotted field path such as profile.email');

/**
 * The schema of a {@link CollectionDefinition}: strict (an unknown key is an error), field paths
 * checked, at most 64 equality indexes, unique indexes of 1–8 fields, at most 16 range indexes.
 */
export const CollectionDefinitionSchema = z
  .object({
    indexes: z.array(FieldPathSchema).max(64),
    unique: z.array(z.array(FieldPathSchema).min(1).max(8)).max(16).optional(),
    ranges: z.array(FieldPathSchema).max(16).optional(),
  })
  .strict();

/** A unique index as adapters keep it: its name (fields joined by `+`) and its fields. */
export interface UniqueIndex {
  name: string;
  fields: string[];
}

/** A validated collection definition, with every field that `find` may compare by equality. */
export interface NormalizedCollectionDefinition {
  /** Equality indexes: declared `indexes` plus every unique and range field. */
  indexes: string[];
  unique: UniqueIndex[];
  ranges: string[];
}

/** The name of a unique index over `fields` (what `CONFLICT` errors report in `details.index`). */
export function uniqueIndexName(fields: readonly string[]): string {
  return fields.join('+');
}

/** Validates a collection definition (`VALIDATION` with the path of every bad field) and normalises it. */
export function normalizeCollectionDefinition(definition: unknown): NormalizedCollectionDefinition {
  const def = parseInput(CollectionDefinitionSchema, definition, 'collection definition');
  const unique = (def.unique ?? []).map((fields) => ({ name: uniqueIndexName(fields), fields: [...fields] }));
  const ranges = [...new Set(def.ranges ?? [])];
  const indexes = new Set(def.indexes);
  for (const u of unique) for (const f of u.fields) indexes.add(f);
  for (const f of ranges) indexes.add(f);
  return { indexes: [...indexes], unique, ranges };
}

/**
 * The key of `doc` in a unique index, or `undefined` when the document is not constrained (a
 * field missing, `null`, an object or an array). Keys compare type and value.
 */
export function uniqueKey(doc: unknown, fields: readonly string[]): string | undefined {
  const parts: (string | number | boolean)[] = [];
  for (const f of fields) {
    const v = readPath(doc, f);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    parts.push(v);
  }
  return JSON.stringify(parts);
}

/** The `CONFLICT` error for a unique-index violation; `details.index` names the index. */
export function uniqueConflictError(
  collection: string,
  index: string,
  id: string,
  holder: string,
): ThreadlineError {
  return new ThreadlineError(
    'CONFLICT',
    `${collection}/${id}: unique index "${index}" already holds this key (document "${holder}")`,
    { details: { collection, index, id, existingId: holder } },
  );
}

/** Reads a dotted path from a document (`a.b.c`); missing → `undefined`. */
export function readPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The index keys of a value: each array element, or the value itself; objects and undefined give none. */
export function indexKeys(value: unknown): (string | number | boolean | null)[] {
  if (value === undefined) return [];
  if (Array.isArray(value))
    return value.filter((v) => v === null || typeof v !== 'object') as (string | number | boolean | null)[];
  if (value !== null && typeof value === 'object') return [];
  return [value as string | number | boolean | null];
}

/** Validates events for an append to one stream of one tenant. */
export function validateAppend(
  streamId: unknown,
  events: unknown,
  options: { tenantId?: string; expectedVersion?: unknown; idempotencyKey?: unknown } | undefined,
): {
  tenantId: string;
  events: EventEnvelope[];
} {
  assertKey(streamId, 'streamId');
  const tenantId = tenantOf(options);
  if (!Array.isArray(events) || events.length === 0)
    fail('append', ['events'], 'expected a non-empty array of events');
  const ev = options?.expectedVersion;
  if (ev !== undefined && (typeof ev !== 'number' || !Number.isInteger(ev) || ev < 0)) {
    fail('append', ['expectedVersion'], 'expected a non-negative integer');
  }
  const key = options?.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 500)) {
    fail('append', ['idempotencyKey'], 'expected a non-empty string of at most 500 characters');
  }
  const issues: ValidationIssue[] = [];
  for (const [i, e] of (events as unknown[]).entries()) {
    // Fast path for well-formed envelopes; zod only runs to explain a bad one.
    if (!isWellFormedEnvelope(e)) {
      const r = EventEnvelopeSchema.safeParse(e);
      if (!r.success) {
        issues.push(...issuesFromZod(r.error.issues, ['events', i]));
        continue;
      }
    }
    const event = e as EventEnvelope;
    if (event.tenantId !== tenantId) {
      issues.push({
        path: ['events', i, 'tenantId'],
        message: `event tenant "${event.tenantId}" differs from stream tenant "${tenantId}"`,
        code: 'tenant_mismatch',
      });
    }
    if (!isJsonValue(event.payload, 0)) collectNonJson(event.payload, ['events', i, 'payload'], issues, 0);
  }
  if (issues.length > 0) throw validationError('events', issues);
  return { tenantId, events: events as EventEnvelope[] };
}

/**
 * Validates events for an outbox `add` (`VALIDATION` naming the path of every bad field): each must
 * be a well-formed envelope, the same rule as `EventEnvelopeSchema` checked by hand (zod runs only
 * to explain one that is not). An empty array is valid. Adapters call it once at the port boundary.
 *
 * @example
 * ```ts
 * validateOutboxEvents(events); // throws ThreadlineError('VALIDATION') with issues[].path
 * ```
 */
export function validateOutboxEvents(events: unknown): asserts events is readonly EventEnvelope[] {
  if (!Array.isArray(events)) fail('outbox events', ['events'], 'expected an array', 'invalid_type');
  const issues: ValidationIssue[] = [];
  for (let i = 0; i < events.length; i++) {
    const e: unknown = events[i];
    if (isWellFormedEnvelope(e)) continue;
    const r = EventEnvelopeSchema.safeParse(e);
    if (!r.success) issues.push(...issuesFromZod(r.error.issues, ['events', i]));
  }
  if (issues.length > 0) throw validationError('outbox events', issues);
}

/**
 * A `CONFLICT` error for optimistic-concurrency failures. `details` adds to the versions (e.g.
 * the `collection` and `id` of the document, as `putMany` reports them).
 */
export function conflictError(
  what: string,
  expected: number,
  actual: number,
  details?: Readonly<Record<string, unknown>>,
): ThreadlineError {
  return new ThreadlineError('CONFLICT', `${what}: expected version ${expected}, found ${actual}`, {
    details: { ...details, expectedVersion: expected, actualVersion: actual },
  });
}
