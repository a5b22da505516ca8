// Sentiment accuracy and throughput: Threadline's analyzeSentiment against `sentiment` (AFINN-165),
// `vader-sentiment` and `wink-nlp`, on the held-out airline file (no training) and on the package's
// own hand-labelled CX test set. `pnpm bench sentiment` (set THREADLINE_DATA_DIR if ../shared/data
// is not beside the repo). Pass `--ours` to run only Threadline's scorer.
import { analyzeSentiment, evaluateLabels } from '@threadline/insights';
import Sentiment from 'sentiment';
import vader from 'vader-sentiment';
import model from 'wink-eng-lite-web-model';
import winkNLP from 'wink-nlp';
import { loadAirline, loadCxSet } from './textData.js';
import { fmt, table } from './util.js';

type Label = 'negative' | 'neutral' | 'positive';
interface Scorer {
  name: string;
  label(text: string): Label;
}

const sign = (x: number, eps = 0): Label => (x > eps ? 'positive' : x < -eps ? 'negative' : 'neutral');

const afinn = new Sentiment();
const nlp = winkNLP(model);
const its = nlp.its;

const scorers: Scorer[] = [
  { name: '**@threadline/insights analyzeSentiment**', label: (t) => analyzeSentiment(t).label },
];
if (!process.argv.includes('--ours')) {
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

function evaluate(name: string, rows: { text: string; sentiment: Label }[], timeIt: boolean): void {
  console.log(`\n### ${name} (${fmt(rows.length)} messages)\n`);
  const actual = rows.map((r) => r.sentiment);
  const out: (string | number)[][] = [];
  for (const s of scorers) {
    const predicted = rows.map((r) => s.label(r.text));
    const ev = evaluateLabels(actual, predicted);
    let rate = Number.NaN;
    let cpuRate = Number.NaN;
    if (timeIt) {
      // Time whole passes over the file (after the warm-up pass above) for at least 1.5 s.
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      let n = 0;
      let sink = 0;
      while (performance.now() - start < 1500) {
        for (const r of rows) sink += s.label(r.text).length;
        n += rows.length;
      }
      rate = (n * 1000) / (performance.now() - start);
      const cpu = process.cpuUsage(cpu0);
      // Messages per CPU-second of this process: less sensitive to other load on shared cores.
      cpuRate = (n * 1e6) / (cpu.user + cpu.system);
      if (sink < 0) console.log('');
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

evaluate('airline-sentiment.csv, held out (no training, no tuning on it)', loadAirline(), true);
evaluate('CX test set (packages/insights/test/fixtures/cx-sentiment.tsv)', loadCxSet(), false);
