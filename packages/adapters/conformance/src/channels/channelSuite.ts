import type { ChannelSender, DeliveryState, InboundStatus, SendGuard, SendRequest } from '@threadline/core';
import { expectCode, type MaybePromise, type SuiteRunner, uniqueName } from '../types.js';

/**
 * How the provider mock answers one send request: `accept` (the provider took the message),
 * `throttle` (429, with a short `Retry-After` where the provider sends one), `unavailable` (a
 * 5xx) or `reject` (a permanent refusal such as an invalid recipient).
 */
export type ScriptedReply = 'accept' | 'throttle' | 'unavailable' | 'reject';

/** What a channel adapter hands the suite for one test: its sender wired to a provider mock. */
export interface ChannelHarness {
  sender: ChannelSender;
  /** Queues the mock's answers to the next send requests, in order; with none queued it accepts. */
  script(replies: readonly ScriptedReply[]): void;
  /** How many send requests reached the provider (the independent read path). */
  requests(): number;
  /**
   * The status callback the provider would post for one of its messages, normalised by the
   * adapter's own normaliser from a provider-shaped payload.
   */
  statusCallback(
    providerMessageId: string,
    state: Exclude<DeliveryState, 'queued'>,
    at: number,
  ): MaybePromise<InboundStatus>;
  /** Releases the mock (close its server). */
  close?(): MaybePromise<void>;
}

/** Options for {@link channelSuite}. */
export interface ChannelSuiteOptions extends SuiteRunner {
  name?: string;
  /**
   * Makes a sender over a fresh store and provider mock for each test, with `guard` as its send
   * guard when given. Its retry policy should allow at least 3 attempts and wait briefly (tests
   * run real requests), and at most 6 attempts.
   */
  createHarness: (options: { guard?: SendGuard }) => MaybePromise<ChannelHarness>;
  /** A valid request for this sender, without `conversationId` and `idempotencyKey`. */
  request: Omit<SendRequest, 'conversationId' | 'idempotencyKey'>;
  /**
   * Whether two concurrent sends with one key must reach the provider once (default `true`).
   * That needs a store with unique indexes under the sender's ledger; set `false` for one without.
   */
  concurrentIdempotency?: boolean;
  timeoutMs?: number;
}

/**
 * The conformance suite every `ChannelSender` runs: one provider call per idempotency key, a
 * guard refusal sends and writes nothing, validation names the field, 429/5xx are retried and
 * then succeed, permanent failures and exhausted retries are recorded as `failed` (with
 * `retryable`), and status callbacks reconcile in any order.
 *
 * @example
 * ```ts
 * channelSuite({
 *   describe, it, expect,
 *   createHarness: ({ guard }) => startTwilioMock({ guard }),
 *   request: { channel: 'sms', to: '+447700900123', content: { text: 'Hello' } },
 * });
 * ```
 */
export function channelSuite(options: ChannelSuiteOptions): void {
  const { describe, it, expect } = options;
  const test = (title: string, fn: (h: ChannelHarness) => Promise<void>, guard?: SendGuard) =>
    it(
      title,
      async () => {
        const harness = await options.createHarness(guard ? { guard } : {});
        try {
          await fn(harness);
        } finally {
          await harness.close?.();
        }
      },
      options.timeoutMs ?? 30_000,
    );
  const request = (key = uniqueName('key', 'channel')): SendRequest => ({
    ...options.request,
    conversationId: uniqueName('conv', 'channel'),
    idempotencyKey: key,
  });
  const accepted = (state: DeliveryState) => expect(['queued', 'sent']).toContain(state);

  describe(options.name ?? 'ChannelSender conformance', () => {
    test('sends once and records the provider id', async (h) => {
      const record = await h.sender.send(request());
      accepted(record.state);
      expect(record.providerMessageId).toBeTruthy();
      expect(record.attempts).toBe(1);
      expect(h.requests()).toBe(1);
      expect(await h.sender.getDelivery({ id: record.id })).toEqual(record);
      expect(await h.sender.getDelivery({ idempotencyKey: record.idempotencyKey })).toEqual(record);
    });

    test('the same idempotency key twice sends once and returns the first record', async (h) => {
      const req = request();
      const first = await h.sender.send(req);
      const second = await h.sender.send(req);
      expect(second.id).toBe(first.id);
      expect(second.providerMessageId).toBe(first.providerMessageId);
      expect(h.requests()).toBe(1);
      const other = await h.sender.send(request());
      expect(other.id).not.toBe(first.id);
      expect(h.requests()).toBe(2);
    });

    if (options.concurrentIdempotency !== false) {
      test('two concurrent sends with one key reach the provider once', async (h) => {
        const req = request();
        const [a, b] = await Promise.all([h.sender.send(req), h.sender.send(req)]);
        expect(b.id).toBe(a.id);
        expect(h.requests()).toBe(1);
      });
    }

    test(
      'a guard refusal throws FORBIDDEN, sends nothing and writes nothing',
      async (h) => {
        const req = request();
        await expectCode(options, () => h.sender.send(req), 'FORBIDDEN');
        expect(h.requests()).toBe(0);
        expect(await h.sender.getDelivery({ idempotencyKey: req.idempotencyKey })).toBeUndefined();
      },
      () => ({ allowed: false, reason: 'quiet_hours' }),
    );

    test('a malformed request is a VALIDATION error naming the field, and sends nothing', async (h) => {
      const bad = { ...request(), to: '' };
      const error = await expectCode(options, () => h.sender.send(bad), 'VALIDATION');
      expect(error.issues.some((i) => i.path[0] === 'to')).toBe(true);
      expect(h.requests()).toBe(0);
    });

    test('429 and 5xx are retried, then the send succeeds', async (h) => {
      h.script(['throttle', 'unavailable', 'accept']);
      const record = await h.sender.send(request());
      accepted(record.state);
      expect(record.attempts).toBe(3);
      expect(h.requests()).toBe(3);
      expect(record.providerMessageId).toBeTruthy();
    });

    test('a permanent refusal is recorded as failed, not retried, and not re-sent', async (h) => {
      h.script(['reject']);
      const req = request();
      const record = await h.sender.send(req);
      expect(record.state).toBe('failed');
      expect(record.error?.retryable).toBe(false);
      expect(record.error?.code).toBeTruthy();
      expect(h.requests()).toBe(1);
      const again = await h.sender.send(req);
      expect(again.id).toBe(record.id);
      expect(h.requests()).toBe(1);
    });

    test('exhausted retries are recorded as failed and retryable', async (h) => {
      h.script(Array.from({ length: 20 }, () => 'unavailable' as const));
      const record = await h.sender.send(request());
      expect(record.state).toBe('failed');
      expect(record.error?.retryable).toBe(true);
      expect(record.attempts).toBe(h.requests());
      expect(record.attempts).toBeGreaterThanOrEqual(2);
    });

    test('status callbacks arriving out of order reconcile to the furthest state', async (h) => {
      const record = await h.sender.send(request());
      const id = record.providerMessageId as string;
      const t = record.createdAt;
      let r = await h.sender.applyStatus(await h.statusCallback(id, 'delivered', t + 2000));
      expect(r?.state).toBe('delivered');
      r = await h.sender.applyStatus(await h.statusCallback(id, 'sent', t + 1000));
      expect(r?.state).toBe('delivered');
      r = await h.sender.applyStatus(await h.statusCallback(id, 'delivered', t + 2000));
      expect(r?.state).toBe('delivered');
      r = await h.sender.applyStatus(await h.statusCallback(id, 'read', t + 3000));
      expect(r?.state).toBe('read');
      r = await h.sender.applyStatus(await h.statusCallback(id, 'failed', t + 4000));
      expect(r?.state).toBe('read');
      const stored = await h.sender.getDelivery({ id: record.id });
      expect(stored?.state).toBe('read');
      expect(stored?.history.filter((x) => !x.applied).length).toBeGreaterThanOrEqual(3);
    });

    test('a failure callback after acceptance records failed with the provider error', async (h) => {
      const record = await h.sender.send(request());
      const r = await h.sender.applyStatus(
        await h.statusCallback(record.providerMessageId as string, 'failed', record.createdAt + 1000),
      );
      expect(r?.state).toBe('failed');
      expect(r?.error?.code).toBeTruthy();
    });

    test('a callback for an unknown message changes nothing', async (h) => {
      const status = await h.statusCallback(uniqueName('unknown', 'channel'), 'delivered', 1);
      expect(await h.sender.applyStatus(status)).toBeUndefined();
      expect(h.requests()).toBe(0);
    });
  });
}
