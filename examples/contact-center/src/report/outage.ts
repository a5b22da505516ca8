// The outage journey in the report: a chart (contact rate after the notice, treatment against
// holdout), a drill-down table, and the lines of the terminal summary.
import { type DayReport, OUTAGE_WINDOW_HOURS } from '@threadline/testing';
import type { ChartSpec } from './charts.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const pp = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} pp`;

/** One sentence: the measured difference with its interval, or why there is none. */
export function outageVerdict(r: DayReport): string {
  const o = r.outage;
  if (o === null) return 'outage journey off';
  const d = o.deflection;
  if (d.difference === null || d.interval === null)
    return `not measurable (treatment ${d.treatment.customers}, holdout ${d.holdout.customers} customers)`;
  return (
    `${pct(d.treatment.rate)} of notified customers contacted about the topic within ${d.windowHours} h vs ` +
    `${pct(d.holdout.rate)} of the holdout: ${pp(d.difference)} (95 % CI ${pp(d.interval[0])} to ${pp(d.interval[1])}, ` +
    `p ${d.pValue ?? '—'}${d.significant ? ', significant' : ', not significant'}); ` +
    `≈ ${d.deflectedContacts ?? '—'} contacts avoided`
  );
}

/** The chart: contact rate and contacts per customer, treatment vs holdout (absent when off). */
export function outageChart(r: DayReport): ChartSpec | undefined {
  const o = r.outage;
  if (o === null) return undefined;
  const d = o.deflection;
  const value = (x: number | null) => (x === null ? null : Number((x * 100).toFixed(1)));
  return {
    id: 'outage',
    title: 'Outage notice: contacts after it, against the holdout',
    note:
      `Customers who contacted about the outage's topic within ${OUTAGE_WINDOW_HOURS} h of the spike alert, ` +
      `notified (treatment, ${d.treatment.customers}) vs held out (${d.holdout.customers}). ${outageVerdict(r)}.`,
    option: {
      animation: false,
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      grid: { left: 56, right: 56, top: 40, bottom: 36 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: ['notified (treatment)', 'held out (holdout)'] },
      yAxis: [
        { type: 'value', name: 'contacted', axisLabel: { formatter: '{value} %' } },
        { type: 'value', name: 'contacts per 100', splitLine: { show: false } },
      ],
      series: [
        {
          name: 'customers who contacted (%)',
          type: 'bar',
          color: '#eb3b5a',
          data: [value(d.treatment.rate), value(d.holdout.rate)],
        },
        {
          name: 'contacts per 100 customers',
          type: 'bar',
          yAxisIndex: 1,
          color: '#778ca3',
          data: [value(d.treatment.contactsPerCustomer), value(d.holdout.contactsPerCustomer)],
        },
      ],
    },
  };
}

/** The terminal summary's lines (empty when the journey is off). */
export function outageLines(r: DayReport): string[] {
  const o = r.outage;
  if (o === null) return [];
  const alerts = o.alerts.map((a) => `${a.topic} ${a.at} (${a.affected})`).join(', ');
  return [
    '',
    'Outage journey (spike alert → proactive notice, 10 % holdout)',
    `  alerts: ${alerts || 'none'}; entered ${o.entered.treatment} notified + ${o.entered.holdout} held out`,
    `  sent: ${o.sent.notice} notices, ${o.sent.update} updates (${Object.entries(o.sent.byChannel)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}); passed over: ${
      Object.entries(o.skipped)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }; no channel left ${o.sendFailed}; ended by restoration ${o.restored}`,
    `  deflection: ${outageVerdict(r)}`,
    `  (model: a notified customer skips a later contact about the topic with probability ${o.model.deflectionProbability}; ` +
      `it removed ${o.model.deflectedContacts} contacts — the measurement above reads contacts only)`,
  ];
}

/** The drill-down rows: [label, value]. */
export function outageRows(r: DayReport): [string, string | number][] {
  const o = r.outage;
  if (o === null) return [];
  const d = o.deflection;
  return [
    ['alerts', o.alerts.map((a) => `${a.topic} ${a.at} (${a.affected} affected)`).join(', ') || 'none'],
    ['entered: notified / held out', `${o.entered.treatment} / ${o.entered.holdout}`],
    ['notices, updates sent', `${o.sent.notice}, ${o.sent.update}`],
    [
      'messages by channel',
      Object.entries(o.sent.byChannel)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    [
      'channels passed over',
      Object.entries(o.skipped)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    ],
    ['no channel left', o.sendFailed],
    ['ended by restoration (goal)', o.restored],
    [
      `contacted within ${d.windowHours} h: notified`,
      `${d.treatment.contacted} of ${d.treatment.customers} (${pct(d.treatment.rate)})`,
    ],
    [
      `contacted within ${d.windowHours} h: held out`,
      `${d.holdout.contacted} of ${d.holdout.customers} (${pct(d.holdout.rate)})`,
    ],
    ['difference (95 % CI), p', outageVerdict(r)],
    ['customers still in their window at the end (left out)', d.pending],
    [
      'model (input, not measured)',
      `deflection probability ${o.model.deflectionProbability}, ${o.model.deflectedContacts} contacts removed`,
    ],
  ];
}
