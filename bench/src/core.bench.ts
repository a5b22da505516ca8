import { createEvent, createIdGenerator, InProcessEventBus, ManualClock } from '@threadline/core';
import { fmt, opsPerSecond, opsPerSecondAsync, table } from './util.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const ids = createIdGenerator({ clock, seed: 1 });
const idOps = opsPerSecond(() => ids.next());

const bus = new InProcessEventBus();
let received = 0;
bus.subscribe('case.*', () => {
  received++;
});
const event = createEvent(
  { clock, ids },
  { type: 'case.opened', aggregateType: 'case', aggregateId: 'c1', version: 1, payload: {} },
);
const busOps = await opsPerSecondAsync(() => bus.publish(event), 1000, 1000);
if (received === 0) throw new Error('bus delivered nothing');

table(
  ['operation', 'ops/s'],
  [
    ['createIdGenerator().next()', fmt(idOps)],
    ['InProcessEventBus.publish (1 prefix subscriber)', fmt(busOps)],
  ],
);
