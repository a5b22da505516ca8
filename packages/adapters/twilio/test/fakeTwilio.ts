// A loopback HTTP server that answers like Twilio's Messages API
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource) and its
// error responses (https://www.twilio.com/docs/api/errors: 20003 auth, 20429 throttled, 21211
// invalid 'To', 21604 'To' required), with scripted answers per request.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = 'accept' | 'throttle' | 'unavailable' | 'reject';

export interface SentRequest {
  form: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
}

export interface FakeTwilio {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  requests: SentRequest[];
  script(replies: readonly Reply[]): void;
  close(): Promise<void>;
}

/** Twilio's request signature: base64 HMAC-SHA1 of the URL and the sorted form parameters. */
export function signTwilio(url: string, params: URLSearchParams, authToken: string): string {
  const names = [...new Set(params.keys())].sort();
  let data = url;
  for (const name of names) for (const value of params.getAll(name).sort()) data += name + value;
  return createHmac('sha1', authToken).update(data).digest('base64');
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeTwilio(
  options: {
    accountSid?: string;
    authToken?: string;
    onAccepted?: (sid: string, form: URLSearchParams) => void;
  } = {},
): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? 'AC00000000000000000000000000000001';
  const authToken = options.authToken ?? 'api-secret';
  const requests: SentRequest[] = [];
  const queue: Reply[] = [];
  let counter = 0;
  const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    const form = new URLSearchParams(body);
    requests.push({
      form,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    });
    if (req.headers.authorization !== expected) {
      json(401, { code: 20003, message: 'Authenticate', status: 401 });
      return;
    }
    if (!form.get('To')) {
      json(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
      return;
    }
    const reply = queue.shift() ?? 'accept';
    if (reply === 'throttle') {
      json(429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '1' });
      return;
    }
    if (reply === 'unavailable') {
      json(503, { code: 20500, message: 'Service Unavailable', status: 503 });
      return;
    }
    if (reply === 'reject') {
      json(400, {
        code: 21211,
        message: `The 'To' number ${form.get('To')} is not a valid phone number.`,
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      });
      return;
    }
    counter++;
    const sid = `SM${counter.toString(16).padStart(32, '0')}`;
    json(201, {
      sid,
      account_sid: accountSid,
      status: 'queued',
      to: form.get('To'),
      from: form.get('From'),
      body: form.get('Body'),
      num_media: String(form.getAll('MediaUrl').length),
      error_code: null,
      error_message: null,
    });
    options.onAccepted?.(sid, form);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    script: (replies) => queue.push(...replies),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
