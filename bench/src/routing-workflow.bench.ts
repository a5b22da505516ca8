// Routing benchmark, realistic-workflow regime: the same scale as `routing.bench.ts` (10k workers,
// 200 skills) but a workflow people actually write, driven by a discrete-event simulation whose
// clock moves at real rates:
// - 400 filters (a VIP filter with a rule-language `when` and a normal one per skill), each a
//   three-step ladder over 600 queues (skill ≥ 7, ≥ 4, ≥ 1) with cumulative timeouts that fire
//   (30 s / 120 s; VIP 20 s / 60 s), step expressions (`task.language IN worker.languages`,
//   `worker.tier == "senior"`), a priority override for VIPs and a multi-offer step (2 offers,
//   first accept wins, the other is rescinded);
// - Poisson arrivals at 97 % of the roster's capacity, exponential handle times (chat 400 s with
//   3 at once, voice 300 s), 15 s of wrap-up, agents who accept after 1–8 s, reject 4 % of offers
//   and let 3 % time out (15 s offer timeout), so rejected and timed-out offers re-enter routing.
// The engine's deadlines (offer expiry, step timeouts, wrap-up ends) are honoured through
// `nextDeadline()` / `advanceTo(now)`, as a host's scheduler would.
//
// Knobs: ROUTING_WORKERS, ROUTING_SIM_MINUTES (measured simulated minutes after a 10-minute
// warm-up), ROUTING_LOAD (offered load, default 0.97).
import { createRandom, ManualClock } from '@threadline/core';
import { createRoutingEngine, type WorkflowConfig } from '@threadline/routing';
import { cpuMs, fmt, heapUsed, percentile, sized, table } from './util.js';

const WORKERS = Number(process.env.ROUTING_WORKERS ?? sized(10_000, 1_000));
const SKILLS = 200;
const SKILLS_PER_WORKER = 8;
const WARM_MIN = Number(process.env.ROUTING_WARM_MINUTES ?? sized(10, 2));
const SIM_MIN = Number(process.env.ROUTING_SIM_MINUTES ?? sized(30, 3));
const LOAD = Number(process.env.ROUTING_LOAD ?? 0.97);
const SECOND = 1000;
const CHAT_HANDLE = 400 * SECOND;
const VOICE_HANDLE = 300 * SECOND;
const WRAP_UP = 15 * SECOND;
const OFFER_TIMEOUT = 15 * SECOND;
const RINGS = [7, 4, 1] as const;
const LANGUAGES = ['en', 'es', 'fr', 'de'] as const;

const rng = createRandom(20_261_207);
const T0 = Date.UTC(2026, 0, 5, 8);
const clock = new ManualClock(T0);

const pickLanguage = (): string => {
  const u = rng.next();
  return u < 0.7 ? 'en' : u < 0.85 ? 'es' : u < 0.95 ? 'fr' : 'de';
};
const queueId = (skill: number, ring: number) => `s${skill}-${ring}`;
const workflow: WorkflowConfig = {
  queues: Array.from({ length: SKILLS * RINGS.length }, (_, i) => {
    const skill = Math.floor(i / RINGS.length);
    const ring = i % RINGS.length;
    return {
      id: queueId(skill, ring),
      workers: { skills: { [`s${skill}`]: RINGS[ring] as number } },
      agingPerMinute: 0.5,
    };
  }),
  filters: Array.from({ length: SKILLS }, (_, skill) => [
    {
      name: `vip-s${skill}`,
      match: { attributes: { skill: `s${skill}` } },
      when: 'task.vip == true AND task.priority >= 5',
      targets: [
        {
          queue: queueId(skill, 0),
          expression: 'worker.tier == "senior"',
          priority: 50,
          timeout: 20 * SECOND,
        },
        { queue: queueId(skill, 1), priority: 50, offers: 2, timeout: 60 * SECOND },
        { queue: queueId(skill, 2), priority: 50 },
      ],
    },
    {
      name: `s${skill}`,
      match: { attributes: { skill: `s${skill}` } },
      targets: [
        { queue: queueId(skill, 0), expression: 'task.language IN worker.languages', timeout: 30 * SECOND },
        {
          queue: queueId(skill, 1),
          expression: 'task.language IN worker.languages',
          offers: 2,
          timeout: 120 * SECOND,
        },
        { queue: queueId(skill, 2) },
      ],
    },
  ]).flat(),
};

const engine = createRoutingEngine({ clock, workflow, reservationTimeoutMs: OFFER_TIMEOUT });

// ----------------------------------------------------------------------------------------------
// The simulation's own agenda: a binary heap of (time, kind, id).

const ARRIVAL = 0;
const DECIDE = 1;
const COMPLETE = 2;
interface Happening {
  at: number;
  kind: number;
  id: string;
  accept: boolean;
}
const agenda: Happening[] = [];
function schedule(h: Happening): void {
  agenda.push(h);
  let i = agenda.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((agenda[parent] as Happening).at <= h.at) break;
    agenda[i] = agenda[parent] as Happening;
    i = parent;
  }
  agenda[i] = h;
}
function takeNext(): Happening {
  const top = agenda[0] as Happening;
  const last = agenda.pop() as Happening;
  if (agenda.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= agenda.length) break;
      const r = l + 1;
      const c = r < agenda.length && (agenda[r] as Happening).at < (agenda[l] as Happening).at ? r : l;
      if ((agenda[c] as Happening).at >= last.at) break;
      agenda[i] = agenda[c] as Happening;
      i = c;
    }
    agenda[i] = last;
  }
  return top;
}
const exp = (mean: number) => -Math.log(1 - rng.next()) * mean;

// ----------------------------------------------------------------------------------------------
// Roster

let chatSlots = 0;
let voiceSlots = 0;
const heap0 = heapUsed();
for (let i = 0; i < WORKERS; i++) {
  const skills: Record<string, number> = {};
  while (Object.keys(skills).length < SKILLS_PER_WORKER) skills[`s${rng.int(SKILLS)}`] = 1 + rng.int(10);
  const languages = ['en'];
  if (rng.next() < 0.35) languages.push(LANGUAGES[1 + rng.int(3)] as string);
  const chat = rng.next() < 0.7;
  if (chat) chatSlots += 3;
  else voiceSlots += 1;
  engine.upsertWorker({
    id: `w${i}`,
    status: 'available',
    attributes: { skills, languages, tier: rng.next() < 0.2 ? 'senior' : 'agent' },
    capacity: chat ? { chat: 3 } : { voice: 1 },
  });
}
const heapWorkers = heapUsed();
// Offered load: arrivals per ms on each channel so that load × slots are busy on average.
const chatRate = (LOAD * chatSlots) / (CHAT_HANDLE + WRAP_UP);
const voiceRate = (LOAD * voiceSlots) / (VOICE_HANDLE + WRAP_UP);
const arrivalRate = chatRate + voiceRate;

// ----------------------------------------------------------------------------------------------
// Event listeners: what agents do with offers.

const live = new Set<string>(); // open reservations
const counts = { rejected: 0, timedOut: 0, rescinded: 0, stepTimeouts: 0, assigned: 0, arrivals: 0 };
engine.subscribe('reservation.created', (e) => {
  live.add(e.payload.reservationId);
  const u = rng.next();
  // 93 % accept after 1–8 s, 4 % reject after 1–5 s, 3 % never answer (the offer times out).
  if (u < 0.93)
    schedule({
      at: clock.now() + 1000 + rng.next() * 7000,
      kind: DECIDE,
      id: e.payload.reservationId,
      accept: true,
    });
  else if (u < 0.97)
    schedule({
      at: clock.now() + 1000 + rng.next() * 4000,
      kind: DECIDE,
      id: e.payload.reservationId,
      accept: false,
    });
});
engine.subscribe('reservation.timed_out', (e) => {
  live.delete(e.payload.reservationId);
  counts.timedOut++;
});
engine.subscribe('reservation.rescinded', (e) => {
  live.delete(e.payload.reservationId);
  counts.rescinded++;
});
engine.subscribe('task.step_changed', (e) => {
  if (e.payload.reason === 'timeout') counts.stepTimeouts++;
});

// ----------------------------------------------------------------------------------------------
// The loop

let taskSeq = 0;
let engineMs = 0; // wall time inside engine calls
const MAX_SAMPLES = 2_000_000;
const callWall = new Float64Array(MAX_SAMPLES);
let samples = 0;
let measuring = false;
const timed = (fn: () => void): void => {
  const t0 = performance.now();
  fn();
  const dt = performance.now() - t0;
  engineMs += dt;
  if (measuring && samples < MAX_SAMPLES) callWall[samples++] = dt;
};
function submitArrival(): void {
  const voice = rng.next() * arrivalRate < voiceRate;
  const vip = rng.next() < 0.05;
  const id = `t${taskSeq++}`;
  counts.arrivals++;
  timed(() => {
    engine.submitTask({
      id,
      channel: voice ? 'voice' : 'chat',
      priority: vip ? 5 + rng.int(5) : rng.int(5),
      attributes: { skill: `s${rng.int(SKILLS)}`, language: pickLanguage(), vip },
    });
  });
}
function handle(h: Happening): void {
  if (h.kind === ARRIVAL) {
    submitArrival();
    schedule({ at: h.at + exp(1 / arrivalRate), kind: ARRIVAL, id: '', accept: false });
  } else if (h.kind === DECIDE) {
    if (!live.delete(h.id)) return; // rescinded or timed out meanwhile
    if (h.accept) {
      let task: { id: string; channel: string } | undefined;
      timed(() => {
        task = engine.acceptReservation(h.id);
      });
      counts.assigned++;
      const t = task as { id: string; channel: string };
      schedule({
        at: h.at + exp(t.channel === 'voice' ? VOICE_HANDLE : CHAT_HANDLE),
        kind: COMPLETE,
        id: t.id,
        accept: false,
      });
    } else {
      counts.rejected++;
      timed(() => engine.rejectReservation(h.id, { reason: 'busy' }));
    }
  } else {
    timed(() => engine.completeTask(h.id, { wrapUpMs: WRAP_UP }));
  }
}
function runUntil(end: number): void {
  for (;;) {
    const next = agenda.length > 0 ? (agenda[0] as Happening).at : Number.POSITIVE_INFINITY;
    const due = engine.nextDeadline();
    const t = Math.min(next, due ?? Number.POSITIVE_INFINITY, end);
    if (t > clock.now()) clock.set(Math.floor(t));
    if (due !== null && due <= t) timed(() => engine.advanceTo(clock.now()));
    if (t >= end) return;
    if (next <= t) handle(takeNext());
  }
}

schedule({ at: T0, kind: ARRIVAL, id: '', accept: false });
const warmEnd = T0 + WARM_MIN * 60_000;
runUntil(warmEnd);
const waitingAtStart = engine.stats().waiting;
const heapWarm = heapUsed();
const s0 = engine.stats();
const c0 = { ...counts };
engineMs = 0;
measuring = true;
const wall0 = performance.now();
const cpu0 = cpuMs();
runUntil(warmEnd + SIM_MIN * 60_000);
const cpu = cpuMs() - cpu0;
const wall = performance.now() - wall0;
measuring = false;
const s1 = engine.stats();
const decisions = s1.decisions - s0.decisions;
const offers = s1.offers - s0.offers;
const engineShare = engineMs / wall;
const d = (k: keyof typeof counts) => counts[k] - c0[k];
const sorted = callWall.subarray(0, samples).sort();
const engineRate = (decisions * 1000) / (cpu * engineShare);

table(
  ['measure', 'value', 'target'],
  [
    [
      'scenario',
      `realistic workflow: ${fmt(WORKERS)} workers, ${SKILLS} skills, ${fmt(workflow.queues.length)} queues, ${fmt(workflow.filters?.length ?? 0)} filters with 3-step ladders, load ${LOAD}`,
      '',
    ],
    ['simulated time measured (after warm-up)', `${SIM_MIN} min (warm-up ${WARM_MIN} min)`, ''],
    ['arrivals / assigned', `${fmt(d('arrivals'))} / ${fmt(d('assigned'))}`, ''],
    [
      'decisions (offers)',
      `${fmt(decisions)} (${fmt(offers)} offers; multi-offer steps make 2 per decision)`,
      '',
    ],
    [
      'step timeouts fired / offers rejected / timed out / rescinded',
      `${fmt(d('stepTimeouts'))} / ${fmt(d('rejected'))} / ${fmt(d('timedOut'))} / ${fmt(d('rescinded'))}`,
      '',
    ],
    ['waiting tasks at start / end of measurement', `${fmt(waitingAtStart)} / ${fmt(s1.waiting)}`, ''],
    ['decisions per CPU-second, whole simulation (engine + harness)', fmt((decisions * 1000) / cpu), ''],
    [
      'decisions per CPU-second, engine share (CPU × wall share inside engine calls)',
      fmt(engineRate),
      `≥ 100,000 — ${engineRate >= 100_000 ? 'met' : 'missed'}`,
    ],
    ['wall share inside engine calls', `${fmt(engineShare * 100, 1)} %`, ''],
    [
      `engine call wall ms p50 / p99 / p99.9 (${fmt(samples)} calls)`,
      `${fmt(percentile(sorted, 50), 4)} / ${fmt(percentile(sorted, 99), 4)} / ${fmt(percentile(sorted, 99.9), 4)}`,
      'p99 < 1 ms',
    ],
    [
      'memory: bytes per worker / heap growth in warm-up',
      `${fmt((heapWorkers - heap0) / WORKERS)} / ${fmt((heapWarm - heapWorkers) / 2 ** 20, 1)} MiB`,
      '',
    ],
  ],
);
