import type { CaseEngine } from '../engine.js';

/** The case-engine commands that run in a span and count in `threadline.commands` (with `telemetry`). */
export const CASE_COMMANDS = [
  'openCase',
  'transition',
  'reopen',
  'assign',
  'setPriority',
  'update',
  'recordMessage',
  'merge',
  'linkFollowUp',
  'acknowledgeEscalation',
  'advanceTo',
  'recompute',
  'updateRules',
  'flush',
  'recover',
  'loadCase',
  'load',
] as const satisfies readonly (keyof CaseEngine)[];
