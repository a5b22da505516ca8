import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { normaliseWhatsAppWebhook } from '../src/index.js';

// Payloads follow https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const CONTACTS = [{ profile: { name: 'Ana Lima' }, wa_id: '447700900123' }];

function webhook(value: Record<string, unknown>, field = 'messages') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [{ field, value: { messaging_product: 'whatsapp', metadata: METADATA, ...value } }],
      },
    ],
  };
}
const msg = (extra: Record<string, unknown>) => ({
  from: '447700900123',
  id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
  timestamp: '1765099800',
  ...extra,
});

function pathOf(fn: () => unknown): (string | number)[] {
  try {
    fn();
  } catch (error) {
    if (isThreadlineError(error, 'VALIDATION')) return [...(error.path ?? [])];
    throw error;
  }
  throw new Error('expected VALIDATION');
}

describe('normaliseWhatsAppWebhook: messages', () => {
  it('normalises a text message with the contact name and reply context', () => {
    const body = webhook({
      contacts: CONTACTS,
      messages: [
        msg({
          type: 'text',
          text: { body: 'Where is my order?' },
          context: { from: '15550783881', id: 'wamid.earlier' },
        }),
      ],
    });
    const { items, errors, ignored } = normaliseWhatsAppWebhook(JSON.stringify(body));
    expect(errors).toEqual([]);
    expect(ignored).toEqual([]);
    expect(items).toEqual([
      {
        kind: 'message',
        channel: 'whatsapp',
        provider: 'whatsapp',
        occurredAt: 1765099800000,
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        threadKey: 'whatsapp:106540352242922:447700900123',
        from: {
          displayName: 'Ana Lima',
          identities: [{ kind: 'phone', value: '+447700900123', verified: true, channel: 'whatsapp' }],
        },
        to: '106540352242922',
        text: 'Where is my order?',
        attachments: [],
        references: [],
        inReplyTo: 'wamid.earlier',
        metadata: { type: 'text', displayPhoneNumber: '15550783881' },
      },
    ]);
  });

  it('reads every media type by id, with captions and file names', () => {
    const media = (type: string, extra: Record<string, unknown> = {}) =>
      msg({
        id: `wamid.${type}`,
        type,
        [type]: {
          id: `${type}-id`,
          mime_type: `${type === 'document' ? 'application/pdf' : `${type}/x`}`,
          sha256: 'abc',
          ...extra,
        },
      });
    const { items } = normaliseWhatsAppWebhook(
      webhook({
        contacts: CONTACTS,
        messages: [
          media('image', { caption: 'the dent' }),
          media('audio', { voice: true }),
          media('video'),
          media('document', { filename: 'invoice.pdf', caption: 'invoice' }),
          media('sticker', { animated: false }),
        ],
      }),
    );
    expect(items.map((i) => (i.kind === 'message' ? [i.text, i.attachments] : undefined))).toEqual([
      ['the dent', [{ id: 'image-id', contentType: 'image/x' }]],
      ['', [{ id: 'audio-id', contentType: 'audio/x' }]],
      ['', [{ id: 'video-id', contentType: 'video/x' }]],
      ['invoice', [{ id: 'document-id', contentType: 'application/pdf', filename: 'invoice.pdf' }]],
      ['', [{ id: 'sticker-id', contentType: 'sticker/x' }]],
    ]);
  });

  it('reads locations, interactive button and list replies, template buttons and reactions', () => {
    const { items } = normaliseWhatsAppWebhook(
      webhook({
        contacts: CONTACTS,
        messages: [
          msg({
            id: 'm1',
            type: 'location',
            location: { latitude: 51.5074, longitude: -0.1278, name: 'Home', address: '10 Downing St' },
          }),
          msg({
            id: 'm2',
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'handoff', title: 'Talk to a person' } },
          }),
          msg({
            id: 'm3',
            type: 'interactive',
            interactive: {
              type: 'list_reply',
              list_reply: { id: 'refund', title: 'Refund', description: 'Get your money back' },
            },
          }),
          msg({
            id: 'm4',
            type: 'button',
            button: { payload: 'STOP_PROMOS', text: 'Stop promotions' },
            context: { from: '15550783881', id: 'wamid.template' },
          }),
          msg({ id: 'm5', type: 'reaction', reaction: { message_id: 'wamid.ours', emoji: '👍' } }),
          msg({ id: 'm6', type: 'reaction', reaction: { message_id: 'wamid.ours' } }),
        ],
      }),
    );
    const [location, button, list, template, reaction, unreaction] = items;
    expect(location).toMatchObject({
      location: { latitude: 51.5074, longitude: -0.1278, name: 'Home', address: '10 Downing St' },
    });
    expect(button).toMatchObject({
      interactive: { id: 'handoff', title: 'Talk to a person' },
      text: 'Talk to a person',
    });
    expect(list).toMatchObject({ interactive: { id: 'refund', title: 'Refund' } });
    expect(template).toMatchObject({
      interactive: { id: 'STOP_PROMOS', title: 'Stop promotions' },
      inReplyTo: 'wamid.template',
    });
    expect(reaction).toMatchObject({ reaction: { emoji: '👍', toProviderMessageId: 'wamid.ours' } });
    expect(unreaction).toMatchObject({ reaction: { emoji: '', toProviderMessageId: 'wamid.ours' } });
  });

  it('keeps an unsupported message with its errors instead of dropping it', () => {
    const { items } = normaliseWhatsAppWebhook(
      webhook({
        contacts: CONTACTS,
        messages: [
          msg({
            type: 'unsupported',
            errors: [
              {
                code: 131051,
                title: 'Message type unknown',
                message: 'Message type unknown',
                error_data: { details: 'Message type is currently not supported.' },
              },
            ],
          }),
        ],
      }),
    );
    expect(items[0]).toMatchObject({
      kind: 'message',
      text: '',
      metadata: {
        type: 'unsupported',
        errors: [{ code: 131051, details: 'Message type is currently not supported.' }],
      },
    });
  });
});

describe('normaliseWhatsAppWebhook: statuses, errors and batches', () => {
  it('maps statuses with pricing and failures with the Graph error', () => {
    const { items } = normaliseWhatsAppWebhook(
      webhook({
        statuses: [
          {
            id: 'wamid.out1',
            status: 'delivered',
            timestamp: '1765099900',
            recipient_id: '447700900123',
            conversation: { id: 'c1', origin: { type: 'service' } },
            pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
          },
          {
            id: 'wamid.out2',
            status: 'failed',
            timestamp: '1765099901',
            recipient_id: '447700900123',
            errors: [
              {
                code: 131047,
                title: 'Re-engagement message',
                message: 'Re-engagement message',
                error_data: {
                  details:
                    'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
                },
              },
            ],
          },
        ],
      }),
    );
    expect(items).toMatchObject([
      {
        kind: 'status',
        state: 'delivered',
        providerMessageId: 'wamid.out1',
        occurredAt: 1765099900000,
        to: '447700900123',
        metadata: { conversationOrigin: 'service', pricingCategory: 'service' },
      },
      {
        kind: 'status',
        state: 'failed',
        error: { code: 'whatsapp:131047', message: expect.stringContaining('24 hours') },
      },
    ]);
  });

  it('handles batched entries and changes, reports errors and ignores other fields', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba-1',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: METADATA,
                contacts: CONTACTS,
                messages: [
                  msg({ id: 'a', type: 'text', text: { body: 'one' } }),
                  msg({ id: 'b', type: 'text', text: { body: 'two' } }),
                ],
              },
            },
            {
              field: 'message_template_status_update',
              value: { event: 'APPROVED', message_template_name: 'order_update' },
            },
          ],
        },
        {
          id: 'waba-2',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: METADATA,
                statuses: [
                  { id: 'wamid.x', status: 'deleted', timestamp: '1765099900' },
                  { id: 'wamid.y', status: 'read', timestamp: '1765099900' },
                ],
                errors: [
                  {
                    code: 131052,
                    title: 'Media download error',
                    error_data: { details: 'Unable to download the media sent by the user.' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    const batch = normaliseWhatsAppWebhook(body);
    expect(
      batch.items.map((i) => (i.kind === 'message' ? i.text : i.kind === 'status' ? i.state : '')),
    ).toEqual(['one', 'two', 'read']);
    expect(batch.errors).toEqual([
      {
        code: 131052,
        title: 'Media download error',
        details: 'Unable to download the media sent by the user.',
        path: ['entry', 1, 'changes', 0, 'value', 'errors', 0],
      },
    ]);
    expect(batch.ignored.map((i) => i.path)).toEqual([
      ['entry', 0, 'changes', 1, 'field'],
      ['entry', 1, 'changes', 0, 'value', 'statuses', 0, 'status'],
    ]);
  });

  it('names the bad field with its full path', () => {
    expect(pathOf(() => normaliseWhatsAppWebhook('{'))).toEqual([]);
    expect(pathOf(() => normaliseWhatsAppWebhook({ object: 'page', entry: [] }))).toEqual(['object']);
    expect(pathOf(() => normaliseWhatsAppWebhook(webhook({ messages: [msg({ type: 'text' })] })))).toEqual([
      'entry',
      0,
      'changes',
      0,
      'value',
      'messages',
      0,
      'text',
    ]);
    expect(
      pathOf(() =>
        normaliseWhatsAppWebhook(
          webhook({ messages: [msg({ type: 'location', location: { latitude: 95, longitude: 0 } })] }),
        ),
      ),
    ).toEqual(['entry', 0, 'changes', 0, 'value', 'messages', 0, 'location', 'latitude']);
    expect(
      pathOf(() =>
        normaliseWhatsAppWebhook(webhook({ statuses: [{ id: 'x', status: 'read', timestamp: 'soon' }] })),
      ),
    ).toEqual(['entry', 0, 'changes', 0, 'value', 'statuses', 0, 'timestamp']);
  });
});
