/**
 * The partition function. Work is split into `partitions` numbered `0 … n-1`:
 *
 * - routing work of a tenant lives in `partitionOf(tenantId, n)` (one routing engine per tenant,
 *   so a tenant's queues, workers and tasks are decided in one place);
 * - a case lives in `partitionOf(caseId, n)` (a case is independent of every other case, so cases
 *   spread evenly by id).
 *
 * `partitionOf` is FNV-1a (32 bit) of the key's UTF-16 code units, modulo `n`: stable across
 * processes, versions and platforms, which is what every node and every submitter must agree on.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit hash of a string's UTF-16 code units (an unsigned integer). */
export function fnv1a(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * The partition (`0 … partitions-1`) a routing tenant or a case id belongs to.
 *
 * @example
 * ```ts
 * partitionOf('acme', 12); // the partition that runs tenant acme's routing engine
 * partitionOf('case-42', 12); // the partition that runs case-42
 * ```
 */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/** The lease name of partition `index` under `prefix` (`<prefix>:<index>`). */
export function partitionLease(prefix: string, index: number): string {
  return `${prefix}:${index}`;
}

/**
 * The event type commands for partition `index` travel under on the bus:
 * `<prefix>_p<index>.command_submitted` — one family per partition, so NATS subjects
 * (`threadline.<tenant>.<prefix>_p<index>.command_submitted`) and Redis streams
 * (`threadline:<tenant>:<prefix>_p<index>`) are per partition.
 */
export function commandType(prefix: string, index: number): string {
  return `${prefix}_p${index}.command_submitted`;
}
