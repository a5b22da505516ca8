import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { AttributesSchema, entityBaseShape, IdSchema } from './common.js';

/** Presence states of an agent or bot. */
export const PRESENCES = ['available', 'busy', 'away', 'offline'] as const;

/** Zod schema for a presence state. */
export const PresenceSchema = z.enum(PRESENCES);

/** A presence state. */
export type Presence = z.infer<typeof PresenceSchema>;

/** Zod schema for a skill level (0–10). */
export const SkillLevelSchema = z.number().int().min(0).max(10);

/** Zod schema for a channel's capacity: units the agent can hold, and what one task weighs. */
export const ChannelCapacitySchema = z
  .object({
    /** Capacity units on this channel (e.g. chat: 3). */
    units: z.number().int().nonnegative(),
    /** Units one task on this channel uses (default 1). */
    weight: z.number().int().positive().default(1),
  })
  .strict();

/** Zod schema for an agent (a human or a bot worker). */
export const AgentSchema = z
  .object({
    ...entityBaseShape,
    kind: z.enum(['human', 'bot']).default('human'),
    name: z.string().min(1).max(500),
    /** Skill name → level 0–10. */
    skills: z.record(z.string(), SkillLevelSchema).default({}),
    languages: z.array(z.string().min(1)).default([]),
    teams: z.array(IdSchema).default([]),
    /** Channel → capacity. A channel missing here cannot be offered to this agent. */
    capacity: z.partialRecord(ChannelSchema, ChannelCapacitySchema).default({}),
    presence: z
      .object({ status: PresenceSchema, reason: z.string().max(500).optional(), since: z.number().int() })
      .strict(),
    /** Name of a business calendar (shift) the agent works on. */
    calendar: z.string().min(1).optional(),
    attributes: AttributesSchema.default({}),
  })
  .strict();

/** An agent: a human or bot with skills, capacity per channel and presence. */
export type Agent = z.infer<typeof AgentSchema>;
