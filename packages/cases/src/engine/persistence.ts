import { parseInput, TenantIdSchema, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { ensureDurable } from './durable.js';
import { ensureCollection } from './outbox.js';
import { adopt, rebuildCase } from './recovery.js';
import { type CaseEntry, DEFAULT_TENANT, type EngineState, lookup } from './state.js';

/** Options of `load`. */
export interface LoadOptions {
  /** The tenant whose cases are loaded (default `'default'`); call once per tenant. */
  tenantId?: string;
  /** Documents per `find` page, 1–1000 (default 500). */
  pageSize?: number;
}

/** The result of `load`. */
export interface LoadResult {
  tenantId: string;
  /** Cases rebuilt. */
  cases: number;
  /** Deadlines (warnings, breaches, ladder levels) put back into the deadline index. */
  scheduled: number;
}

const LoadOptionsSchema = z
  .object({
    tenantId: TenantIdSchema.optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .optional();

/** `load`: rebuilds one tenant's cases from the store; all or nothing. */
export async function load(s: EngineState, options?: LoadOptions): Promise<LoadResult> {
  const o = parseInput(LoadOptionsSchema, options, 'load options');
  const store = s.store;
  if (store === undefined) {
    throw new ThreadlineError('CONFIG', 'load needs storage: pass `storage` to createCaseEngine', {
      issues: [{ path: ['storage'], message: 'required for load', code: 'invalid_type' }],
    });
  }
  const tenantId = o?.tenantId ?? DEFAULT_TENANT;
  if (s.durable !== undefined) await ensureDurable(s, s.durable);
  else await ensureCollection(s, store);
  const loaded: CaseEntry[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.find('cases', {
      tenantId,
      limit: o?.pageSize ?? 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const doc of page.items) {
      if (lookup(s, tenantId, doc.id) !== undefined || seen.has(doc.id)) {
        throw new ThreadlineError('CONFLICT', `Case ${doc.id} is already loaded`, {
          details: { caseId: doc.id, tenantId },
        });
      }
      seen.add(doc.id);
      loaded.push(await rebuildCase(s, doc));
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  // Everything validated: now change the engine.
  let scheduled = 0;
  for (const entry of loaded) scheduled += adopt(s, entry);
  return { tenantId, cases: loaded.length, scheduled };
}
