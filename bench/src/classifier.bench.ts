// Trainable classifier on the airline file: 5-fold cross-validation for sentiment and for the
// `reason` topic of negative tweets, and the time to train on all 14.6k messages.
// `pnpm bench classifier` (set THREADLINE_DATA_DIR if ../shared/data is not beside the repo).
import {
  crossValidate,
  loadClassifier,
  type TrainClassifierOptions,
  trainClassifier,
} from '@threadline/insights';
import { loadAirline } from './textData.js';
import { fmt, QUICK, sized, table } from './util.js';

// Under `--quick` (CI smoke) a 2,000-message slice stands in for the file.
const rows = QUICK ? loadAirline().slice(0, 2_000) : loadAirline();
const sentiment = rows.map((r) => ({ text: r.text, label: r.sentiment }));
const reasons = rows.filter((r) => r.reason !== '').map((r) => ({ text: r.text, label: r.reason }));

const configs: { name: string; options: TrainClassifierOptions }[] = [
  { name: 'logistic (default)', options: { algorithm: 'logistic', seed: 1 } },
  { name: 'complement-nb', options: { algorithm: 'complement-nb', seed: 1 } },
];

const out: (string | number)[][] = [];
for (const [task, data] of [
  ['sentiment (3 classes)', sentiment],
  ['reason (topic, negative tweets)', reasons],
] as const) {
  for (const c of configs) {
    const start = performance.now();
    const cv = crossValidate(data, { folds: 5, seed: 1, train: c.options });
    const cvMs = performance.now() - start;
    out.push([
      task,
      c.name,
      fmt(data.length),
      cv.accuracy.toFixed(3),
      cv.macroF1.toFixed(3),
      `${fmt(cvMs / 5)} ms`,
    ]);
  }
}
console.log('\n### 5-fold cross-validation on airline-sentiment.csv (stratified, seed 1)\n');
table(['task', 'algorithm', 'examples', 'accuracy', 'macro-F1', 'mean fold (train + predict)'], out);

// Training time on the full file (median of 3), prediction throughput and model size.
const timing: (string | number)[][] = [];
for (const c of configs) {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let model = trainClassifier(sentiment, c.options);
  for (let r = 0; r < sized(3, 1); r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    model = trainClassifier(sentiment, c.options);
    const c1 = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    // Main-thread CPU time: less sensitive than wall time when other processes share the cores.
    cpuTimes.push((c1.user + c1.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const json = JSON.stringify(model.toJSON());
  const reloaded = loadClassifier(JSON.parse(json));
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < sized(1000, 100)) {
    for (let i = 0; i < 1000; i++)
      reloaded.predict((sentiment[(n + i) % sentiment.length] as { text: string }).text);
    n += 1000;
  }
  const rate = (n * 1000) / (performance.now() - t0);
  timing.push([
    c.name,
    fmt(sentiment.length),
    `${fmt(times[times.length >> 1] as number)} ms`,
    `${fmt(cpuTimes[cpuTimes.length >> 1] as number)} ms`,
    fmt(rate),
    `${fmt(json.length / 1024 / 1024, 1)} MB`,
  ]);
}
console.log(`\n### Training on all ${fmt(sentiment.length)} messages (sentiment labels)\n`);
table(
  ['algorithm', 'examples', 'train wall time (median of 3)', 'train CPU time', 'predict/s', 'toJSON size'],
  timing,
);
