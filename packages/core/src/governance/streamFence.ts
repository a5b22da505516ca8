import { isThreadlineError, ThreadlineError } from '../errors.js';
import type { EventLog, StoredEvent } from '../ports/eventLog.js';
import type { EventEraser } from './erasureEvents.js';

/**
 * Type of the event an erasure appends to every fenced stream (a stream prefix declared with
 * `fence: true`) of the erased tenant. It holds ids only. Its purpose is its version: it moves
 * the stream on, so a writer that read the stream before the erasure (an engine in another
 * process) and appends with `expectedVersion` is refused with `CONFLICT` instead of writing back
 * what it holds in memory; it recovers from the erased stream. Readers of such streams skip it.
 */
export const STREAM_FENCED_EVENT_TYPE = 'erasure.stream_fenced';

/** Payload of {@link STREAM_FENCED_EVENT_TYPE}. */
export interface StreamFencedPayload {
  customerId: string;
  customerIds: string[];
  erasedAt: number;
}

/** Tries per stream when its writer keeps committing between the rewrite and the fence. */
const MAX_FENCE_ATTEMPTS = 5;

/**
 * Appends the fence event to each stream, expecting the version the stream had after its
 * events were rewritten. A writer that committed in between wins the race: its events are
 * rewritten too (the stream alone), and the fence is tried again at the new version. Returns how
 * many streams were fenced.
 */
export async function fenceStreams(args: {
  events: EventLog;
  tenantId: string;
  streams: Iterable<string>;
  eraser: EventEraser;
  payload: StreamFencedPayload;
  eventId: (streamId: string) => string;
}): Promise<number> {
  const { events, tenantId, eraser, payload } = args;
  let fenced = 0;
  for (const streamId of args.streams) {
    for (let attempt = 1; ; attempt++) {
      const version = await events.streamVersion(streamId, { tenantId });
      try {
        await events.append(
          streamId,
          [
            {
              id: args.eventId(streamId),
              type: STREAM_FENCED_EVENT_TYPE,
              tenantId,
              aggregateId: streamId,
              aggregateType: 'stream',
              version: version + 1,
              occurredAt: payload.erasedAt,
              payload,
            },
          ],
          { tenantId, expectedVersion: version },
        );
        fenced++;
        break;
      } catch (error) {
        if (!isThreadlineError(error, 'CONFLICT') || attempt >= MAX_FENCE_ATTEMPTS) {
          throw new ThreadlineError('CONFLICT', `Erasure could not fence stream ${streamId}; erase again`, {
            cause: error,
            details: { streamId, tenantId },
          });
        }
        // The writer's commit landed after the rewrite: rewrite the stream again, then retry.
        await events.redactEvents?.(
          { tenantId, streamIds: [streamId], match: (e: StoredEvent) => eraser.matches(e) },
          (e) => eraser.rewrite(e),
        );
      }
    }
  }
  return fenced;
}
