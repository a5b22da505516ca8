import { createRandom, parseInput, ThreadlineError, validationError } from '@threadline/core';
import { z } from 'zod';
import { base64ToFloat32, base64ToInt32, float32ToBase64, int32ToBase64 } from './base64.js';
import { extractFeatures, type FeatureConfig, type SparseVector } from './features.js';

/** One labelled training example. */
export interface TrainingExample {
  readonly text: string;
  readonly label: string;
}

/** What a classifier returns for one text. */
export interface ClassifierPrediction {
  /** The most probable label. */
  readonly label: string;
  /** Probability of every label (they sum to 1). */
  readonly probabilities: Readonly<Record<string, number>>;
  /** Probability of the predicted label. */
  readonly confidence: number;
}

/** Serialised form of a trained classifier (plain JSON: store it anywhere). */
export interface ClassifierJSON {
  readonly format: 'threadline-classifier';
  readonly version: 1;
  readonly algorithm: 'logistic' | 'complement-nb';
  readonly labels: readonly string[];
  readonly features: {
    readonly bucketBits: number;
    readonly wordNgrams: number;
    readonly charNgrams: readonly [number, number];
  };
  /** Softmax temperature applied to raw scores before normalising. */
  readonly scale: number;
  readonly bias: readonly number[];
  /** Sorted feature buckets that carry weights (base64 Int32, little-endian). */
  readonly buckets: string;
  /** `buckets.length × labels.length` weights, row per bucket (base64 Float32, little-endian). */
  readonly weights: string;
}

/** A trained text classifier. */
export interface TextClassifier {
  readonly labels: readonly string[];
  readonly algorithm: 'logistic' | 'complement-nb';
  predict(text: string): ClassifierPrediction;
  toJSON(): ClassifierJSON;
}

/** Zod schema for {@link TrainClassifierOptions}. */
export const TrainClassifierOptionsSchema = z
  .object({
    /** `logistic` (multinomial logistic regression by SGD, default) or `complement-nb`. */
    algorithm: z.enum(['logistic', 'complement-nb']).default('logistic'),
    /** Seed for example shuffling (logistic). Same seed and data → same model. Default 1. */
    seed: z.number().int().default(1),
    /** log2 of the hashed feature space. Default 18 (262,144 buckets). */
    bucketBits: z.number().int().min(8).max(24).default(18),
    /** Largest word n-gram. Default 2. */
    wordNgrams: z.number().int().min(1).max(4).default(2),
    /** Character n-gram sizes inside words, or `false` for none. Default `[3, 5]`. */
    charNgrams: z
      .union([z.tuple([z.number().int().min(1).max(8), z.number().int().min(1).max(8)]), z.literal(false)])
      .default([3, 5]),
    /** `balanced` (inverse class frequency), explicit per-label weights, or none (default). */
    classWeights: z.union([z.literal('balanced'), z.record(z.string(), z.number().positive())]).optional(),
    /** SGD passes over the data (logistic). Default 5. */
    epochs: z.number().int().min(1).max(200).default(5),
    /** Initial SGD learning rate (logistic), decayed linearly to a tenth. Default 0.8. */
    learningRate: z.number().positive().max(100).default(0.8),
    /** L2 penalty per step (logistic). Default 1e-6. */
    l2: z.number().min(0).max(1).default(1e-6),
    /** Additive smoothing (complement-nb). Default 0.01 (features are L2-normalised, so per-feature mass is small). */
    alpha: z.number().positive().max(100).default(0.01),
  })
  .strict();

/** Options for {@link trainClassifier}. */
export type TrainClassifierOptions = z.input<typeof TrainClassifierOptionsSchema>;

const ExamplesSchema = z
  .array(z.object({ text: z.string().max(1_000_000), label: z.string().min(1).max(500) }).strict())
  .min(1);

class LinearClassifier implements TextClassifier {
  readonly labels: readonly string[];
  readonly algorithm: 'logistic' | 'complement-nb';
  private readonly config: FeatureConfig;
  private readonly scale: number;
  private readonly bias: Float32Array;
  private readonly buckets: Int32Array;
  private readonly weights: Float32Array;
  // bucket → row in `weights`, or -1.
  private readonly rowOf: Int32Array;

  constructor(
    algorithm: 'logistic' | 'complement-nb',
    labels: readonly string[],
    config: FeatureConfig,
    scale: number,
    bias: Float32Array,
    buckets: Int32Array,
    weights: Float32Array,
  ) {
    this.algorithm = algorithm;
    this.labels = labels;
    this.config = config;
    this.scale = scale;
    this.bias = bias;
    this.buckets = buckets;
    this.weights = weights;
    this.rowOf = new Int32Array(1 << config.bucketBits).fill(-1);
    for (let r = 0; r < buckets.length; r++) this.rowOf[buckets[r] as number] = r;
  }

  scores(x: SparseVector, out: Float64Array): void {
    const k = this.labels.length;
    for (let c = 0; c < k; c++) out[c] = this.bias[c] as number;
    for (let i = 0; i < x.indices.length; i++) {
      const row = this.rowOf[x.indices[i] as number] as number;
      if (row < 0) continue;
      const v = x.values[i] as number;
      const base = row * k;
      for (let c = 0; c < k; c++) out[c] = (out[c] as number) + (this.weights[base + c] as number) * v;
    }
  }

  predict(text: string): ClassifierPrediction {
    if (typeof text !== 'string') {
      throw new ThreadlineError('VALIDATION', 'Invalid text: expected a string', {
        issues: [{ path: ['text'], message: 'expected a string', code: 'invalid_type' }],
      });
    }
    const k = this.labels.length;
    const s = new Float64Array(k);
    this.scores(extractFeatures(text, this.config), s);
    let max = -Infinity;
    for (let c = 0; c < k; c++) if ((s[c] as number) * this.scale > max) max = (s[c] as number) * this.scale;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((s[c] as number) * this.scale - max);
      s[c] = e;
      sum += e;
    }
    const probabilities: Record<string, number> = {};
    let best = 0;
    let bestP = -1;
    for (let c = 0; c < k; c++) {
      const p = (s[c] as number) / sum;
      probabilities[this.labels[c] as string] = p;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    return { label: this.labels[best] as string, probabilities, confidence: bestP };
  }

  toJSON(): ClassifierJSON {
    return {
      format: 'threadline-classifier',
      version: 1,
      algorithm: this.algorithm,
      labels: [...this.labels],
      features: {
        bucketBits: this.config.bucketBits,
        wordNgrams: this.config.wordNgrams,
        charNgrams: [this.config.charNgrams[0], this.config.charNgrams[1]],
      },
      scale: this.scale,
      bias: Array.from(this.bias),
      buckets: int32ToBase64(this.buckets),
      weights: float32ToBase64(this.weights),
    };
  }
}

function classWeightsFor(
  labels: readonly string[],
  counts: readonly number[],
  option: z.output<typeof TrainClassifierOptionsSchema>['classWeights'],
): Float64Array {
  const w = new Float64Array(labels.length).fill(1);
  if (option === 'balanced') {
    const total = counts.reduce((a, b) => a + b, 0);
    for (let c = 0; c < labels.length; c++) w[c] = total / (labels.length * (counts[c] as number));
  } else if (option) {
    for (const key of Object.keys(option)) {
      if (!labels.includes(key)) {
        throw validationError('classifier options', [
          { path: ['classWeights', key], message: `unknown label "${key}"`, code: 'custom' },
        ]);
      }
    }
    for (let c = 0; c < labels.length; c++) w[c] = option[labels[c] as string] ?? 1;
  }
  return w;
}

// Keeps only the buckets that carry a non-zero weight for some label.
function compact(dense: Float32Array, k: number): { buckets: Int32Array; weights: Float32Array } {
  const d = dense.length / k;
  let used = 0;
  for (let f = 0; f < d; f++) {
    for (let c = 0; c < k; c++) {
      if (dense[f * k + c] !== 0) {
        used++;
        break;
      }
    }
  }
  const buckets = new Int32Array(used);
  const weights = new Float32Array(used * k);
  let r = 0;
  for (let f = 0; f < d; f++) {
    let any = false;
    for (let c = 0; c < k; c++) if (dense[f * k + c] !== 0) any = true;
    if (!any) continue;
    buckets[r] = f;
    for (let c = 0; c < k; c++) weights[r * k + c] = dense[f * k + c] as number;
    r++;
  }
  return { buckets, weights };
}

function trainLogistic(
  xs: readonly SparseVector[],
  ys: Int32Array,
  k: number,
  dims: number,
  cw: Float64Array,
  opts: z.output<typeof TrainClassifierOptionsSchema>,
): { bias: Float32Array; dense: Float32Array } {
  const dense = new Float32Array(dims * k);
  const bias = new Float32Array(k);
  const order = new Int32Array(xs.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const rng = createRandom(opts.seed);
  const z = new Float64Array(k);
  const totalSteps = opts.epochs * xs.length;
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    // Fisher–Yates shuffle with the seeded generator.
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (let o = 0; o < order.length; o++) {
      const idx = order[o] as number;
      const x = xs[idx] as SparseVector;
      const y = ys[idx] as number;
      const lr = opts.learningRate * (1 - (0.9 * step) / totalSteps);
      step++;
      for (let c = 0; c < k; c++) z[c] = bias[c] as number;
      const n = x.indices.length;
      for (let i = 0; i < n; i++) {
        const base = (x.indices[i] as number) * k;
        const v = x.values[i] as number;
        for (let c = 0; c < k; c++) z[c] = (z[c] as number) + (dense[base + c] as number) * v;
      }
      let max = -Infinity;
      for (let c = 0; c < k; c++) if ((z[c] as number) > max) max = z[c] as number;
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp((z[c] as number) - max);
        z[c] = e;
        sum += e;
      }
      const weight = cw[y] as number;
      // z becomes the gradient of the weighted cross-entropy w.r.t. the scores.
      for (let c = 0; c < k; c++) z[c] = ((z[c] as number) / sum - (c === y ? 1 : 0)) * weight * lr;
      const decay = 1 - lr * opts.l2;
      for (let i = 0; i < n; i++) {
        const base = (x.indices[i] as number) * k;
        const v = x.values[i] as number;
        for (let c = 0; c < k; c++) {
          dense[base + c] = (dense[base + c] as number) * decay - (z[c] as number) * v;
        }
      }
      for (let c = 0; c < k; c++) bias[c] = (bias[c] as number) - (z[c] as number);
    }
  }
  return { bias, dense };
}

// Complement naive Bayes (Rennie et al. 2003): each label is scored by how badly the *other*
// labels' feature distribution explains the text (without the optional weight normalisation,
// which hurt accuracy on short texts).
function trainComplementNB(
  xs: readonly SparseVector[],
  ys: Int32Array,
  k: number,
  dims: number,
  cw: Float64Array,
  alpha: number,
): { bias: Float32Array; dense: Float32Array } {
  const perClass = new Float64Array(dims * k);
  const total = new Float64Array(dims);
  for (let e = 0; e < xs.length; e++) {
    const x = xs[e] as SparseVector;
    const y = ys[e] as number;
    const w = cw[y] as number;
    for (let i = 0; i < x.indices.length; i++) {
      const f = x.indices[i] as number;
      const v = (x.values[i] as number) * w;
      perClass[f * k + y] = (perClass[f * k + y] as number) + v;
      total[f] = (total[f] as number) + v;
    }
  }
  const classTotals = new Float64Array(k);
  let grand = 0;
  for (let f = 0; f < dims; f++) {
    grand += total[f] as number;
    for (let c = 0; c < k; c++) classTotals[c] = (classTotals[c] as number) + (perClass[f * k + c] as number);
  }
  const used: number[] = [];
  for (let f = 0; f < dims; f++) if ((total[f] as number) > 0) used.push(f);
  const vocab = used.length;
  const dense = new Float32Array(dims * k);
  const bias = new Float32Array(k);
  const counts = new Array<number>(k).fill(0);
  for (let e = 0; e < ys.length; e++) counts[ys[e] as number] = (counts[ys[e] as number] as number) + 1;
  for (let c = 0; c < k; c++) {
    const complementTotal = grand - (classTotals[c] as number) + alpha * vocab;
    for (const f of used) {
      const comp = (total[f] as number) - (perClass[f * k + c] as number);
      dense[f * k + c] = -Math.log((comp + alpha) / complementTotal);
    }
    // Score = −Σ x·log θ(complement): high when the other labels explain the text poorly. The
    // label prior (log share of examples) breaks ties between otherwise equal scores.
    bias[c] = Math.log((counts[c] as number) / xs.length);
  }
  return { bias, dense };
}

/**
 * Trains a text classifier on labelled examples: hashed word n-grams and in-word character
 * n-grams, then multinomial logistic regression (seeded SGD) or complement naive Bayes, with
 * optional class weights. Same data, options and seed → identical model.
 *
 * @example
 * ```ts
 * const model = trainClassifier(
 *   [
 *     { text: 'where is my refund', label: 'billing' },
 *     { text: 'the app crashes on login', label: 'technical' },
 *   ],
 *   { seed: 7 },
 * );
 * model.predict('refund not received').label; // 'billing'
 * const copy = loadClassifier(JSON.parse(JSON.stringify(model.toJSON())));
 * ```
 */
export function trainClassifier(
  examples: readonly TrainingExample[],
  options: TrainClassifierOptions = {},
): TextClassifier {
  const data = parseInput(ExamplesSchema, examples, 'training examples');
  const opts = parseInput(TrainClassifierOptionsSchema, options, 'classifier options');
  if (opts.charNgrams !== false && opts.charNgrams[0] > opts.charNgrams[1]) {
    throw validationError('classifier options', [
      { path: ['charNgrams'], message: 'minimum must not exceed maximum', code: 'custom' },
    ]);
  }
  const labelIndex = new Map<string, number>();
  for (const e of data) if (!labelIndex.has(e.label)) labelIndex.set(e.label, labelIndex.size);
  const labels = [...labelIndex.keys()].sort();
  labels.forEach((l, i) => {
    labelIndex.set(l, i);
  });
  if (labels.length < 2) {
    throw validationError('training examples', [
      { path: [], message: 'need at least two distinct labels', code: 'custom' },
    ]);
  }
  const config: FeatureConfig = {
    bucketBits: opts.bucketBits,
    wordNgrams: opts.wordNgrams,
    charNgrams: opts.charNgrams === false ? [0, 0] : [opts.charNgrams[0], opts.charNgrams[1]],
  };
  const k = labels.length;
  const dims = 1 << config.bucketBits;
  const xs = data.map((e) => extractFeatures(e.text, config));
  const ys = new Int32Array(data.length);
  const counts = new Array<number>(k).fill(0);
  data.forEach((e, i) => {
    const y = labelIndex.get(e.label) as number;
    ys[i] = y;
    counts[y] = (counts[y] as number) + 1;
  });
  const cw = classWeightsFor(labels, counts, opts.classWeights);
  const trained =
    opts.algorithm === 'logistic'
      ? trainLogistic(xs, ys, k, dims, cw, opts)
      : trainComplementNB(xs, ys, k, dims, cw, opts.alpha);
  const { buckets, weights } = compact(trained.dense, k);
  const scale = 1;
  return new LinearClassifier(opts.algorithm, labels, config, scale, trained.bias, buckets, weights);
}

const ClassifierJSONSchema = z
  .object({
    format: z.literal('threadline-classifier'),
    version: z.literal(1),
    algorithm: z.enum(['logistic', 'complement-nb']),
    labels: z.array(z.string().min(1)).min(2),
    features: z
      .object({
        bucketBits: z.number().int().min(8).max(24),
        wordNgrams: z.number().int().min(1).max(4),
        charNgrams: z.tuple([z.number().int().min(0).max(8), z.number().int().min(0).max(8)]),
      })
      .strict(),
    scale: z.number().positive().finite(),
    bias: z.array(z.number().finite()),
    buckets: z.string(),
    weights: z.string(),
  })
  .strict();

/**
 * Restores a classifier from {@link TextClassifier.toJSON} output (after a JSON round trip).
 *
 * @throws ThreadlineError `VALIDATION` when the JSON is not a valid Threadline classifier.
 * @example
 * ```ts
 * const model = loadClassifier(JSON.parse(await readFile('model.json', 'utf8')));
 * model.predict('my parcel never arrived');
 * ```
 */
export function loadClassifier(json: unknown): TextClassifier {
  const j = parseInput(ClassifierJSONSchema, json, 'classifier JSON');
  const k = j.labels.length;
  const bad = (path: string, message: string): ThreadlineError =>
    validationError('classifier JSON', [{ path: [path], message, code: 'custom' }]);
  if (new Set(j.labels).size !== k) throw bad('labels', 'labels must be unique');
  if (j.bias.length !== k) throw bad('bias', `expected ${k} values`);
  const buckets = base64ToInt32(j.buckets);
  if (!buckets) throw bad('buckets', 'not base64 Int32 data');
  const weights = base64ToFloat32(j.weights);
  if (!weights) throw bad('weights', 'not base64 Float32 data');
  if (weights.length !== buckets.length * k) throw bad('weights', `expected ${buckets.length * k} values`);
  const dims = 1 << j.features.bucketBits;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as number;
    if (b < 0 || b >= dims || (i > 0 && b <= (buckets[i - 1] as number))) {
      throw bad('buckets', 'buckets must be sorted, unique and inside the feature space');
    }
  }
  for (let i = 0; i < weights.length; i++) {
    if (!Number.isFinite(weights[i] as number)) throw bad('weights', 'weights must be finite');
  }
  return new LinearClassifier(
    j.algorithm,
    j.labels,
    {
      bucketBits: j.features.bucketBits,
      wordNgrams: j.features.wordNgrams,
      charNgrams: j.features.charNgrams,
    },
    j.scale,
    Float32Array.from(j.bias),
    buckets,
    weights,
  );
}
