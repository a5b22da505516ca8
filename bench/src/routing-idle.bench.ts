// The routing benchmark in the idle-agent regime: the same roster and workflow as
// `routing.bench.ts`, filled until 60 % of the worker slots are busy, so nearly nothing waits and
// every arrival is a routing decision against the idle-worker heaps.
process.env.ROUTING_SCENARIO = 'idle';
await import('./routing.bench.js');
