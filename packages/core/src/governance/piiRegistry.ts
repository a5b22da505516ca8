import { z } from 'zod';

const FIELD_PATH = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a dotted field path');

/** Zod schema of one entry of a {@link PiiRegistry}: where a customer's personal data lives. */
export const PiiRegistryEntrySchema = z
  .object({
    /** The collection. */
    collection: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a collection name'),
    /**
     * How to find the customer's documents: `id` (the document id is the customer id) or an
     * indexed field holding the customer id (declared on the collection before the lookup). The
     * field may hold an array of customer ids (e.g. `customerIds`): stores index every element,
     * so a document matches when one element is the customer.
     */
    match: z.union([z.literal('id'), z.object({ field: FIELD_PATH }).strict()]),
    /** `delete` the documents, or `anonymize` them (keep the document, erase the listed fields). */
    mode: z.enum(['delete', 'anonymize']),
    /** `anonymize`: fields to erase (strings → the erased marker, arrays → `[]`, objects → `{}`, others → `null`). */
    fields: z.array(FIELD_PATH).default([]),
    /** `anonymize`: string fields whose personal data is redacted in place (the rest of the text stays). */
    redactFields: z.array(FIELD_PATH).default([]),
    /** `anonymize`: a field set to the erasure time (e.g. `erasedAt` on the customer). */
    stamp: FIELD_PATH.optional(),
  })
  .strict()
  .refine(
    (e) => e.mode === 'delete' || e.fields.length + e.redactFields.length > 0 || e.stamp !== undefined,
    {
      message: 'an anonymize entry needs fields, redactFields or stamp',
      path: ['fields'],
    },
  );

/** Where a customer's personal data lives in the document store. */
export type PiiRegistryEntry = z.input<typeof PiiRegistryEntrySchema>;

/** The registry of collections/fields holding a customer's personal data. */
export type PiiRegistry = readonly PiiRegistryEntry[];
