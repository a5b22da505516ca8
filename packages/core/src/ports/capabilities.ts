/** What a storage or bus adapter can promise. Engines and the conformance suites read these. */
export interface AdapterCapabilities {
  /** `transaction(fn)` is atomic: all writes inside commit together or none do. */
  transactions: boolean;
  /** Events keep their order within a stream (store) or key (bus). */
  ordering: boolean;
  /** Data survives a process restart. */
  durable: boolean;
  /** Declared `unique` indexes are enforced (`CONFLICT` naming the index). Absent means `false`. */
  uniqueIndexes?: boolean;
  /** `find` accepts range conditions on declared `ranges` indexes. Absent means `false`. */
  rangeQueries?: boolean;
  /**
   * `put` and `transaction` accept a lease `fence` and check it against the bundle's
   * `LeaseStore` atomically with the write. Absent means `false`.
   */
  fencing?: boolean;
}
