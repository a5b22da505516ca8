// The day's demand, drawn up front from one seed: who the customers are, when they contact us,
// on which channel, about what, how patient they are and how long their issue takes.
import type { Random } from '@threadline/core';
import type { SimChannel } from './config.js';
import { type TextSource, TOPICS, type Topic, type Utterance } from './text.js';

/** A real person behind the contacts (the simulation's truth; the system only sees identities). */
export interface Person {
  index: number;
  name: string;
  email: string;
  phone: string;
  /** Frequent-flyer number, when the person has one. */
  loyalty?: string;
  tier: 'gold' | 'standard';
  language: 'en' | 'es' | 'fr';
}

/** One inbound contact, as drawn. */
export interface Arrival {
  id: string;
  at: number;
  channel: SimChannel;
  person: number;
  topic: Topic;
  utterance: Utterance;
  /** Part of the injected afternoon storm burst. */
  storm: boolean;
  /** Time the customer waits for a person before hanging up or leaving (voice, chat). */
  patienceMs: number;
  handleMs: number;
  wrapMs: number;
  ringMs: number;
  /** The agent offered this contact first lets it ring out (reject). */
  firstOfferRejected: boolean;
  /** Chat: the customer asks the bot for a person. */
  wantsHuman: boolean;
  /** Chat: the bot can resolve it if nothing else forces a handoff. */
  botCanResolve: boolean;
  botTurnMs: number;
  /** Identities the channel reveals (indices into the person's identities; see `identitiesFor`). */
  showsLoyalty: boolean;
  emailVerified: boolean;
  /** Survey answer 1..5, or null when the customer does not answer. */
  surveyDraw: number;
}

/** Hourly demand weights from 08:00 to 20:00 local: morning peak, lunch dip, afternoon shoulder. */
export const HOURLY_CURVE = [0.6, 0.95, 1.2, 1.2, 1.0, 1.05, 1.15, 1.1, 1.0, 0.85, 0.55, 0.35];

const SLOT_MS = 15 * 60_000;
const FIRST = ['Ana', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'June', 'Kofi', 'Lea'];
const LAST = ['Souza', 'Okafor', 'Li', 'Meyer', 'Haddad', 'Rossi', 'Kim', 'Novak', 'Silva', 'Berg'];

/** Options of {@link drawTraffic}. */
export interface TrafficOptions {
  interactions: number;
  /** Opening instant (epoch ms): 08:00 local. */
  openAt: number;
  /** Share of interactions in the 15:00–15:45 storm burst (default 0.03). */
  stormShare?: number;
}

function exp(rng: Random, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/** A right-skewed handle time with the given mean (a two-stage Erlang draw). */
function handle(rng: Random, mean: number): number {
  return Math.round((exp(rng, mean / 2) + exp(rng, mean / 2)) * 0.8 + mean * 0.2);
}

/** Draws the people and the day's arrivals, sorted by time. */
export function drawTraffic(
  rng: Random,
  text: TextSource,
  options: TrafficOptions,
): { persons: Person[]; arrivals: Arrival[] } {
  const n = options.interactions;
  const personCount = Math.max(20, Math.round(n * 0.55));
  const persons: Person[] = [];
  for (let i = 0; i < personCount; i++) {
    const l = rng.next();
    persons.push({
      index: i,
      name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`,
      email: `traveler${i}@mail.example`,
      phone: `+1617${2_000_000 + i}`,
      ...(rng.next() < 0.7 ? { loyalty: `FF${100_000 + i}` } : {}),
      tier: rng.next() < 0.08 ? 'gold' : 'standard',
      language: l < 0.85 ? 'en' : l < 0.97 ? 'es' : 'fr',
    });
  }

  // Piecewise-linear intraday curve in 15-minute slots, sampled by inverse CDF.
  const slots = HOURLY_CURVE.length * 4;
  const weights: number[] = [];
  for (let s = 0; s < slots; s++) {
    const h = s / 4;
    const i = Math.floor(h);
    const a = HOURLY_CURVE[i] as number;
    const b = HOURLY_CURVE[Math.min(i + 1, HOURLY_CURVE.length - 1)] as number;
    weights.push(a + (b - a) * (h - i));
  }
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w));
  const storm = Math.round(n * (options.stormShare ?? 0.03));
  const times: { at: number; storm: boolean }[] = [];
  for (let k = 0; k < n - storm; k++) {
    const u = rng.next() * acc;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    times.push({ at: options.openAt + lo * SLOT_MS + Math.floor(rng.next() * SLOT_MS), storm: false });
  }
  // A storm grounds flights at 15:00: a burst of disruption contacts for 45 minutes.
  const stormStart = options.openAt + 7 * 3_600_000;
  for (let k = 0; k < storm; k++)
    times.push({ at: stormStart + Math.floor(rng.next() * 3 * SLOT_MS), storm: true });
  times.sort((x, y) => x.at - y.at);

  const lastTopic = new Map<number, Topic>();
  const arrivals: Arrival[] = times.map(({ at, storm: isStorm }, i) => {
    // A quarter of the contacts come from frequent contacts (15 % of the people, a few times a
    // day each); the rest from anyone, mostly once.
    const person =
      rng.next() < 0.25
        ? Math.floor(rng.next() * Math.ceil(personCount * 0.15))
        : Math.floor(rng.next() * personCount);
    const c = rng.next();
    const channel: SimChannel = isStorm
      ? c < 0.7
        ? 'voice'
        : 'chat'
      : c < 0.45
        ? 'voice'
        : c < 0.8
          ? 'chat'
          : 'email';
    const previous = lastTopic.get(person);
    const topic: Topic = isStorm
      ? 'disruptions'
      : previous !== undefined && rng.next() < 0.7
        ? previous
        : (TOPICS[pickTopic(rng.next())] as Topic);
    lastTopic.set(person, topic);
    const pool = text.byTopic[topic];
    const utterance = pool[rng.int(pool.length)] as Utterance;
    // An email is read, researched and answered in writing: longer than a call.
    const meanHandle = channel === 'voice' ? 240_000 : channel === 'chat' ? 360_000 : 540_000;
    return {
      id: `ix-${String(i + 1).padStart(6, '0')}`,
      at,
      channel,
      person,
      topic,
      utterance,
      storm: isStorm,
      patienceMs: Math.round(exp(rng, channel === 'voice' ? 150_000 : 240_000)) + 5_000,
      handleMs: handle(rng, meanHandle),
      wrapMs: channel === 'voice' ? 20_000 : channel === 'chat' ? 15_000 : 30_000,
      ringMs: 2_000 + rng.int(6_000),
      firstOfferRejected: rng.next() < 0.02,
      wantsHuman: rng.next() < 0.15,
      botCanResolve: rng.next() < (topic === 'general' ? 0.7 : topic === 'booking' ? 0.45 : 0.3),
      botTurnMs: 30_000 + rng.int(60_000),
      showsLoyalty: rng.next() < 0.6,
      emailVerified: rng.next() < 0.6,
      surveyDraw: rng.next(),
    };
  });
  return { persons, arrivals };
}

// disruptions 25 %, baggage 20 %, booking 20 %, service 15 %, general 20 %.
function pickTopic(u: number): number {
  return u < 0.25 ? 0 : u < 0.45 ? 1 : u < 0.65 ? 2 : u < 0.8 ? 3 : 4;
}
