// An independent, deliberately simple Erlang A reference used only by the tests: the stationary
// distribution by a plain log-space recursion from state 0, and the waiting-time distribution by
// uniformization of the tagged caller's position chain (absorbing "served" / "abandoned").
// The library computes the same quantity through the incomplete beta function instead.

/** Service level over all arrivals (abandoners count as misses). Time unit: seconds. */
export function referenceErlangAServiceLevel(
  traffic: number,
  n: number,
  ahtSeconds: number,
  patienceSeconds: number,
  targetSeconds: number,
): number {
  const theta = ahtSeconds / patienceSeconds;
  const t = targetSeconds / ahtSeconds;
  const logp: number[] = [0];
  let max = 0;
  for (let k = 1; ; k++) {
    const rate = Math.min(k, n) + Math.max(k - n, 0) * theta;
    const lp = logp[k - 1]! + Math.log(traffic) - Math.log(rate);
    logp.push(lp);
    max = Math.max(max, lp);
    if (k > n && rate > traffic && lp < max - 45) break;
  }
  const w = logp.map((l) => Math.exp(l - max));
  const z = w.reduce((s, v) => s + v, 0);
  const p = w.map((v) => v / z);
  let immediate = 0;
  for (let k = 0; k < Math.min(n, p.length); k++) immediate += p[k]!;
  if (n === 0 || t <= 0) return immediate;
  const positions = p.length - n;
  if (positions <= 0) return immediate;
  const rate = n + positions * theta;
  const x = rate * t;
  const steps = Math.ceil(x + 10 * Math.sqrt(x) + 20);
  let v = p.slice(n);
  let served = 0;
  let total = 0;
  let logW = -x;
  for (let step = 0; step <= steps; step++) {
    total += Math.exp(logW) * served;
    served += (v[0]! * n) / rate;
    const next = new Array<number>(positions).fill(0);
    for (let i = 0; i < positions; i++) {
      const stay = 1 - (n + (i + 1) * theta) / rate;
      next[i] = v[i]! * stay + (i + 1 < positions ? (v[i + 1]! * (n + (i + 1) * theta)) / rate : 0);
    }
    v = next;
    logW += Math.log(x) - Math.log(step + 1);
  }
  return immediate + total;
}
