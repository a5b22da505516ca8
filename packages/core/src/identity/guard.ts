import { sha256Hex } from '../governance/digest.js';
import type { Actor, AuditEntry } from '../ports/audit.js';
import type { IdentityContext } from './context.js';

/**
 * Passes a mutation through access control, when configured. A denial throws `FORBIDDEN` before
 * anything is read or written (the access control audits the denial itself).
 */
export async function authorize(
  ctx: IdentityContext,
  actor: Actor,
  verb: string,
  type: string,
  id: string,
  tenantId: string,
): Promise<void> {
  if (ctx.access) await ctx.access.authorize(actor, verb, { type, id, tenantId });
}

/** Audits an allowed, committed change (no-op without an audit sink). */
export async function recordAudit(
  ctx: IdentityContext,
  entry: Omit<AuditEntry, 'id' | 'at' | 'outcome'>,
): Promise<void> {
  if (!ctx.audit) return;
  await ctx.audit.record({
    ...entry,
    id: ctx.ids.next('audit'),
    at: ctx.clock.now(),
    outcome: 'allowed',
  });
}

/**
 * How an identity key appears in audit entries and access decisions: its SHA-256 digest
 * (`sha256:<hex>`), never the key itself, so the audit trail holds no e-mail or phone number
 * that erasure would have to find. The same key always gives the same reference.
 */
export function keyRef(key: string): string {
  return `sha256:${sha256Hex(key)}`;
}
