import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseInput, ThreadlineError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Actor, AuditEntry, AuditSink } from '../ports/audit.js';
import { DEFAULT_TENANT, TenantIdSchema } from '../schemas/common.js';

const SEGMENT = '(?:[a-z][a-z0-9_]*|\\*)';
const PERMISSION = new RegExp(`^${SEGMENT}(?:\\.${SEGMENT})*$`);
const ACTION = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

/**
 * A permission pattern: dotted segments (`customer.erase`), where `*` matches one segment
 * (`*.read`) and a trailing `*` matches one or more (`case.*`, `*`).
 */
export const PermissionPatternSchema = z
  .string()
  .regex(PERMISSION, 'expected dotted lower-case segments or `*`, e.g. `customer.update` or `case.*`');

/** Zod schema of one role of an {@link AccessPolicy}. */
export const RoleDefinitionSchema = z
  .object({
    /** Permission patterns this role grants. */
    allow: z.array(PermissionPatternSchema).default([]),
    /** Exceptions to this role's own grants (inherited ones included); other roles are unaffected. */
    deny: z.array(PermissionPatternSchema).default([]),
    /** Roles whose grants (and denials) this role includes. */
    inherits: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** Zod schema of an access policy: role name → definition. */
export const AccessPolicySchema = z
  .object({
    roles: z.record(
      z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lower-case role name'),
      RoleDefinitionSchema,
    ),
  })
  .strict();

/** An access policy (JSON form accepted by {@link createAccessControl}). */
export type AccessPolicy = z.input<typeof AccessPolicySchema>;

/**
 * The default roles. Permissions are `<resource type>.<action>`.
 * - `system` and `admin`: everything.
 * - `supervisor`: everything an agent can do, plus customer merges, consent changes on behalf of
 *   customers, reading the audit trail, and managing agents, queues and cases.
 * - `agent`: reads and works conversations, messages, tasks and cases, updates customers, records
 *   consent the customer states; no erasure, merges or audit access.
 * - `bot`: reads context, sends messages, opens cases and hands off; no customer changes.
 */
export const DEFAULT_ACCESS_POLICY: AccessPolicy = {
  roles: {
    system: { allow: ['*'] },
    admin: { allow: ['*'] },
    supervisor: {
      inherits: ['agent'],
      allow: [
        'customer.*',
        'consent.*',
        'audit.read',
        'agent.*',
        'queue.*',
        'case.*',
        'conversation.*',
        'task.*',
      ],
      deny: ['customer.erase'],
    },
    agent: {
      allow: [
        'customer.read',
        'customer.update',
        'consent.read',
        'consent.record',
        'conversation.*',
        'message.*',
        'task.read',
        'task.accept',
        'task.complete',
        'case.read',
        'case.create',
        'case.update',
        'case.transition',
      ],
    },
    bot: {
      allow: [
        'customer.read',
        'consent.read',
        'conversation.read',
        'conversation.handoff',
        'message.send',
        'case.create',
      ],
    },
  },
};

/** What an action is performed on. `tenantId` defaults to `'default'`. */
export interface ResourceRef {
  type: string;
  id: string;
  tenantId?: string;
}

const ActorSchema = z.object({
  id: z.string().min(1).max(500),
  roles: z.array(z.string().min(1).max(64)).max(64),
  tenantId: TenantIdSchema.optional(),
});

const ResourceSchema = z.object({
  type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case resource type'),
  id: z.string().min(1).max(500),
  tenantId: TenantIdSchema.optional(),
});

/** The outcome of an access decision. */
export interface AccessDecision {
  allowed: boolean;
  /** The permission checked: `<resource type>.<action>`. */
  permission: string;
  /** Why it was denied (absent when allowed). */
  reason?: 'tenant_mismatch' | 'no_permission' | 'denied_by_role';
}

/** Options for {@link createAccessControl}. */
export interface AccessControlOptions {
  /** The policy (JSON). Defaults to {@link DEFAULT_ACCESS_POLICY}. Invalid → `CONFIG` error. */
  policy?: AccessPolicy;
  /** Where denials (and, with `auditAllowed`, grants) are recorded. */
  audit?: AuditSink;
  clock: Clock;
  ids: IdGenerator;
  /** Also record allowed decisions (default `false`: services audit the change itself). */
  auditAllowed?: boolean;
}

/** Access control: one check every mutating service passes through. */
export interface AccessControl {
  /**
   * Resolves when `actor` may perform `action` on `resource`; otherwise records an audit entry
   * (`outcome: 'denied'`) and throws `ThreadlineError` `FORBIDDEN`.
   */
  authorize(actor: Actor, action: string, resource: ResourceRef): Promise<void>;
  /** The decision alone, without auditing or throwing. */
  check(actor: Actor, action: string, resource: ResourceRef): AccessDecision;
  /** A role's patterns with inheritance applied, or `undefined` for an unknown role. */
  permissionsOf(role: string): { allow: string[]; deny: string[] } | undefined;
}

type Matcher = (segments: readonly string[]) => boolean;

function compilePattern(pattern: string): Matcher {
  const parts = pattern.split('.');
  const last = parts.length - 1;
  return (segments) => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === last && p === '*') return segments.length > i;
      if (i >= segments.length) return false;
      if (p !== '*' && p !== segments[i]) return false;
    }
    return segments.length === parts.length;
  };
}

interface CompiledRole {
  allow: string[];
  deny: string[];
  allowMatchers: Matcher[];
  denyMatchers: Matcher[];
}

function compilePolicy(policy: z.output<typeof AccessPolicySchema>): Map<string, CompiledRole> {
  const compiled = new Map<string, CompiledRole>();
  const resolving = new Set<string>();
  const resolve = (name: string, path: (string | number)[]): CompiledRole => {
    const done = compiled.get(name);
    if (done) return done;
    const def = policy.roles[name];
    if (!def) {
      throw new ThreadlineError('CONFIG', `Invalid access policy: unknown role "${name}"`, {
        issues: [{ path, message: `unknown role "${name}"`, code: 'unknown_role' }],
      });
    }
    if (resolving.has(name)) {
      throw new ThreadlineError('CONFIG', `Invalid access policy: role "${name}" inherits itself`, {
        issues: [{ path, message: `inheritance cycle through "${name}"`, code: 'inheritance_cycle' }],
      });
    }
    resolving.add(name);
    const allow = new Set(def.allow);
    const deny = new Set(def.deny);
    def.inherits.forEach((parent, i) => {
      const p = resolve(parent, ['roles', name, 'inherits', i]);
      for (const a of p.allow) allow.add(a);
      for (const d of p.deny) deny.add(d);
    });
    resolving.delete(name);
    const role: CompiledRole = {
      allow: [...allow],
      deny: [...deny],
      allowMatchers: [...allow].map(compilePattern),
      denyMatchers: [...deny].map(compilePattern),
    };
    compiled.set(name, role);
    return role;
  };
  for (const name of Object.keys(policy.roles)) resolve(name, ['roles', name]);
  return compiled;
}

/**
 * Builds access control from a role policy. Decisions: a tenant mismatch between actor and
 * resource is always denied; otherwise the action is allowed when some role of the actor grants
 * `<resource type>.<action>`: one of the role's allow patterns matches and none of its deny
 * patterns does. Unknown roles grant nothing.
 *
 * @example
 * ```ts
 * const access = createAccessControl({ clock, ids, audit: auditTrail });
 * await access.authorize(
 *   { id: 'u1', roles: ['agent'], tenantId: 't1' },
 *   'erase',
 *   { type: 'customer', id: 'c1', tenantId: 't1' },
 * ); // throws ThreadlineError FORBIDDEN, recorded in the audit trail
 * ```
 */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const policy = parseInput(
    AccessPolicySchema,
    options.policy ?? DEFAULT_ACCESS_POLICY,
    'access policy',
    'CONFIG',
  );
  const roles = compilePolicy(policy);
  const { clock, ids, audit } = options;
  const cache = new Map<string, boolean | 'denied_by_role'>();

  const decide = (actorRoles: readonly string[], permission: string): boolean | 'denied_by_role' => {
    const key = `${actorRoles.join('\u0000')}\u0001${permission}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const segments = permission.split('.');
    // A role grants a permission when one of its allow patterns matches and none of its deny
    // patterns does; denials carve exceptions out of that role's grants, not out of other roles'.
    let allowed = false;
    let carvedOut = false;
    for (const name of actorRoles) {
      const role = roles.get(name);
      if (!role?.allowMatchers.some((m) => m(segments))) continue;
      if (role.denyMatchers.some((m) => m(segments))) carvedOut = true;
      else allowed = true;
    }
    const result = allowed ? true : carvedOut ? 'denied_by_role' : false;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, result);
    return result;
  };

  const check = (actor: Actor, action: string, resource: ResourceRef): AccessDecision => {
    const a = parseInput(ActorSchema, actor, 'actor');
    const r = parseInput(ResourceSchema, resource, 'resource');
    if (typeof action !== 'string' || !ACTION.test(action)) {
      parseInput(
        z.string().regex(ACTION, 'expected a dotted lower-case action, e.g. `update`'),
        action,
        'action',
      );
    }
    const permission = `${r.type}.${action}`;
    if ((a.tenantId ?? DEFAULT_TENANT) !== (r.tenantId ?? DEFAULT_TENANT)) {
      return { allowed: false, permission, reason: 'tenant_mismatch' };
    }
    const d = decide(a.roles, permission);
    if (d === true) return { allowed: true, permission };
    return { allowed: false, permission, reason: d === false ? 'no_permission' : 'denied_by_role' };
  };

  const record = async (actor: Actor, resource: ResourceRef, decision: AccessDecision): Promise<void> => {
    if (!audit) return;
    const entry: AuditEntry = {
      id: ids.next('audit'),
      tenantId: resource.tenantId ?? DEFAULT_TENANT,
      at: clock.now(),
      actor: { id: actor.id, roles: [...actor.roles] },
      action: decision.permission,
      resource: { type: resource.type, id: resource.id },
      outcome: decision.allowed ? 'allowed' : 'denied',
      details: { actorTenantId: actor.tenantId ?? DEFAULT_TENANT },
    };
    if (decision.reason) entry.reason = decision.reason;
    await audit.record(entry);
  };

  return {
    check,
    async authorize(actor, action, resource) {
      const decision = check(actor, action, resource);
      if (decision.allowed) {
        if (options.auditAllowed) await record(actor, resource, decision);
        return;
      }
      await record(actor, resource, decision);
      throw new ThreadlineError(
        'FORBIDDEN',
        `Actor "${actor.id}" may not ${action} ${resource.type} "${resource.id}" (${decision.reason})`,
        {
          details: {
            actorId: actor.id,
            permission: decision.permission,
            resource: { type: resource.type, id: resource.id },
            reason: decision.reason,
          },
        },
      );
    },
    permissionsOf(role) {
      const r = roles.get(role);
      return r ? { allow: [...r.allow].sort(), deny: [...r.deny].sort() } : undefined;
    },
  };
}
