// The README's wiring example, run: every package meets on one storage and the bus sees only
// committed events, in commit order.
import { describe, expect, it } from 'vitest';
import { wiring } from '../src/wiring.js';

describe('the README wiring example', () => {
  it('resolves, scores, routes and opens a case; the bus sees the committed events', async () => {
    const out = await wiring();
    expect(out.customerId).toMatch(/^cus_/);
    expect(out.label).toBe('negative');
    expect(out.task).toBe('reserved');
    expect(out.case).toMatchObject({ customerId: out.customerId, priority: 'high', status: 'new' });
    expect(out.events).toEqual([
      'customer.created',
      'identity.attached',
      'worker.status_changed',
      'task.queued',
      'reservation.created',
      'case.opened',
    ]);
  });

  it('a friendly message keeps the normal priority', async () => {
    const out = await wiring('Thanks, the new card works great!');
    expect(out.label).toBe('positive');
    expect(out.case?.priority).toBe('normal');
  });
});
