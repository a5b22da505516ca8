import {
  type DocumentStore,
  declarePersonalData,
  isThreadlineError,
  type StoredDocument,
  ThreadlineError,
} from '@threadline/core';
import { webchatPersonalData } from './personalData.js';
import type { WireMessage } from './protocol.js';

/** One session's persisted state: the replay buffer of unacknowledged server messages and recent inbound ids. */
interface SessionDoc extends StoredDocument {
  visitorId: string;
  /** The customer the host linked the session to after identity resolution (erasure finds it by this). */
  customerId?: string;
  /** The last sequence number handed out. */
  seq: number;
  /** The highest sequence number the client acknowledged. */
  acked: number;
  /** Server messages not yet acknowledged, oldest first. */
  buffer: WireMessage[];
  /** Client message ids already accepted (most recent last, bounded): redeliveries are acked, not re-processed. */
  inbound: string[];
}

/** Options of the session log (internal). */
export interface SessionLogOptions {
  store: DocumentStore;
  collection: string;
  tenantId: string;
  maxReplay: number;
  maxInboundIds: number;
}

/**
 * The persisted side of sessions (internal): sequence numbers, the bounded replay buffer and the
 * inbound dedupe window, one document per session on any `DocumentStore`. Every change for a
 * session runs after the previous one (a per-session queue), and each write is version-checked,
 * so a second process writing the same session is a `CONFLICT`, never a lost message.
 */
export function createSessionLog(options: SessionLogOptions) {
  const { store, collection, tenantId } = options;
  const cache = new Map<string, SessionDoc>();
  const queues = new Map<string, Promise<unknown>>();
  let defined: Promise<void> | undefined;
  // The collection (customerId indexed for erasure) and the personal-data declaration, once.
  const ready = () => {
    defined ??= (async () => {
      await store.defineCollection(collection, { indexes: ['visitorId', 'customerId'] });
      await declarePersonalData(store, webchatPersonalData(collection), { tenantId });
    })().catch((error: unknown) => {
      defined = undefined; // let the next call try again
      throw error;
    });
    return defined;
  };

  function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(sessionId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    queues.set(sessionId, settled);
    void settled.then(() => {
      if (queues.get(sessionId) === settled) queues.delete(sessionId);
    });
    return run;
  }

  /** Loads a session; without `visitorId` it must exist (`NOT_FOUND`), with it it is created on first sight. */
  async function load(sessionId: string, visitorId?: string): Promise<SessionDoc> {
    const cached = cache.get(sessionId);
    if (cached && (visitorId === undefined || cached.visitorId === visitorId)) return cached;
    await ready();
    const found = cached ?? (await store.get<SessionDoc>(collection, sessionId, { tenantId }));
    if (found) {
      if (visitorId !== undefined && found.visitorId !== visitorId) {
        throw new ThreadlineError('FORBIDDEN', 'this session belongs to another visitor', {
          details: { sessionId },
        });
      }
      cache.set(sessionId, found);
      return found;
    }
    if (visitorId === undefined) {
      throw new ThreadlineError('NOT_FOUND', `webchat: no session ${sessionId}`, { details: { sessionId } });
    }
    return {
      id: sessionId,
      tenantId,
      version: 0,
      visitorId,
      seq: 0,
      acked: 0,
      buffer: [],
      inbound: [],
    } as unknown as SessionDoc;
  }

  async function save(doc: SessionDoc): Promise<SessionDoc> {
    const { version, ...fields } = doc;
    try {
      const saved = await store.put<SessionDoc>(collection, fields as never, { expectedVersion: version });
      cache.set(doc.id, saved);
      return saved;
    } catch (error) {
      // Someone else wrote it: forget the copy so the next call reads the fresh one.
      if (isThreadlineError(error, 'CONFLICT')) cache.delete(doc.id);
      throw error;
    }
  }

  return {
    /** The session's state, stored empty on first sight (`created`). */
    open(sessionId: string, visitorId?: string): Promise<{ doc: SessionDoc; created: boolean }> {
      return serial(sessionId, async () => {
        const doc = await load(sessionId, visitorId);
        if (doc.version !== 0) return { doc, created: false };
        return { doc: await save(doc), created: true };
      });
    },

    /** The buffered messages after `seq`, from the in-process copy (synchronous; empty when not loaded). */
    bufferedAfter(sessionId: string, seq: number): WireMessage[] {
      return cache.get(sessionId)?.buffer.filter((m) => m.seq > seq) ?? [];
    },

    /** Drops the in-process copy of an idle session (its socket closed); the store keeps it. */
    forget(sessionId: string): void {
      if (!queues.has(sessionId)) cache.delete(sessionId);
    },

    /** Appends a server message; `CAPACITY` when the replay buffer is full. */
    append(
      sessionId: string,
      visitorId: string | undefined,
      message: Omit<WireMessage, 'seq' | 'type'>,
    ): Promise<WireMessage> {
      return serial(sessionId, async () => {
        const doc = await load(sessionId, visitorId);
        if (doc.buffer.length >= options.maxReplay) {
          throw new ThreadlineError(
            'CAPACITY',
            `webchat: session ${sessionId} has ${doc.buffer.length} unacknowledged messages`,
            {
              details: { sessionId, maxReplay: options.maxReplay },
            },
          );
        }
        const wire: WireMessage = { type: 'message', seq: doc.seq + 1, ...message };
        await save({ ...doc, seq: wire.seq, buffer: [...doc.buffer, wire] });
        return wire;
      });
    },

    /** Drops acknowledged messages; returns them (they are now delivered). */
    acknowledge(sessionId: string, visitorId: string, upTo: number): Promise<WireMessage[]> {
      return serial(sessionId, async () => {
        const doc = await load(sessionId, visitorId);
        const seq = Math.min(upTo, doc.seq);
        if (seq <= doc.acked) return [];
        const done = doc.buffer.filter((m) => m.seq <= seq);
        await save({ ...doc, acked: seq, buffer: doc.buffer.filter((m) => m.seq > seq) });
        return done;
      });
    },

    /** Links the session to a customer (`NOT_FOUND` for a session that never connected). */
    linkCustomer(sessionId: string, customerId: string): Promise<void> {
      return serial(sessionId, async () => {
        const doc = await load(sessionId);
        if (doc.customerId === customerId) return;
        await save({ ...doc, customerId });
      });
    },

    /** Records a client message id; `false` when it was seen before (a redelivery). */
    accept(sessionId: string, visitorId: string, id: string, process: () => Promise<void>): Promise<boolean> {
      return serial(sessionId, async () => {
        const doc = await load(sessionId, visitorId);
        if (doc.inbound.includes(id)) return false;
        await process();
        const inbound = [...doc.inbound, id];
        if (inbound.length > options.maxInboundIds) inbound.splice(0, inbound.length - options.maxInboundIds);
        await save({ ...doc, inbound });
        return true;
      });
    },
  };
}

/** The session log's type (internal). */
export type SessionLog = ReturnType<typeof createSessionLog>;
