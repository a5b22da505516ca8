import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fromFetchRequest,
  fromNodeRequest,
  type NodeRequestOptions,
  signWebhook,
  verifyWebhook,
} from '../src/index.js';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Starts a loopback server that answers with what `handle` returns, and sends one request to it. */
async function roundTrip(
  handle: (req: IncomingMessage) => Promise<unknown>,
  send: { path: string; headers: Record<string, string>; body: string | Buffer },
): Promise<{ status: number; json: unknown }> {
  const server = createServer((req, res) => {
    handle(req).then(
      (value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
      (error: { code?: string }) =>
        res.writeHead(500).end(JSON.stringify({ error: error.code ?? String(error) })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: send.path, headers: send.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(send.body);
  });
}

describe('fromNodeRequest', () => {
  it('reads the raw body over a real socket and verifies a signed request', async () => {
    const body = JSON.stringify({ type: 'case.opened', note: 'café ☕' });
    const headers = signWebhook({ secret: SECRET, id: 'evt_1', timestamp: 1_700_000_000_000, body });
    const { json } = await roundTrip(
      async (req) => {
        const request = await fromNodeRequest(req);
        const result = await verifyWebhook({
          provider: 'standard',
          secret: SECRET,
          now: 1_700_000_000_000,
          ...request,
        });
        return { result, method: request.method, url: request.url };
      },
      { path: '/hooks/threadline?x=1', headers: { ...headers, 'content-type': 'application/json' }, body },
    );
    expect(json).toMatchObject({
      result: { valid: true, deliveryId: 'evt_1' },
      method: 'POST',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/threadline\?x=1$/),
    });
  });

  it('builds the public URL from publicUrl, or from X-Forwarded-* only when trusted; Twilio verifies against it', async () => {
    const publicBase = 'https://hooks.example.com';
    const signature = createHmac('sha1', 'tok').update(`${publicBase}/sms?a=1BodyHi`).digest('base64');
    const send = {
      path: '/sms?a=1',
      headers: {
        'x-twilio-signature': signature,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'hooks.example.com',
      },
      body: 'Body=Hi',
    };
    const run = (options: NodeRequestOptions) =>
      roundTrip(async (req) => {
        const request = await fromNodeRequest(req, options);
        return {
          url: request.url,
          result: await verifyWebhook({ provider: 'twilio', secret: 'tok', ...request }),
        };
      }, send);
    expect((await run({ publicUrl: `${publicBase}/` })).json).toEqual({
      url: `${publicBase}/sms?a=1`,
      result: { valid: true },
    });
    expect((await run({ trustProxy: true })).json).toEqual({
      url: `${publicBase}/sms?a=1`,
      result: { valid: true },
    });
    expect((await run({})).json).toMatchObject({ result: { valid: false, reason: 'signature_mismatch' } });
  });

  it('refuses a body over maxBytes with CAPACITY, and a consumed stream with VALIDATION instead of hanging', async () => {
    // Large enough to arrive in many chunks: the server must still be able to answer.
    const big = await roundTrip((req) => fromNodeRequest(req, { maxBytes: 10 }), {
      path: '/',
      headers: {},
      body: 'x'.repeat(1024 * 1024),
    });
    expect(big).toEqual({ status: 500, json: { error: 'CAPACITY' } });
    const consumed = await roundTrip(
      async (req) => {
        for await (const _ of req) {
          // a body parser ran first
        }
        return fromNodeRequest(req);
      },
      { path: '/', headers: {}, body: 'abc' },
    );
    expect(consumed.json).toEqual({ error: 'VALIDATION' });
    const given = await roundTrip(
      async (req) => {
        for await (const _ of req) {
          // express.raw() read it and kept the bytes
        }
        const request = await fromNodeRequest(req, { rawBody: Buffer.from('kept') });
        return Buffer.from(request.rawBody).toString();
      },
      { path: '/', headers: {}, body: 'kept' },
    );
    expect(given.json).toBe('kept');
  });
});

describe('fromFetchRequest', () => {
  it('reads a Fetch Request and verifies it, with an optional public URL', async () => {
    const body = '{"ok":true}';
    const headers = signWebhook({ secret: SECRET, id: 'evt_2', timestamp: 1_700_000_000_000, body });
    const request = new Request('http://internal:8080/hooks?q=1', { method: 'POST', headers, body });
    const parts = await fromFetchRequest(request, { publicUrl: 'https://hooks.example.com' });
    expect(parts.url).toBe('https://hooks.example.com/hooks?q=1');
    expect(parts.method).toBe('POST');
    expect(
      await verifyWebhook({ provider: 'standard', secret: SECRET, now: 1_700_000_000_000, ...parts }),
    ).toEqual({
      valid: true,
      deliveryId: 'evt_2',
      timestamp: 1_700_000_000_000,
    });
  });

  it('reads an empty GET and refuses a body over maxBytes', async () => {
    const get = await fromFetchRequest(new Request('https://example.com/meta?hub.mode=subscribe'));
    expect(get.rawBody.byteLength).toBe(0);
    await expect(
      fromFetchRequest(new Request('https://example.com/', { method: 'POST', body: 'x'.repeat(100) }), {
        maxBytes: 10,
      }),
    ).rejects.toMatchObject({ code: 'CAPACITY' });
  });
});
