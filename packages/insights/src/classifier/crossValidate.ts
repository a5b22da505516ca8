import { createRandom, parseInput } from '@threadline/core';
import { z } from 'zod';
import {
  type TextClassifier,
  type TrainClassifierOptions,
  type TrainingExample,
  trainClassifier,
} from './classifier.js';
import { evaluateLabels, type LabelEvaluation } from './metrics.js';

/** Options for {@link crossValidate}. */
export interface CrossValidateOptions {
  /** Number of folds (≥ 2). Default 5. */
  readonly folds?: number;
  /** Seed for the fold assignment. Default 1. */
  readonly seed?: number;
  /** Options passed to {@link trainClassifier} for every fold. */
  readonly train?: TrainClassifierOptions;
}

/** The result of {@link crossValidate}. */
export interface CrossValidation extends LabelEvaluation {
  /** The evaluation of each fold's held-out part. */
  readonly folds: readonly LabelEvaluation[];
  /** The out-of-fold prediction for every example, in input order. */
  readonly predictions: readonly string[];
}

const OptionsSchema = z
  .object({
    folds: z.number().int().min(2).max(100).default(5),
    seed: z.number().int().default(1),
    train: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/**
 * k-fold cross-validation of {@link trainClassifier}: examples are shuffled with the seed, split
 * into stratified folds (each label spread evenly), and every fold is predicted by a model trained
 * on the others. Returns pooled accuracy/macro-F1 plus per-fold figures.
 *
 * @example
 * ```ts
 * const cv = crossValidate(examples, { folds: 5, seed: 1, train: { algorithm: 'logistic' } });
 * cv.accuracy; cv.macroF1;
 * ```
 */
export function crossValidate(
  examples: readonly TrainingExample[],
  options: CrossValidateOptions = {},
): CrossValidation {
  const opts = parseInput(OptionsSchema, options, 'cross-validation options');
  const rng = createRandom(opts.seed);
  // Stratify: shuffle within each label, then deal examples round-robin into folds.
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => {
    let list = byLabel.get(e.label);
    if (!list) byLabel.set(e.label, (list = []));
    list.push(i);
  });
  const fold = new Int32Array(examples.length);
  let deal = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const list = byLabel.get(label) as number[];
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = list[i] as number;
      list[i] = list[j] as number;
      list[j] = t;
    }
    for (const i of list) fold[i] = deal++ % opts.folds;
  }
  const predictions = new Array<string>(examples.length);
  const perFold: LabelEvaluation[] = [];
  for (let f = 0; f < opts.folds; f++) {
    const train: TrainingExample[] = [];
    const testIdx: number[] = [];
    examples.forEach((e, i) => {
      if (fold[i] === f) testIdx.push(i);
      else train.push(e);
    });
    const model: TextClassifier = trainClassifier(train, (opts.train ?? {}) as TrainClassifierOptions);
    const actual: string[] = [];
    const predicted: string[] = [];
    for (const i of testIdx) {
      const e = examples[i] as TrainingExample;
      const p = model.predict(e.text).label;
      predictions[i] = p;
      actual.push(e.label);
      predicted.push(p);
    }
    perFold.push(evaluateLabels(actual, predicted));
  }
  const pooled = evaluateLabels(
    examples.map((e) => e.label),
    predictions,
  );
  return { ...pooled, folds: perFold, predictions };
}
