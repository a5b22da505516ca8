// @threadline/adapter-nats — core's EventBus on NATS JetStream.
export {
  createNatsEventBus,
  type NatsBusErrorContext,
  type NatsBusStats,
  type NatsEventBus,
  type NatsSubscribeOptions,
} from './bus.js';
export { type NatsBusOptions, NatsBusOptionsSchema, type ParsedNatsBusOptions } from './options.js';
export { eventSubject, patternSubject } from './subjects.js';
