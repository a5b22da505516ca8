// The crash test's command stream: a pure function of (seed, count), so the never-killed
// reference run and every resumed process see exactly the same commands at the same instants.

/** Start of the stream's clock (a Monday, 09:00 UTC). */
export const T0 = Date.UTC(2026, 0, 5, 9);

/** One command of the stream. `i` is its index, `at` the clock instant it runs at. */
export type Command = { i: number; at: number } & (
  | { kind: 'contact'; email: string }
  | { kind: 'submit'; taskId: string; contact: number }
  | { kind: 'accept' | 'complete' | 'advance' }
  | { kind: 'open'; caseId: string; contact: number }
  | { kind: 'agent' | 'customer' | 'solve' | 'close'; caseId: string }
);

/** Seeded PRNG (mulberry32): the test's randomness takes a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: Array<[Command['kind'], number]> = [
  ['contact', 10],
  ['submit', 20],
  ['accept', 20],
  ['complete', 15],
  ['open', 10],
  ['agent', 8],
  ['customer', 8],
  ['solve', 3],
  ['close', 10],
  ['advance', 5],
];
const TOTAL = KINDS.reduce((n, [, w]) => n + w, 0);

/** The stream of `count` commands for `seed`. */
export function commandStream(seed: number, count: number): Command[] {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const out: Command[] = [];
  const contacts: number[] = [];
  const cases: string[] = [];
  let at = T0;
  for (let i = 0; i < count; i++) {
    at += pick(30) * 1000;
    let roll = pick(TOTAL);
    let kind: Command['kind'] = 'contact';
    for (const [k, w] of KINDS) {
      if (roll < w) {
        kind = k;
        break;
      }
      roll -= w;
    }
    // Tasks and cases need a customer, case commands a case.
    if ((kind === 'submit' || kind === 'open') && contacts.length === 0) kind = 'contact';
    if (['agent', 'customer', 'solve', 'close'].includes(kind) && cases.length === 0) kind = 'open';
    if (kind === 'open' && contacts.length === 0) kind = 'contact';
    // Recent contacts and cases are the likely ones (a window of the last 40).
    const recent = <T>(xs: T[]) => xs[Math.max(0, xs.length - 1 - pick(40))] as T;
    switch (kind) {
      case 'contact':
        contacts.push(i);
        out.push({ i, at, kind, email: `contact-${i}@example.com` });
        break;
      case 'submit':
        out.push({ i, at, kind, taskId: `task-${i}`, contact: recent(contacts) });
        break;
      case 'open':
        cases.push(`case-${i}`);
        out.push({ i, at, kind, caseId: `case-${i}`, contact: recent(contacts) });
        break;
      case 'agent':
      case 'customer':
        out.push({ i, at, kind, caseId: recent(cases) });
        break;
      case 'solve':
      case 'close': {
        // The oldest cases get solved and closed, so open cases (what recovery loads) stay few;
        // a closed case leaves the pool.
        const n = pick(Math.min(cases.length, 8));
        out.push({ i, at, kind, caseId: cases[n] as string });
        if (kind === 'close') cases.splice(n, 1);
        break;
      }
      case 'advance':
        // A jump of 1–40 minutes: offers time out, SLA targets warn, breach and escalate.
        at += (1 + pick(40)) * 60_000;
        out.push({ i, at, kind });
        break;
      default:
        out.push({ i, at, kind });
    }
  }
  return out;
}
