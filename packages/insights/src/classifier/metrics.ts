import { ThreadlineError } from '@threadline/core';

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** How many examples carry this label in `actual`. */
  readonly support: number;
}

/** The result of {@link evaluateLabels}. */
export interface LabelEvaluation {
  readonly accuracy: number;
  /** Unweighted mean of the per-class F1 over every label seen in `actual` or `predicted`. */
  readonly macroF1: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** `confusion[actual][predicted]` = count. */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly count: number;
}

/**
 * Scores predicted labels against actual ones: accuracy, macro-F1, per-class precision/recall/F1
 * and the confusion matrix.
 *
 * @example
 * ```ts
 * evaluateLabels(['pos', 'neg', 'neg'], ['pos', 'neg', 'pos']).accuracy; // 0.666…
 * ```
 */
export function evaluateLabels(actual: readonly string[], predicted: readonly string[]): LabelEvaluation {
  if (!Array.isArray(actual) || !Array.isArray(predicted) || actual.length !== predicted.length) {
    throw new ThreadlineError(
      'VALIDATION',
      'Invalid labels: actual and predicted must be arrays of equal length',
      {
        issues: [{ path: ['predicted'], message: 'must have the same length as actual', code: 'custom' }],
      },
    );
  }
  const labels = [...new Set([...actual, ...predicted])].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const a of labels) {
    const row: Record<string, number> = {};
    for (const p of labels) row[p] = 0;
    confusion[a] = row;
  }
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as string;
    const p = predicted[i] as string;
    (confusion[a] as Record<string, number>)[p] = ((confusion[a] as Record<string, number>)[p] ?? 0) + 1;
    if (a === p) correct++;
  }
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  for (const l of labels) {
    const tp = (confusion[l] as Record<string, number>)[l] ?? 0;
    let actualCount = 0;
    let predictedCount = 0;
    for (const o of labels) {
      actualCount += (confusion[l] as Record<string, number>)[o] ?? 0;
      predictedCount += (confusion[o] as Record<string, number>)[l] ?? 0;
    }
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = actualCount === 0 ? 0 : tp / actualCount;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[l] = { precision, recall, f1, support: actualCount };
    f1Sum += f1;
  }
  return {
    accuracy: actual.length === 0 ? 0 : correct / actual.length,
    macroF1: labels.length === 0 ? 0 : f1Sum / labels.length,
    perClass,
    confusion,
    count: actual.length,
  };
}
