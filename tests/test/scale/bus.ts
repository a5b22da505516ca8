// The bus of the reliability test and the scale bench: NATS JetStream or Redis Streams, with names
// unique to one run and delivery settings sized to the lease TTL (a dead node's commands are
// redelivered after one TTL, so failover is not slower than the lease).
import { createNatsEventBus } from '@threadline/adapter-nats';
import { createRedisEventBus } from '@threadline/adapter-redis';
import type { DurableEventBus } from '@threadline/worker';

export interface BusConfig {
  bus: 'nats' | 'redis';
  natsUrl?: string;
  redisUrl?: string;
  /** Unique per run: worker prefix, NATS stream/subject prefix, Redis key prefix. */
  run: string;
}

export function busFor(
  config: BusConfig,
  ttl: number,
): DurableEventBus & { close(): Promise<void>; stats(): object } {
  if (config.bus === 'nats') {
    return createNatsEventBus({
      servers: config.natsUrl ?? 'nats://127.0.0.1:4222',
      stream: `SCALE_${config.run}`,
      subjectPrefix: `scale_${config.run}`,
      maxInFlight: 200,
      ackWaitMs: ttl,
      maxDeliver: 1000,
      retryDelaysMs: [20],
    });
  }
  return createRedisEventBus({
    url: config.redisUrl ?? 'redis://127.0.0.1:6379',
    keyPrefix: `scale_${config.run}`,
    maxInFlight: 200,
    claimIdleMs: ttl,
    claimIntervalMs: Math.max(50, Math.floor(ttl / 4)),
    maxDeliver: 1000,
    retryDelaysMs: [20],
    blockMs: 100,
    discoveryIntervalMs: 100,
  });
}
