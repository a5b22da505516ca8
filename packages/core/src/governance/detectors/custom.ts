import type { ValidationIssue } from '../../errors.js';
import type { Detection } from './types.js';

/** A compiled caller-supplied pattern. */
export interface CompiledPattern {
  name: string;
  regex: RegExp;
  validate?: (match: string) => boolean;
}

/**
 * Rejects regular expressions that can backtrack catastrophically because a quantified group
 * itself contains an unbounded quantifier (star height > 1, e.g. `(a+)+`, `(\w*\s?)*`). Returns
 * the reason, or `undefined` when the pattern is acceptable. Alternations of overlapping branches
 * under a quantifier (`(a|a)*`) are not detected; keep custom patterns simple.
 */
export function unsafeRegexReason(source: string): string | undefined {
  // Per open group: does it contain an unbounded quantifier?
  const stack: boolean[] = [];
  let lastClosedUnbounded = false;
  let lastWasGroupClose = false;
  let i = 0;
  const n = source.length;
  const markUnbounded = () => {
    if (stack.length > 0) stack[stack.length - 1] = true;
  };
  while (i < n) {
    const c = source[i] as string;
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return 'backreferences are not allowed';
      i += 2;
      lastWasGroupClose = false;
      continue;
    }
    if (c === '[') {
      // Skip a character class (it may contain `]` escaped).
      i++;
      while (i < n && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastWasGroupClose = false;
      continue;
    }
    if (c === '(') {
      stack.push(false);
      i++;
      // Skip `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>` so their `?` is not read as a quantifier.
      if (source[i] === '?') {
        i++;
        if (source[i] === '<' && source[i + 1] !== '=' && source[i + 1] !== '!') {
          while (i < n && source[i] !== '>') i++;
        }
        i++;
      }
      lastWasGroupClose = false;
      continue;
    }
    if (c === ')') {
      const inner = stack.pop() ?? false;
      lastClosedUnbounded = inner;
      if (inner) markUnbounded();
      lastWasGroupClose = true;
      i++;
      continue;
    }
    let unbounded = false;
    let repeats = false;
    if (c === '*' || c === '+') {
      unbounded = true;
      repeats = true;
      i++;
    } else if (c === '{') {
      const m = /^\{(\d*)(,(\d*))?\}/.exec(source.slice(i, i + 24));
      if (m) {
        unbounded = m[2] !== undefined && m[3] === '';
        repeats = unbounded || Number(m[3] ?? m[1]) > 1;
        i += m[0].length;
      } else {
        i++;
      }
    } else {
      i++;
      lastWasGroupClose = false;
      continue;
    }
    if (source[i] === '?' || source[i] === '+') i++;
    if (lastWasGroupClose && repeats && lastClosedUnbounded) {
      return 'nested quantifiers (a repeated group that itself repeats without bound) can backtrack catastrophically';
    }
    if (unbounded) markUnbounded();
    lastWasGroupClose = false;
  }
  return undefined;
}

/** Compiles one custom pattern, returning issues (with paths under `basePath`) instead of throwing. */
export function compilePattern(
  spec: {
    name: string;
    pattern: string | RegExp;
    flags?: string | undefined;
    validate?: ((match: string) => boolean) | undefined;
  },
  basePath: (string | number)[],
  issues: ValidationIssue[],
): CompiledPattern | undefined {
  const source = typeof spec.pattern === 'string' ? spec.pattern : spec.pattern.source;
  let flags = spec.flags ?? (typeof spec.pattern === 'string' ? '' : spec.pattern.flags);
  flags = flags.replace(/[gy]/g, '');
  if (!/^[imsuv]*$/.test(flags) || new Set(flags).size !== flags.length) {
    issues.push({
      path: [...basePath, 'flags'],
      message: `unsupported flags ${JSON.stringify(flags)}`,
      code: 'invalid_flags',
    });
    return undefined;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, `${flags}g`);
  } catch (e) {
    issues.push({
      path: [...basePath, 'pattern'],
      message: `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`,
      code: 'invalid_regex',
    });
    return undefined;
  }
  const unsafe = unsafeRegexReason(source);
  if (unsafe !== undefined) {
    issues.push({ path: [...basePath, 'pattern'], message: unsafe, code: 'unsafe_regex' });
    return undefined;
  }
  regex.lastIndex = 0;
  const empty = regex.exec('');
  regex.lastIndex = 0;
  if (empty !== null) {
    issues.push({
      path: [...basePath, 'pattern'],
      message: 'pattern matches the empty string',
      code: 'empty_match',
    });
    return undefined;
  }
  return spec.validate === undefined
    ? { name: spec.name, regex }
    : { name: spec.name, regex, validate: spec.validate };
}

/** Runs a compiled custom pattern over `text`. */
export function detectCustom(text: string, pattern: CompiledPattern, out: Detection[]): void {
  const { regex } = pattern;
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (m[0].length === 0) {
      regex.lastIndex++;
      continue;
    }
    if (pattern.validate === undefined || pattern.validate(m[0])) {
      out.push({ kind: 'custom', start: m.index, end: m.index + m[0].length, pattern: pattern.name });
    }
  }
}
