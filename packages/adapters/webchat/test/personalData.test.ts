import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  createErasureService,
  createIdGenerator,
  createManualClock,
  declaredCollections,
  isThreadlineError,
  listPersonalDataDeclarations,
} from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBCHAT_PERSONAL_DATA_OWNER, webchatPersonalData } from '../src/index.js';
import { rawClient, START, startChat } from './harness.js';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const PII = 'Ada Lovelace, card ending 4242';

async function connect(url: string, token: string) {
  const client = rawClient(url);
  await client.opened;
  client.send({ type: 'hello', token, ack: 0 });
  await client.next((f) => f.type === 'welcome');
  return client;
}

describe('web chat personal data', () => {
  it('declares its session documents; erasure of a linked customer empties their sessions only', async () => {
    const store = createMemoryDocumentStore();
    const c = await startChat({}, store);
    running.push(c);
    const one = await connect(c.url, c.token('v1'));
    await connect(c.url, c.token('v2'));
    // Agent messages the visitors have not acknowledged yet stay in the replay buffers.
    await c.chat.deliver('v1', { id: 'a-1', text: `Thanks ${PII}, refund on its way` });
    await c.chat.deliver('v2', { id: 'a-2', text: 'Hello Grace' });
    await one.next((f) => f.type === 'message');
    await c.chat.linkCustomer('v1', 'cust-1');
    await c.chat.linkCustomer('v1', 'cust-1'); // idempotent
    await c.chat.linkCustomer('v2', 'cust-2');
    expect(await store.get('webchat_sessions', 'v1')).toMatchObject({
      customerId: 'cust-1',
      visitorId: 'v1',
    });

    const declarations = await listPersonalDataDeclarations(store);
    expect(declarations.map((d) => d.owner)).toContain(WEBCHAT_PERSONAL_DATA_OWNER);
    const clock = createManualClock(START + 60_000);
    const erasure = createErasureService({
      store,
      clock,
      ids: createIdGenerator({ clock, seed: 7 }),
      registry: declaredCollections(declarations),
    });
    await erasure.eraseCustomer('cust-1', { actor: { id: 'dpo', roles: ['admin'] } });

    const v1 = await store.get('webchat_sessions', 'v1');
    expect(JSON.stringify(v1)).not.toContain('Ada');
    expect(v1).toMatchObject({ customerId: 'cust-1', buffer: [] });
    expect((v1 as { visitorId?: unknown }).visitorId).not.toBe('v1');
    expect(await store.get('webchat_sessions', 'v2')).toMatchObject({
      visitorId: 'v2',
      buffer: [expect.objectContaining({ text: 'Hello Grace' })],
    });

    // The live server never writes the erased buffer back from its in-process copy.
    await c.chat.deliver('v1', { id: 'a-3', text: 'Closing this chat' }).catch((e: unknown) => {
      expect(isThreadlineError(e, 'CONFLICT')).toBe(true);
    });
    await c.chat.deliver('v1', { id: 'a-4', text: 'Closing this chat' });
    expect(JSON.stringify(await store.get('webchat_sessions', 'v1'))).not.toContain('Ada');
  });

  it('refuses to link an unknown session (NOT_FOUND) or an empty id (VALIDATION)', async () => {
    const c = await startChat();
    running.push(c);
    await expect(c.chat.linkCustomer('nobody', 'cust-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(c.chat.linkCustomer('v1', '')).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['customerId'],
    });
  });

  it('names the collection it is given', () => {
    expect(webchatPersonalData('chat_sessions').collections?.[0]).toMatchObject({
      collection: 'chat_sessions',
      match: { field: 'customerId' },
      mode: 'anonymize',
    });
  });
});
