// Web chat: messages/s and latency with 1,000 connected clients on loopback (server and clients in
// this one process, so the figures include both sides' CPU). Agent → visitor: the server numbers,
// stores (replay buffer on the memory DocumentStore) and pushes; each browser client (the real
// `@threadline/adapter-webchat/client` with `ws`'s WebSocket) processes and acknowledges.
// Visitor → server: clients send, the server normalises, calls onItem and acknowledges.
// Run: `pnpm bench channels-webchat` (5 runs each; median and spread are printed).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createVisitorToken, createWebchatServer } from '@threadline/adapter-webchat';
import {
  createWebchatClient,
  type WebchatClient,
  type WebSocketConstructor,
} from '@threadline/adapter-webchat/client';
import { createRandom, createSystemClock } from '@threadline/core';
import { WebSocket } from 'ws';
import { fmt, percentile, table } from './util.js';

const CLIENTS = Number(process.argv[2] ?? 1000);
const PER_RUN = Number(process.env.PER_RUN ?? 20_000);
const RUNS = 5;
const SECRET = 'bench-secret-0123456789abcdef';
const clock = createSystemClock();

let inbound = 0;
const http = createServer();
const chat = createWebchatServer({
  server: http,
  secret: SECRET,
  store: createMemoryDocumentStore(),
  clock,
  maxReplay: 100_000,
  onItem: () => {
    inbound++;
  },
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/chat`;

// Latency of agent → visitor: the send instant travels in the text (same process, same clock).
const latencies: number[] = [];
let received = 0;
const clients: WebchatClient[] = [];
const t0 = performance.now();
for (let i = 0; i < CLIENTS; i++) {
  const token = createVisitorToken({ secret: SECRET, visitorId: `v${i}`, expiresAt: clock.now() + 3600_000 });
  clients.push(
    createWebchatClient({
      url,
      token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      random: createRandom(i).next,
      onMessage: (m) => {
        received++;
        latencies.push(performance.now() - Number(m.text));
      },
    }),
  );
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
}
while (clients.some((c) => c.state !== 'open')) await new Promise((r) => setTimeout(r, 20));
console.log(
  `${CLIENTS} clients connected in ${fmt(performance.now() - t0)} ms; server sees ${chat.stats().connected}`,
);

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

async function waitFor(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

// Agent → visitor, as fast as it goes: PER_RUN messages spread over all sessions, issued in waves
// of one message per client.
const outRates: number[] = [];
const outP50: number[] = [];
const outP99: number[] = [];
for (let r = 0; r < RUNS; r++) {
  latencies.length = 0;
  const before = received;
  const start = performance.now();
  for (let k = 0; k < PER_RUN; k += CLIENTS) {
    const wave: Promise<unknown>[] = [];
    for (let i = 0; i < CLIENTS && k + i < PER_RUN; i++) {
      wave.push(chat.deliver(`v${i}`, { id: `r${r}-${k + i}`, text: String(performance.now()) }));
    }
    await Promise.all(wave);
    // Let sockets drain between waves, as a real agent population would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => received - before >= PER_RUN);
  outRates.push(PER_RUN / ((performance.now() - start) / 1000));
  const sorted = [...latencies].sort((a, b) => a - b);
  outP50.push(percentile(sorted, 50));
  outP99.push(percentile(sorted, 99));
}

// Agent → visitor at a steady offered rate (RATE msgs/s for 3 s, sent every 5 ms round-robin over
// the sessions): latency without the queueing of a burst.
const RATE = Number(process.env.RATE ?? 2000);
const pacedP50: number[] = [];
const pacedP99: number[] = [];
let next = 0;
for (let r = 0; r < RUNS; r++) {
  latencies.length = 0;
  const before = received;
  const perTick = Math.max(1, Math.round((RATE * 5) / 1000));
  const ticks = Math.round(3000 / 5);
  let sent = 0;
  const start = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    for (let k = 0; k < perTick; k++) {
      void chat.deliver(`v${next++ % CLIENTS}`, { id: `p${r}-${sent++}`, text: String(performance.now()) });
    }
    const due = start + (tick + 1) * 5;
    while (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await waitFor(() => received - before >= sent);
  const sorted = [...latencies].sort((a, b) => a - b);
  pacedP50.push(percentile(sorted, 50));
  pacedP99.push(percentile(sorted, 99));
}

// Visitor → server: PER_RUN messages from all clients, acknowledged after onItem.
const inRates: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const target = inbound + PER_RUN;
  const start = performance.now();
  for (let k = 0; k < PER_RUN; k += CLIENTS) {
    for (let i = 0; i < CLIENTS && k + i < PER_RUN; i++) clients[i]?.send(`visitor message ${k + i}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => inbound >= target && clients.every((c) => c.pending === 0));
  inRates.push(PER_RUN / ((performance.now() - start) / 1000));
}

table(
  [
    'direction',
    'median msgs/s',
    'spread (5 runs)',
    'p50 ms (median of runs)',
    'p99 ms (median of runs)',
    'p99 spread ms',
  ],
  [
    [
      `agent → visitor, ${CLIENTS} clients`,
      fmt(median(outRates)),
      range(outRates),
      fmt(median(outP50), 1),
      fmt(median(outP99), 1),
      range(outP99, 1),
    ],
    [
      `agent → visitor at ${fmt(RATE)} msgs/s offered, ${CLIENTS} clients`,
      '—',
      '—',
      fmt(median(pacedP50), 1),
      fmt(median(pacedP99), 1),
      range(pacedP99, 1),
    ],
    [
      `visitor → server (onItem + ack), ${CLIENTS} clients`,
      fmt(median(inRates)),
      range(inRates),
      '—',
      '—',
      '—',
    ],
  ],
);
console.log(
  `server stats: ${JSON.stringify(chat.stats())}; heap ${fmt(process.memoryUsage().heapUsed / 2 ** 20)} MiB`,
);
console.log(`load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
for (const c of clients) c.close();
await chat.close();
http.closeAllConnections();
await new Promise<void>((resolve) => http.close(() => resolve()));
