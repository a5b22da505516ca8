// The day's memory store honours `conversationRetentionMs`: a conversation the simulation closes
// leaves the store (with its messages) once the window has passed on the day's clock, and stays
// all day without the option.
import { describe, expect, it } from 'vitest';
import { wireEngines } from '../src/day/wiring.js';

const OPEN_AT = Date.UTC(2026, 5, 16, 12);

async function closeOne(conversationRetentionMs?: number) {
  const engines = wireEngines({
    openAt: OPEN_AT,
    timeZone: 'America/New_York',
    ...(conversationRetentionMs === undefined ? {} : { conversationRetentionMs }),
  });
  const { store, clock } = engines;
  const now = clock.now();
  await store.put('conversations', { id: 'c1', customerId: 'cu', status: 'closed', closedAt: now });
  await store.put('messages', { id: 'm1', conversationId: 'c1', body: 'hello', sentAt: now });
  clock.advance(60_000);
  await store.put('conversations', { id: 'c2', customerId: 'cu', status: 'open' }); // writes sweep
  return { conversation: await store.get('conversations', 'c1'), message: await store.get('messages', 'm1') };
}

describe('simulateDay conversationRetentionMs', () => {
  it('evicts closed conversations and their messages after the window, on the day clock', async () => {
    const gone = await closeOne(60_000);
    expect(gone.conversation).toBeUndefined();
    expect(gone.message).toBeUndefined();
    const kept = await closeOne(60_001);
    expect(kept.conversation).toBeDefined();
    expect(kept.message).toBeDefined();
  });

  it('keeps them all day by default', async () => {
    const kept = await closeOne();
    expect(kept.conversation).toBeDefined();
    expect(kept.message).toBeDefined();
  });
});
