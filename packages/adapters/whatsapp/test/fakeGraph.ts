// A loopback HTTP server that answers like the WhatsApp Cloud API's /messages and /media
// endpoints (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media) and its error bodies
// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): 190 bad token,
// 130429 throughput (a 400 the sender must retry), 131000 on a 500, 131047 outside the 24-hour window.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = 'accept' | 'throttle' | 'unavailable' | 'reject';

export interface GraphRequest {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  json?: Record<string, unknown>;
}

export interface FakeGraph {
  baseUrl: string;
  phoneNumberId: string;
  accessToken: string;
  requests: GraphRequest[];
  /** Message sends only (not uploads). */
  sends(): GraphRequest[];
  script(replies: readonly Reply[]): void;
  close(): Promise<void>;
}

/** Meta's `X-Hub-Signature-256` for a body. */
export function signMeta(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    req.on('error', reject);
  });
}

const graphError = (code: number, message: string, details?: string) => ({
  error: {
    message,
    type: 'OAuthException',
    code,
    ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
    fbtrace_id: 'AbCdEfGhIjKlMnOp',
  },
});

export async function startFakeGraph(
  options: { onAccepted?: (id: string, message: Record<string, unknown>) => void } = {},
): Promise<FakeGraph> {
  const phoneNumberId = '106540352242922';
  const accessToken = 'EAAG-test-token';
  const requests: GraphRequest[] = [];
  const queue: Reply[] = [];
  let counter = 0;
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    const path = req.url ?? '';
    const request: GraphRequest = {
      path,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    };
    requests.push(request);
    if (req.headers.authorization !== `Bearer ${accessToken}`) {
      json(401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
      return;
    }
    if (req.method === 'POST' && path === `/v21.0/${phoneNumberId}/media`) {
      if (!body.includes('name="messaging_product"') || !body.includes('name="file"')) {
        json(400, graphError(100, '(#100) The parameter file is required.'));
        return;
      }
      counter++;
      json(200, { id: `${9000000000000000 + counter}` });
      return;
    }
    if (req.method !== 'POST' || path !== `/v21.0/${phoneNumberId}/messages`) {
      json(404, graphError(803, 'Unknown path components'));
      return;
    }
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(body) as Record<string, unknown>;
    } catch {
      json(400, graphError(100, '(#100) Invalid parameter'));
      return;
    }
    request.json = message;
    if (message.messaging_product !== 'whatsapp' || typeof message.to !== 'string') {
      json(400, graphError(100, '(#100) Invalid parameter'));
      return;
    }
    const reply = queue.shift() ?? 'accept';
    if (reply === 'throttle') {
      json(
        400,
        graphError(130429, '(#130429) Rate limit hit', 'Cloud API message throughput has been reached.'),
      );
      return;
    }
    if (reply === 'unavailable') {
      json(
        500,
        graphError(
          131000,
          '(#131000) Something went wrong',
          'Message failed to send due to an unknown error.',
        ),
      );
      return;
    }
    if (reply === 'reject') {
      json(
        400,
        graphError(
          131047,
          '(#131047) Re-engagement message',
          'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        ),
      );
      return;
    }
    counter++;
    const id = `wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI${counter.toString(16).padStart(12, '0')}`;
    json(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: message.to, wa_id: message.to }],
      messages: [{ id, message_status: 'accepted' }],
    });
    options.onAccepted?.(id, message);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    phoneNumberId,
    accessToken,
    requests,
    sends: () => requests.filter((r) => r.path.endsWith('/messages')),
    script: (replies) => queue.push(...replies),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** A `statuses` webhook for one message, as Meta posts it. */
export function statusWebhook(
  id: string,
  status: 'sent' | 'delivered' | 'read' | 'failed',
  atMs: number,
  phoneNumberId = '106540352242922',
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              statuses: [
                {
                  id,
                  status,
                  timestamp: String(Math.floor(atMs / 1000)),
                  recipient_id: '447700900123',
                  ...(status === 'failed'
                    ? {
                        errors: [
                          {
                            code: 131026,
                            title: 'Message undeliverable',
                            message: 'Message undeliverable',
                            error_data: { details: 'Message Undeliverable.' },
                          },
                        ],
                      }
                    : {
                        conversation: {
                          id: 'CONVERSATION_ID',
                          origin: { type: 'service' },
                        },
                        pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
                      }),
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
