import { z } from 'zod';
import { type ValidationIssue, validationError } from '../errors.js';
import { detectCards } from './detectors/card.js';
import { isDigit, isLetter } from './detectors/chars.js';
import { type CompiledPattern, compilePattern, detectCustom } from './detectors/custom.js';
import { detectEmails } from './detectors/email.js';
import { detectIbans } from './detectors/iban.js';
import { detectPhones } from './detectors/phone.js';
import { BUILTIN_DETECTORS, type BuiltinDetector, type Detection, type PiiKind } from './detectors/types.js';
import { hmacSha256Hex } from './digest.js';

/** How a detected value is replaced in the output text. */
export type RedactionStyle = 'mask' | 'label' | 'hash';

/** Zod schema of one caller-supplied pattern for {@link redact}. */
export const CustomPatternSchema = z
  .object({
    /** Name reported on the span (`pattern`) and used for the default label. */
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'expected letters, digits, `_` or `-`'),
    /** A regular expression (source string or `RegExp`); `g`/`y` flags are managed by the redactor. */
    pattern: z.union([z.string().min(1).max(2000), z.instanceof(RegExp)]),
    /** Flags for a string pattern (`i`, `m`, `s`, `u`, `v`). */
    flags: z.string().max(8).optional(),
    /** Extra check on each match (e.g. a checksum); the match counts only when it returns `true`. */
    validate: z
      .custom<(match: string) => boolean>((v) => typeof v === 'function', 'expected a function')
      .optional(),
    /** Label used by the `label` and `hash` styles (default: the name in upper case). */
    label: z.string().min(1).max(100).optional(),
  })
  .strict();

/** A caller-supplied pattern for {@link redact}. */
export type CustomPattern = z.input<typeof CustomPatternSchema>;

const KIND_ENUM = z.enum(['email', 'phone', 'payment_card', 'iban', 'custom']);

/** Zod schema of the options of {@link redact} and {@link createRedactor}. */
export const RedactOptionsSchema = z
  .object({
    /** Built-in detectors to run (default: all of `email`, `phone`, `payment_card`, `iban`). */
    detectors: z.array(z.enum(BUILTIN_DETECTORS)).optional(),
    /** `label` (default) → `[EMAIL]`; `mask` → `****@*******.***`; `hash` → `[EMAIL:3f1c…]`. */
    style: z.enum(['mask', 'label', 'hash']).default('label'),
    /** Mask character for the `mask` style. */
    maskChar: z.string().length(1).default('*'),
    /** `mask` style: how many trailing letters/digits stay visible (e.g. 4 for card numbers). */
    keepLast: z.number().int().min(0).max(8).default(0),
    /** Secret key for the `hash` style (HMAC-SHA-256). Without one, hashes of short values are guessable. */
    hashKey: z.string().max(1000).default(''),
    /** Number of hex characters of the hash kept in the `hash` style. */
    hashLength: z.number().int().min(8).max(64).default(12),
    /** Label per kind for the `label` and `hash` styles (default `EMAIL`, `PHONE`, `CARD`, `IBAN`). */
    labels: z.partialRecord(KIND_ENUM, z.string().min(1).max(100)).optional(),
    /** Extra patterns (validated: bad or catastrophic-backtracking regexes are rejected). */
    customPatterns: z.array(CustomPatternSchema).max(100).default([]),
    /** Put the original value on each span (off by default so spans are safe to log). */
    includeValues: z.boolean().default(false),
  })
  .strict();

/** Options of {@link redact} and {@link createRedactor}. */
export type RedactOptions = z.input<typeof RedactOptionsSchema>;

/** One redacted stretch of the input. Offsets refer to the original text (UTF-16 code units). */
export interface RedactionSpan {
  kind: PiiKind;
  /** Start offset in the original text (inclusive). */
  start: number;
  /** End offset in the original text (exclusive). */
  end: number;
  /** The original value; only with `includeValues: true`. */
  value?: string;
  /** What replaced it in the output text. */
  replacement: string;
  /** Name of the custom pattern for `kind: 'custom'`. */
  pattern?: string;
}

/** The result of {@link redact}. */
export interface RedactResult {
  /** The text with every span replaced. */
  text: string;
  /** The spans found, in text order, never overlapping. */
  spans: RedactionSpan[];
}

/** A compiled redactor: options are validated once, then `redact` runs many times. */
export interface Redactor {
  /** Redacts `text`. */
  redact(text: string): RedactResult;
  /** Finds the spans without building the redacted text (replacements are still computed). */
  detect(text: string): RedactionSpan[];
}

const DEFAULT_LABELS: Record<PiiKind, string> = {
  email: 'EMAIL',
  phone: 'PHONE',
  payment_card: 'CARD',
  iban: 'IBAN',
  custom: 'CUSTOM',
};

// When detections overlap, the more specific detector wins.
const PRIORITY: Record<PiiKind, number> = { custom: 0, iban: 1, payment_card: 2, email: 3, phone: 4 };

const DETECTORS: Record<BuiltinDetector, (text: string, out: Detection[]) => void> = {
  email: detectEmails,
  phone: detectPhones,
  payment_card: detectCards,
  iban: detectIbans,
};

function resolveOverlaps(found: Detection[]): Detection[] {
  found.sort(
    (a, b) => a.start - b.start || PRIORITY[a.kind] - PRIORITY[b.kind] || b.end - b.start - (a.end - a.start),
  );
  const kept: Detection[] = [];
  for (const d of found) {
    const last = kept[kept.length - 1];
    if (last === undefined || d.start >= last.end) {
      kept.push(d);
      continue;
    }
    const better =
      PRIORITY[d.kind] < PRIORITY[last.kind] ||
      (PRIORITY[d.kind] === PRIORITY[last.kind] && d.end - d.start > last.end - last.start);
    if (better) kept[kept.length - 1] = d;
  }
  return kept;
}

// Canonical form for hashing, so the same value written differently gets the same token.
function canonical(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'email':
      return value.toLowerCase();
    case 'phone':
    case 'payment_card':
      return value.replace(/\D/g, '');
    case 'iban':
      return value.replace(/\s/g, '').toUpperCase();
    default:
      return value;
  }
}

/**
 * Compiles redaction options once. Bad options (unknown keys, an invalid or unsafe custom regex)
 * throw `ThreadlineError` `VALIDATION` naming the path, e.g. `customPatterns[0].pattern`.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ style: 'mask', keepLast: 4, detectors: ['payment_card'] });
 * redactor.redact('card 4111 1111 1111 1111').text; // 'card **** **** **** 1111'
 * ```
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const parsed = RedactOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw validationError(
      'redaction options',
      parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
        code: i.code,
      })),
    );
  }
  const opts = parsed.data;
  const issues: ValidationIssue[] = [];
  const compiled: { pattern: CompiledPattern; label: string }[] = [];
  opts.customPatterns.forEach((spec, i) => {
    const c = compilePattern(spec, ['customPatterns', i], issues);
    if (c) compiled.push({ pattern: c, label: spec.label ?? spec.name.toUpperCase() });
  });
  if (issues.length > 0) throw validationError('redaction options', issues);
  const detectors = [...new Set(opts.detectors ?? BUILTIN_DETECTORS)].map((d) => DETECTORS[d]);
  const labels: Record<PiiKind, string> = { ...DEFAULT_LABELS, ...opts.labels };
  const customLabels = new Map(compiled.map((c) => [c.pattern.name, c.label]));

  const replacementFor = (d: Detection, value: string): string => {
    const label = d.kind === 'custom' ? (customLabels.get(d.pattern ?? '') ?? labels.custom) : labels[d.kind];
    if (opts.style === 'label') return `[${label}]`;
    if (opts.style === 'hash') {
      return `[${label}:${hmacSha256Hex(opts.hashKey, canonical(d.kind, value)).slice(0, opts.hashLength)}]`;
    }
    // Mask letters and digits, keep punctuation so the shape stays readable.
    let visible = opts.keepLast;
    const chars = value.split('');
    for (let i = chars.length - 1; i >= 0; i--) {
      const c = chars[i]!.charCodeAt(0);
      if (isDigit(c) || isLetter(c)) {
        if (visible > 0) visible--;
        else chars[i] = opts.maskChar;
      }
    }
    return chars.join('');
  };

  const detect = (text: string): RedactionSpan[] => {
    if (typeof text !== 'string') {
      throw validationError('text', [{ path: ['text'], message: 'expected a string', code: 'invalid_type' }]);
    }
    const found: Detection[] = [];
    for (const c of compiled) detectCustom(text, c.pattern, found);
    for (const d of detectors) d(text, found);
    return resolveOverlaps(found).map((d) => {
      const value = text.slice(d.start, d.end);
      const span: RedactionSpan = {
        kind: d.kind,
        start: d.start,
        end: d.end,
        replacement: replacementFor(d, value),
      };
      if (d.pattern !== undefined) span.pattern = d.pattern;
      if (opts.includeValues) span.value = value;
      return span;
    });
  };

  return {
    detect,
    redact(text: string): RedactResult {
      const spans = detect(text);
      if (spans.length === 0) return { text, spans };
      const parts: string[] = [];
      let at = 0;
      for (const s of spans) {
        parts.push(text.slice(at, s.start), s.replacement);
        at = s.end;
      }
      parts.push(text.slice(at));
      return { text: parts.join(''), spans };
    },
  };
}

const cache = new WeakMap<object, Redactor>();
let defaultRedactor: Redactor | undefined;

/**
 * Redacts personal data from `text`: e-mail addresses, phone numbers (international and common
 * national formats), payment card numbers (issuer prefix + Luhn checked), IBANs (mod-97
 * checked) and custom patterns. Returns the redacted text and typed spans. Runs in time linear
 * in the text length for the built-in detectors. Options objects are compiled once and cached,
 * so reuse the same object (or {@link createRedactor}) in hot loops.
 *
 * @example
 * ```ts
 * const { text, spans } = redact('Mail jane@example.com or call +44 20 7946 0958');
 * // text: 'Mail [EMAIL] or call [PHONE]'
 * // spans: [{ kind: 'email', start: 5, end: 21, replacement: '[EMAIL]' }, { kind: 'phone', ... }]
 * ```
 */
export function redact(text: string, options?: RedactOptions): RedactResult {
  if (options === undefined) {
    defaultRedactor ??= createRedactor();
    return defaultRedactor.redact(text);
  }
  if (typeof options !== 'object' || options === null) return createRedactor(options).redact(text);
  let r = cache.get(options);
  if (r === undefined) {
    r = createRedactor(options);
    cache.set(options, r);
  }
  return r.redact(text);
}

export type { BuiltinDetector, PiiKind } from './detectors/types.js';
