// The HTML report's drill-down tables: every figure behind the charts, and the contacts and SLA
// breaches behind the aggregates, as plain HTML tables (escaped; no script needed to read them).

import type { DayReport } from '@threadline/testing';
import { CHANNELS, REPORTED_METRICS, SL_THRESHOLD_S } from '@threadline/testing';
import { outageRows } from './outage.js';

type Cell = string | number | null;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const pct = (x: number | null) => (x === null ? null : `${(x * 100).toFixed(1)} %`);
const sec = (x: number | null) => (x === null ? null : `${x.toFixed(0)} s`);
const duration = (s: number) =>
  s < 120 ? `${s} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;

/** One table: a header row and body rows; numbers right-aligned; `null` shows as a dash. */
function table(headers: string[], rows: Cell[][]): string {
  const cell = (c: Cell, tag: 'td' | 'th') =>
    `<${tag}${typeof c === 'number' ? ' class="num"' : ''}>${c === null ? '—' : escapeHtml(typeof c === 'number' ? c.toLocaleString('en-US') : c)}</${tag}>`;
  return `<table><thead><tr>${headers.map((h) => cell(h, 'th')).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A collapsible section holding one table; `open` shows it unfolded. */
function section(id: string, title: string, body: string, open = false): string {
  return `<details id="table-${id}"${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary>${body}</details>`;
}

/** Every drill-down table of the report, in page order. */
export function drillDownTables(r: DayReport): string {
  return [
    section(
      'channels',
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
          'abandonment',
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
      true,
    ),
    section(
      'hours',
      'Intraday by hour (voice staffing: Erlang A for 80 % in 20 s)',
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
    ),
    section(
      'intervals',
      'Every 15 minutes',
      table(
        [
          'start',
          ...CHANNELS.map((c) => `${c} in`),
          ...CHANNELS.map((c) => `${c} SL`),
          'negative',
          'mean sentiment',
        ],
        r.intervals.map((i) => [
          i.start,
          ...CHANNELS.map((c) => i.arrivals[c]),
          ...CHANNELS.map((c) => pct(i.serviceLevel[c])),
          i.sentiment.negative,
          i.sentiment.mean,
        ]),
      ),
    ),
    section(
      'sla',
      'SLA attainment by metric and channel',
      table(
        ['metric', ...CHANNELS, 'all'],
        REPORTED_METRICS.map((m) => [
          m,
          ...CHANNELS.map((c) => pct(r.cases.attainmentByChannel[m]?.[c] ?? null)),
          pct(r.cases.attainment[m] ?? null),
        ]),
      ) +
        `<p>${r.cases.opened.toLocaleString('en-US')} cases (${r.cases.reopened} reopened, ${r.cases.stillOpen} open at the end), ` +
        `${r.cases.breachedMetricInstances} metric instances breached in ${r.cases.casesWithBreach} cases, ` +
        `${r.cases.atRiskWarnings} at-risk warnings, ${r.cases.ladderEscalations} ladder escalations, ${r.cases.teamEscalations} team escalations.</p>`,
      true,
    ),
    section(
      'breaches',
      `SLA breaches (first ${r.drillDown.breaches.length} of ${r.cases.breachedMetricInstances})`,
      table(
        ['case', 'metric', 'channel', 'topic', 'due', 'achieved late'],
        r.drillDown.breaches.map((b) => [
          b.caseId,
          b.metric,
          b.channel,
          b.topic,
          b.due,
          b.achieved ?? 'still open',
        ]),
      ),
    ),
    section(
      'waits',
      `Longest waits (top ${r.drillDown.longestWaits.length})`,
      table(
        ['contact', 'channel', 'topic', 'offered', 'waited', 'outcome', 'agent'],
        r.drillDown.longestWaits.map((w) => [
          w.id,
          w.channel,
          w.topic,
          w.offered,
          duration(w.waitSeconds),
          w.outcome,
          w.agentId,
        ]),
      ),
    ),
    section(
      'spikes',
      'Spike and drift signals',
      table(
        ['topic', 'window', 'detected', 'count', 'expected', 'detectors'],
        r.insights.spikes.map((s) => [
          s.topic,
          s.window,
          s.detectedAt,
          s.count,
          s.expected,
          s.detectors.join(', '),
        ]),
      ),
      true,
    ),
    section(
      'topics',
      'Topics and the classifier',
      table(
        ['topic (ground truth)', 'contacts', 'classifier agrees'],
        Object.entries(r.insights.topics).map(([t, v]) => [
          t,
          v.contacts,
          pct(v.contacts === 0 ? null : v.detectedRight / v.contacts),
        ]),
      ),
    ),
    section(
      'routing',
      'Routing, bots, identity and QA',
      table(
        ['figure', 'value'],
        [
          ['offers', r.routing.offers],
          ['missed offers (re-routed)', r.routing.rejected],
          ['rescinded offers', r.routing.rescinded],
          ...Object.entries(r.routing.handoffs).map(([k, v]): Cell[] => [`bot → people handoffs: ${k}`, v]),
          ['handed-off contacts answered by people', r.routing.handedOffAnswered],
          ['handoff packets that arrived with the task', r.routing.handoffPacketsReceived],
          ['capacity violations', r.routing.capacityViolations],
          ['customers created / matched', `${r.identity.customersCreated} / ${r.identity.matched}`],
          ['people behind the contacts', r.identity.persons],
          ['customers on 2+ channels', r.identity.crossChannelCustomers],
          ['QA: sampled of considered', `${r.qa.sampled} of ${r.qa.considered}`],
          ['QA: pass rate, mean score', `${pct(r.qa.passRate) ?? '—'}, ${r.qa.meanScore ?? '—'}`],
          [
            'customer health green / yellow / red',
            `${r.insights.health.green} / ${r.insights.health.yellow} / ${r.insights.health.red}`,
          ],
          [
            'CSAT, FCR (4 h), occupancy',
            `${pct(r.insights.csat) ?? '—'}, ${pct(r.insights.fcr) ?? '—'}, ${pct(r.insights.occupancy) ?? '—'}`,
          ],
        ],
      ),
    ),
    ...(r.outage === null
      ? []
      : [section('outage', 'Outage journey', table(['figure', 'value'], outageRows(r)))]),
    section(
      'events',
      'Events on the bus',
      table(
        ['event type', 'count'],
        Object.entries(r.busEvents).map(([k, v]) => [k, v]),
      ),
    ),
  ].join('\n');
}
