// Sentiment accuracy and throughput: Threadline's analyzeSentiment against `sentiment` (AFINN-165),
// `vader-sentiment` and `wink-nlp`, on the held-out airline file (no training) and on the package's
// own hand-labelled CX test set. `pnpm bench sentiment` (set THREADLINE_DATA_DIR if ../shared/data
// is not beside the repo). Pass `--ours` to run only Threadline's scorer.
//
// Also measured: the first pass over the file in this fresh process against later (warm) passes,
// and an ablation with the lexicon's air-travel vocabulary removed (AIRLINE_VOCABULARY below), which
// shows how much of the airline macro-F1 comes from words that only help because the data set is
// about flights.
import { analyzeSentiment, createSentimentAnalyzer, evaluateLabels } from '@threadline/insights';
import Sentiment from 'sentiment';
import vader from 'vader-sentiment';
import model from 'wink-eng-lite-web-model';
import winkNLP from 'wink-nlp';
import { loadAirline, loadCxSet } from './textData.js';
import { cpuMs, fmt, median, QUICK, sized, spread, table } from './util.js';

type Label = 'negative' | 'neutral' | 'positive';
interface Scorer {
  name: string;
  label(text: string): Label;
}

/**
 * Lexicon words and phrases of `@threadline/insights` whose polarity comes from air travel (flights
 * late or on time, bumped or upgraded, seats, meals, connections, luggage), found by reading
 * `packages/insights/src/text/lexicon.ts` and `phrases.ts`. Generic support words that airline
 * tweets also use (cancel, lost, waiting, refund, rude, thanks…) are not in the list.
 */
const AIRLINE_WORDS = [
  'late',
  'delay',
  'delays',
  'delayed',
  'ontime',
  'punctual',
  'early',
  'bumped',
  'overbooked',
  'oversold',
  'downgraded',
  'upgraded',
  'upgrade',
  'stranded',
  'cancelled',
  'canceled',
  'cancellation',
  'cancellations',
  'complimentary',
  'cramped',
  'crowded',
  'comfy',
  'tasty',
  'delicious',
  'yummy',
  'bumpy',
  'soaked',
] as const;
const AIRLINE_PHRASES = [
  '<n> <unit> delay',
  '<n> <unit> late',
  'on time',
  'missed my connection',
  'missed connection',
  'lost my bag',
  'lost my luggage',
  'lost luggage',
] as const;
// Valence 0 removes a word from the lexicon; a phrase at 0 still matches its words but adds nothing.
const withoutAirline = createSentimentAnalyzer({
  lexicon: Object.fromEntries(AIRLINE_WORDS.map((w) => [w, 0])),
  phrases: Object.fromEntries(AIRLINE_PHRASES.map((p) => [p, 0])),
});

const sign = (x: number, eps = 0): Label => (x > eps ? 'positive' : x < -eps ? 'negative' : 'neutral');

const ours: Scorer = {
  name: '**@threadline/insights analyzeSentiment**',
  label: (t) => analyzeSentiment(t).label,
};
const scorers: Scorer[] = [ours];
if (!process.argv.includes('--ours')) {
  const afinn = new Sentiment();
  const nlp = winkNLP(model);
  const its = nlp.its;
  scorers.push(
    { name: '`sentiment` 5 (AFINN-165)', label: (t) => sign(afinn.analyze(t).score) },
    {
      name: '`vader-sentiment` 1.1 (±0.05)',
      label: (t) => sign(vader.SentimentIntensityAnalyzer.polarity_scores(t).compound, 0.05),
    },
    {
      name: '`wink-nlp` 2 + lite web model',
      label: (t) => sign(nlp.readDoc(t).out(its.sentiment) as unknown as number),
    },
  );
}
const ablation: Scorer = {
  name: 'ablation: Threadline without its air-travel vocabulary',
  label: (t) => withoutAirline.analyze(t).label,
};

// Under `--quick` (CI smoke) a 3,000-message slice stands in for the file.
const airline = QUICK ? loadAirline().slice(0, 3_000) : loadAirline();
const texts = airline.map((r) => r.text);

// First pass against warm passes, before anything else runs analyzeSentiment in this process.
// The default analyzer (lexicon, phrase index, vocabulary) is built when the module loads, so both
// sides measure analysis only.
const PASSES = sized(7, 3);
const passWall: number[] = [];
const passCpu: number[] = [];
let sink = 0;
for (let p = 0; p < PASSES; p++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const text of texts) sink += analyzeSentiment(text).score;
  passWall.push(performance.now() - t0);
  passCpu.push(cpuMs() - c0);
}
const firstWall = passWall[0] as number;
const firstCpu = passCpu[0] as number;
const warmWall = median(passWall.slice(1));
const warmCpu = median(passCpu.slice(1));
console.log(`\n### First pass against warm passes (${fmt(texts.length)} messages, ${PASSES} passes)\n`);
table(
  ['measure', 'first pass', `warm passes 2–${PASSES}: median [min–max]`, 'first / warm', 'target'],
  [
    [
      'wall ms',
      fmt(firstWall, 1),
      spread(passWall.slice(1), 1),
      `${fmt(firstWall / warmWall, 2)}×`,
      '≤ 2× — ' + (firstWall / warmWall <= 2 ? 'met' : 'missed'),
    ],
    [
      'CPU ms (process, all threads incl. the optimising compiler)',
      fmt(firstCpu, 1),
      spread(passCpu.slice(1), 1),
      `${fmt(firstCpu / warmCpu, 2)}×`,
      '',
    ],
  ],
);
if (sink === Number.POSITIVE_INFINITY) console.log('');

const TIME_MS = sized(1500, 200);
function evaluate(
  name: string,
  rows: { text: string; sentiment: Label }[],
  timeIt: boolean,
  list: readonly Scorer[],
): void {
  console.log(`\n### ${name} (${fmt(rows.length)} messages)\n`);
  const actual = rows.map((r) => r.sentiment);
  const out: (string | number)[][] = [];
  for (const s of list) {
    const predicted = rows.map((r) => s.label(r.text));
    const ev = evaluateLabels(actual, predicted);
    let rate = Number.NaN;
    let cpuRate = Number.NaN;
    if (timeIt) {
      // Time whole passes over the file (after the warm-up pass above) for at least TIME_MS.
      const start = performance.now();
      const cpu0 = cpuMs();
      let n = 0;
      let total = 0;
      while (performance.now() - start < TIME_MS) {
        for (const r of rows) total += s.label(r.text).length;
        n += rows.length;
      }
      rate = (n * 1000) / (performance.now() - start);
      // Messages per CPU-second of this process: less sensitive to other load on shared cores.
      cpuRate = (n * 1000) / (cpuMs() - cpu0);
      if (total < 0) console.log('');
    }
    const pc = ev.perClass;
    out.push([
      s.name,
      ev.accuracy.toFixed(3),
      ev.macroF1.toFixed(3),
      `${(pc['negative']?.f1 ?? 0).toFixed(2)} / ${(pc['neutral']?.f1 ?? 0).toFixed(2)} / ${(pc['positive']?.f1 ?? 0).toFixed(2)}`,
      timeIt ? fmt(rate) : '—',
      timeIt ? fmt(cpuRate) : '—',
    ]);
  }
  table(
    ['scorer', 'accuracy', 'macro-F1', 'F1 neg / neu / pos', 'messages/s (wall)', 'messages per CPU-s'],
    out,
  );
}

evaluate('airline-sentiment.csv, held out (no training, no tuning on it)', airline, true, [
  ...scorers,
  ablation,
]);
console.log(
  `\nAir-travel vocabulary removed in the ablation row (valence 0): words ${AIRLINE_WORDS.join(', ')}; phrases ${AIRLINE_PHRASES.map((p) => `"${p}"`).join(', ')}.`,
);
evaluate(
  'CX test set (packages/insights/test/fixtures/cx-sentiment.tsv)',
  loadCxSet(),
  false,
  QUICK ? [ours] : scorers,
);
