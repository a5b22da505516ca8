// @threadline/adapter-redis — core's EventBus on Redis Streams.
export {
  createRedisEventBus,
  type RedisBusErrorContext,
  type RedisBusStats,
  type RedisEventBus,
  type RedisSubscribeOptions,
} from './bus.js';
export { type ParsedRedisBusOptions, type RedisBusOptions, RedisBusOptionsSchema } from './options.js';
