/** Who does something: a person, a bot or the system, with the roles access control checks. */
export interface Actor {
  id: string;
  /** Role names, e.g. `agent`, `supervisor`, `admin`, `bot`, `system`. */
  roles: readonly string[];
  /** The tenant the actor belongs to (default `'default'`). */
  tenantId?: string;
}

/** One entry of the audit trail: who did what to which resource, when, with what outcome. */
export interface AuditEntry {
  id: string;
  tenantId: string;
  /** Epoch milliseconds. */
  at: number;
  actor: { id: string; roles: readonly string[] };
  /** Dotted action name, e.g. `customer.merged`, `case.transitioned`. */
  action: string;
  resource: { type: string; id: string };
  outcome: 'allowed' | 'denied';
  reason?: string;
  /** References to (or small copies of) the state before and after the change. */
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

/** Where services record audit entries. Implemented by core's audit trail (governance). */
export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}
