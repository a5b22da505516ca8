import { z } from 'zod';
import { parseInput, ThreadlineError } from '../errors.js';
import { type IdentityKind, IdentityKindSchema } from '../schemas/identity.js';

/** Zod schema for one matching rule: which identities may link a contact to an existing customer. */
export const IdentityRuleSchema = z
  .object({
    /** The identity kind this rule matches on. */
    kind: IdentityKindSchema,
    /** Restrict the rule to one namespace (external ids, handles, devices). */
    namespace: z.string().min(1).optional(),
    /** Higher wins: the customer found by the highest-priority match anchors the resolution. */
    priority: z.number().int(),
    /** The inbound identity must be verified for this rule to match. */
    requireVerified: z.boolean().default(false),
    /** Identity confidence (0–1) a match by this rule gives. */
    confidence: z.number().min(0).max(1),
  })
  .strict();

/** A matching rule (see {@link IdentityRuleSchema}). */
export type IdentityRule = z.infer<typeof IdentityRuleSchema>;

/** Zod schema for a blocked-value pattern: matching identities are kept but never link customers. */
export const BlockedPatternSchema = z
  .object({
    /** Only for this kind (all kinds when absent). */
    kind: IdentityKindSchema.optional(),
    /** A regular expression (source) tested against the normalised value, case-insensitive. */
    pattern: z.string().min(1).max(1000),
  })
  .strict();

/** A blocked-value pattern. */
export type BlockedPattern = z.infer<typeof BlockedPatternSchema>;

/**
 * The default rules: external id (100) > verified email (80) > verified phone (60) > channel
 * handle (40). Devices never match by default.
 */
export const DEFAULT_IDENTITY_RULES: readonly IdentityRule[] = [
  { kind: 'external_id', priority: 100, requireVerified: false, confidence: 0.99 },
  { kind: 'email', priority: 80, requireVerified: true, confidence: 0.9 },
  { kind: 'phone', priority: 60, requireVerified: true, confidence: 0.85 },
  { kind: 'channel_handle', priority: 40, requireVerified: false, confidence: 0.7 },
];

/**
 * Default blocked values: shared mailbox senders (`noreply@…`, `no-reply@…`, `donotreply@…`,
 * `mailer-daemon@…`, `postmaster@…`, `bounce(s)@…`, `notifications@…`) and fictional/test phone
 * numbers (`+1 555 01xx`, all-zero numbers).
 */
export const DEFAULT_BLOCKED_PATTERNS: readonly BlockedPattern[] = [
  {
    kind: 'email',
    pattern: '^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?)(\\+[^@]*)?@',
  },
  { kind: 'phone', pattern: '^\\+1\\d{3}55501\\d{2}$' },
  { kind: 'phone', pattern: '^\\+0*$|^\\+\\d{1,3}0{7,}$' },
];

/** Zod schema for identity-resolution configuration (JSON form). */
export const IdentityResolutionConfigSchema = z
  .object({
    /** Matching rules (replace the defaults when given). */
    rules: z.array(IdentityRuleSchema).min(1).optional(),
    /**
     * Most distinct values a customer may hold per kind (`external_id`) or kind and namespace
     * (`external_id:crm`). Default `{ external_id: 1 }`.
     */
    limits: z.record(z.string().min(1), z.number().int().positive()).optional(),
    /** Blocked-value patterns (replace the defaults when given). */
    blocked: z.array(BlockedPatternSchema).optional(),
    /** Extra blocked values: exact normalised keys such as `email:info@shop.com`. */
    blockedKeys: z.array(z.string().min(1)).optional(),
    /** Merge customers automatically when a contact links them and no limit is broken. Default true. */
    autoMerge: z.boolean().optional(),
    /** Country calling code for national phone numbers, e.g. `'49'`. */
    defaultCountryCode: z
      .string()
      .regex(/^[1-9]\d{0,2}$/)
      .optional(),
  })
  .strict();

/** Identity-resolution configuration (see {@link IdentityResolutionConfigSchema}). */
export type IdentityResolutionConfig = z.input<typeof IdentityResolutionConfigSchema>;

/** Configuration after validation, with compiled patterns. */
export interface CompiledIdentityConfig {
  rules: readonly IdentityRule[];
  limits: ReadonlyMap<string, number>;
  blocked: readonly { kind: IdentityKind | undefined; re: RegExp }[];
  blockedKeys: ReadonlySet<string>;
  autoMerge: boolean;
  defaultCountryCode: string | undefined;
}

/**
 * Validates and compiles identity configuration; bad fields or invalid regular expressions throw
 * `ThreadlineError` `CONFIG` naming the path.
 *
 * @example
 * ```ts
 * const config = compileIdentityConfig({ limits: { external_id: 1, 'external_id:crm': 1 } });
 * ```
 */
export function compileIdentityConfig(input: IdentityResolutionConfig = {}): CompiledIdentityConfig {
  const parsed = parseInput(IdentityResolutionConfigSchema, input, 'identity configuration', 'CONFIG');
  const blocked = (parsed.blocked ?? DEFAULT_BLOCKED_PATTERNS).map((b, i) => {
    try {
      return { kind: b.kind, re: new RegExp(b.pattern, 'i') };
    } catch (cause) {
      throw new ThreadlineError(
        'CONFIG',
        `Invalid identity configuration: blocked[${i}].pattern is not a regex`,
        {
          issues: [
            { path: ['blocked', i, 'pattern'], message: 'invalid regular expression', code: 'invalid_regex' },
          ],
          cause,
        },
      );
    }
  });
  const limits = new Map(Object.entries(parsed.limits ?? { external_id: 1 }));
  for (const key of limits.keys()) {
    const kind = key.split(':')[0];
    if (!IdentityKindSchema.safeParse(kind).success) {
      throw new ThreadlineError(
        'CONFIG',
        `Invalid identity configuration: limits.${key} names no identity kind`,
        {
          issues: [
            {
              path: ['limits', key],
              message: 'expected "<kind>" or "<kind>:<namespace>"',
              code: 'invalid_key',
            },
          ],
        },
      );
    }
  }
  const rules = [...(parsed.rules ?? DEFAULT_IDENTITY_RULES)].sort((a, b) => b.priority - a.priority);
  return {
    rules,
    limits,
    blocked,
    blockedKeys: new Set(parsed.blockedKeys ?? []),
    autoMerge: parsed.autoMerge ?? true,
    defaultCountryCode: parsed.defaultCountryCode,
  };
}

/** The rule that applies to an identity (namespace-specific first), or `undefined`. */
export function ruleFor(
  config: CompiledIdentityConfig,
  kind: IdentityKind,
  namespace: string | undefined,
): IdentityRule | undefined {
  let general: IdentityRule | undefined;
  for (const rule of config.rules) {
    if (rule.kind !== kind) continue;
    if (rule.namespace === undefined) general ??= rule;
    else if (rule.namespace === namespace) return rule;
  }
  return general;
}

/** True when a normalised identity is blocked by configuration. */
export function isBlockedValue(
  config: CompiledIdentityConfig,
  identity: { kind: IdentityKind; value: string; key: string },
): boolean {
  if (config.blockedKeys.has(identity.key)) return true;
  for (const b of config.blocked) {
    if ((b.kind === undefined || b.kind === identity.kind) && b.re.test(identity.value)) return true;
  }
  return false;
}
