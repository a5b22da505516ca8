import { z } from 'zod';

/** The tenant used when a caller does not name one. */
export const DEFAULT_TENANT = 'default';

/** A tenant id: non-empty, no whitespace. */
export const TenantIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\S+$/, 'tenantId must not contain whitespace');

/** An entity id: a non-empty string (callers may bring their own). */
export const IdSchema = z.string().min(1).max(500);

/** An instant in epoch milliseconds. */
export const EpochMsSchema = z.number().int().finite();

/** Free JSON attributes. */
export const AttributesSchema = z.record(z.string(), z.unknown());

/** Fields every stored entity carries. */
export const entityBaseShape = {
  id: IdSchema,
  tenantId: TenantIdSchema,
  createdAt: EpochMsSchema,
  updatedAt: EpochMsSchema,
  version: z.number().int().nonnegative(),
};

/** Zod schema of the common entity fields. */
export const EntityBaseSchema = z.object(entityBaseShape);

/** The common entity fields. */
export type EntityBase = z.infer<typeof EntityBaseSchema>;
