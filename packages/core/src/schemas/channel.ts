import { z } from 'zod';

/** The channels Threadline models. */
export const CHANNELS = ['email', 'sms', 'whatsapp', 'chat', 'voice', 'social', 'api'] as const;

/** Zod schema for a channel name. */
export const ChannelSchema = z.enum(CHANNELS);

/** A channel name. */
export type Channel = z.infer<typeof ChannelSchema>;
