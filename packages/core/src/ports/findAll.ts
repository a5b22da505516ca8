import type { DocumentStore, StoredDocument } from './documentStore.js';

/** Page size used when following cursors to the end. */
const PAGE = 1000;

/**
 * Every document of `collection` in `tenantId` matching `where` (declared indexed fields),
 * following the store's cursors page by page. Internal to core's services.
 */
export async function findAllDocuments<T extends StoredDocument>(
  store: DocumentStore,
  collection: string,
  tenantId: string,
  where: Record<string, string | number | boolean | null>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.find<T>(collection, {
      tenantId,
      where,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
