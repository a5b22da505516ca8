/** The kinds of personal data `redact` detects. `custom` covers caller-supplied patterns. */
export type PiiKind = 'email' | 'phone' | 'payment_card' | 'iban' | 'custom';

/** The built-in detectors (every kind except `custom`). */
export const BUILTIN_DETECTORS = ['email', 'phone', 'payment_card', 'iban'] as const;

/** A built-in detector name. */
export type BuiltinDetector = (typeof BUILTIN_DETECTORS)[number];

/** A raw detection before overlap resolution and replacement. */
export interface Detection {
  kind: PiiKind;
  start: number;
  end: number;
  /** The custom pattern's name for `custom` detections. */
  pattern?: string;
}
