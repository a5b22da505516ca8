// The report as text for the terminal: a few tables, in reading order.
import type { DayReport } from '@threadline/testing';
import { SL_THRESHOLD_S } from '@threadline/testing';
import { outageLines } from './outage.js';

function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '—' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const pct = (x: number | null) => (x === null ? null : `${(x * 100).toFixed(1)}%`);
const sec = (x: number | null) => (x === null ? null : `${x.toFixed(0)}s`);

/** The report as text: a few tables, in reading order. */
export function formatReport(r: DayReport): string {
  const out: string[] = [];
  const tail = r.insights.spikes.filter((s) => s.detectors.includes('tail'));
  out.push(
    `Threadline contact center — simulated day ${r.setup.date} (${r.setup.timeZone}), seed ${r.setup.seed}`,
    `${r.setup.agents} agents (${r.setup.bots} bots), ${r.setup.interactions.toLocaleString('en-US')} interactions, ` +
      `customer text: ${describeText(r.setup.text)}, ` +
      `last contact ended ${r.setup.lastContactEnded}`,
    '',
    `Outcomes: ${r.outcomes.completed} handled by people, ${r.outcomes.contained} resolved by bots, ` +
      `${r.outcomes.abandoned} abandoned, ${r.outcomes.carried_over} carried over`,
    '',
    'Channels',
    table(
      [
        'channel',
        'arrived',
        'bot-solved',
        'handed off',
        'to people',
        'answered',
        'abandoned',
        'SL',
        'ASA',
        'AHT',
        'aband.',
      ],
      r.channels.map((c) => [
        `${c.channel} (SL ${c.channel === 'email' ? '4 h' : `${SL_THRESHOLD_S[c.channel]} s`})`,
        c.arrived,
        c.botContained,
        c.handedOff,
        c.offeredToPeople,
        c.answered,
        c.abandoned,
        pct(c.serviceLevel),
        sec(c.asaSeconds),
        sec(c.ahtSeconds),
        pct(c.abandonment),
      ]),
    ),
    '',
    'Intraday (voice staffing: Erlang A for 80% in 20 s vs voice-capable agents on shift)',
    table(
      [
        'hour',
        'arrivals',
        'calls',
        'voice SL',
        'voice ASA',
        'workload (Erl)',
        'required',
        'on shift',
        'occupancy',
      ],
      r.hours.map((h) => [
        h.hour,
        h.arrivals,
        h.voiceCalls,
        pct(h.voiceServiceLevel),
        sec(h.voiceAsaSeconds),
        h.voiceWorkload,
        h.voiceRequired,
        h.voiceOnShift,
        pct(h.occupancy),
      ]),
    ),
    '',
    'Cases and SLAs',
    table(
      [
        'cases',
        'reopened',
        'solved',
        'open',
        'SLA breaches',
        'cases breached',
        'at-risk',
        'ladder esc.',
        'team esc.',
        'first reply',
        'resolution',
      ],
      [
        [
          r.cases.opened,
          r.cases.reopened,
          r.cases.solved,
          r.cases.stillOpen,
          `${r.cases.slaBreachedEvents}${r.cases.slaBreachedEvents === r.cases.breachedMetricInstances ? '' : ` (≠ ${r.cases.breachedMetricInstances})`}`,
          r.cases.casesWithBreach,
          r.cases.atRiskWarnings,
          r.cases.ladderEscalations,
          r.cases.teamEscalations,
          pct(r.cases.attainment['first_reply'] ?? null),
          pct(r.cases.attainment['resolution'] ?? null),
        ],
      ],
    ),
    '',
    'Routing and bots',
    `  offers ${r.routing.offers}, missed ${r.routing.rejected}, timed out ${r.routing.offerTimeouts}, rescinded ${r.routing.rescinded}; ` +
      `capacity violations ${r.routing.capacityViolations}`,
    `  handoffs bot → people: ${Object.entries(r.routing.handoffs)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; answered by people ${r.routing.handedOffAnswered}, ` +
      `packet arrived with the task ${r.routing.handoffPacketsReceived}, customer contexts assembled ${r.routing.contextsAssembled}`,
    '',
    'Insights',
    table(
      ['topic', 'contacts', 'classifier agrees'],
      Object.entries(r.insights.topics).map(([t, v]) => [
        t,
        v.contacts,
        pct(v.contacts === 0 ? null : v.detectedRight / v.contacts),
      ]),
    ),
    `  sentiment: ${r.insights.sentiment.negative} negative, ${r.insights.sentiment.neutral} neutral, ${r.insights.sentiment.positive} positive`,
    `  spikes (15-min windows, Poisson/NB tail test, BH-controlled): ${
      tail.length === 0
        ? 'none'
        : tail.map((s) => `${s.topic} ${s.window} (${s.count} vs ~${s.expected})`).join(', ')
    }; ${r.insights.spikes.length - tail.length} more EWMA/CUSUM alarms`,
    `  customer health: ${r.insights.health.green} green, ${r.insights.health.yellow} yellow, ${r.insights.health.red} red (${r.insights.churnSignals} churn-risk signals)`,
    `  CSAT ${pct(r.insights.csat)}, FCR (4 h, same topic) ${pct(r.insights.fcr)}, occupancy ${pct(r.insights.occupancy)}`,
    ...outageLines(r),
    '',
    `Identity: ${r.identity.contacts} contacts from ${r.identity.persons} people → ${r.identity.customersCreated} customers created, ` +
      `${r.identity.matched} matched, ${r.identity.merges} merges (${r.identity.customersAfterMerges} customers after them), ${r.identity.conflicts} conflicts; ${r.identity.crossChannelCustomers} customers used 2+ channels`,
    `QA: ${r.qa.sampled} of ${r.qa.considered} solved cases sampled (${Object.entries(r.qa.byRule)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), ${r.qa.reviewers} reviewers; pass rate ${pct(r.qa.passRate)}, mean score ${r.qa.meanScore ?? '—'}, ` +
      `${r.qa.criticalFailures} critical failures`,
    `Bus events: ${Object.entries(r.busEvents)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return out.join('\n');
}

/** Names where the day's customer text came from (`setup.text` is the text source's kind). */
export function describeText(kind: string): string {
  if (kind === 'corpus') return "the demo's own corpus";
  if (kind === 'generated') return 'generated from templates';
  return kind;
}
