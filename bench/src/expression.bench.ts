// Rule language: compile cost and compiled evaluation throughput (target ≥ 10M evaluations/s for
// a 3-clause expression), against a hand-written JavaScript predicate as the ceiling.
import { compileExpression, createExpressionCache } from '@threadline/core';
import { fmt, opsPerSecond, table } from './util.js';

const THREE_CLAUSES = 'task.language == "fr" AND task.priority > 5 AND worker.skills.billing >= 3';
const MEMBERSHIP =
  '"vip" IN task.tags AND task.channel IN ["chat", "voice"] AND worker.id NOT IN task.excluded';
const WIDE = `(${THREE_CLAUSES}) OR (task.subject CONTAINS "refund" AND NOT task.vip) OR task.tags[0] == "urgent"`;

// A small rotating set of contexts so the branch outcomes vary (roughly half match).
const languages = ['fr', 'de', 'fr', 'en'];
const contexts = Array.from({ length: 64 }, (_, i) => ({
  task: {
    language: languages[i % 4],
    priority: i % 10,
    channel: i % 3 === 0 ? 'email' : 'chat',
    tags: i % 2 === 0 ? ['vip', 'billing'] : ['billing'],
    excluded: ['w9'],
    subject: i % 5 === 0 ? 'refund please' : 'question',
    vip: i % 7 === 0,
  },
  worker: { id: `w${i % 10}`, skills: { billing: i % 6, sales: 2 } },
}));
const mask = contexts.length - 1;

type Ctx = (typeof contexts)[number];
const handWritten = (c: Ctx): boolean =>
  c.task.language === 'fr' && c.task.priority > 5 && c.worker.skills.billing >= 3;

function evalRate(source: string): { ops: number; matches: number } {
  const rule = compileExpression(source);
  let matches = 0;
  for (const c of contexts) if (rule.evaluate(c)) matches++;
  const ops = opsPerSecond((i) => rule.evaluate(contexts[i & mask]), 1500, 10_000);
  return { ops, matches };
}

const three = evalRate(THREE_CLAUSES);
// Every context matches, so all three clauses run on every evaluation (no short-circuit).
const allMatch = Array.from({ length: 64 }, (_, i) => ({
  task: { language: 'fr', priority: 6 + (i % 4), tags: [] },
  worker: { id: `w${i}`, skills: { billing: 3 + (i % 3) } },
}));
const fullRule = compileExpression(THREE_CLAUSES);
if (!allMatch.every((c) => fullRule.evaluate(c))) throw new Error('all-match contexts do not match');
const full = opsPerSecond((i) => fullRule.evaluate(allMatch[i & mask]), 1500, 10_000);
const membership = evalRate(MEMBERSHIP);
const wide = evalRate(WIDE);
const baseline = opsPerSecond((i) => handWritten(contexts[i & mask] as Ctx), 1500, 10_000);

let n = 0;
const compileOps = opsPerSecond(
  () => compileExpression(`${THREE_CLAUSES} AND task.priority != ${n++ % 1000}`),
  1000,
  100,
);
const cache = createExpressionCache();
const cachedOps = opsPerSecond((i) => cache.compile(i % 2 === 0 ? THREE_CLAUSES : WIDE), 1000, 1000);

table(
  ['operation', 'ops/s', 'note'],
  [
    [
      'evaluate: 3 clauses (== AND > AND >=)',
      fmt(three.ops),
      `${three.matches}/64 contexts match; target ≥ 10,000,000`,
    ],
    ['evaluate: 3 clauses, every clause runs', fmt(full), '64/64 match; target ≥ 10,000,000'],
    ['evaluate: IN / IN array literal / NOT IN', fmt(membership.ops), `${membership.matches}/64 match`],
    ['evaluate: 7 clauses with OR, NOT, CONTAINS, [i]', fmt(wide.ops), `${wide.matches}/64 match`],
    ['hand-written JS predicate (same 3 clauses)', fmt(baseline), 'ceiling'],
    ['compileExpression (4 clauses, distinct sources)', fmt(compileOps), 'parse + compile'],
    ['createExpressionCache().compile (hit)', fmt(cachedOps), ''],
  ],
);
if (Math.min(three.ops, full) < 10_000_000)
  console.log(`\nbelow target: ${fmt(Math.min(three.ops, full))} < 10,000,000 evaluations/s`);
