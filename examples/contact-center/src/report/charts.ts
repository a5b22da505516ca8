// The report's charts as ECharts options: plain JSON built here from the report data (no
// functions), so the HTML page only has to hand each one to `echarts.init(...).setOption(...)`.

import { CHANNELS, type DayReport, REPORTED_METRICS, TOPICS, WAIT_BUCKETS } from '@threadline/testing';
import type { EChartsOption } from 'echarts';
import { outageChart } from './outage.js';

/** One chart of the page: where it goes, what it shows, and its ECharts option. */
export interface ChartSpec {
  id: string;
  title: string;
  /** One or two sentences under the title: what is plotted and how to read it. */
  note: string;
  option: EChartsOption;
}

const COLORS = { voice: '#3867d6', chat: '#20bf6b', email: '#f7b731' } as const;
const TOPIC_COLORS = ['#eb3b5a', '#4b7bec', '#26de81', '#a55eea', '#778ca3'];
const pct = (x: number | null) => (x === null ? null : Number((x * 100).toFixed(1)));

/** What every chart shares: no animation (the page is a document), a legend, axis tooltips. */
function base(extra: EChartsOption): EChartsOption {
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    grid: { left: 56, right: 56, top: 40, bottom: 36 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    ...extra,
  };
}

function arrivalsAndStaffing(r: DayReport): ChartSpec {
  const hours = r.hours.map((h) => h.hour);
  // Interval starts are HH:MM; an interval belongs to the hour row whose label it shares.
  const hourOf = (start: string) => hours.findLastIndex((h) => h <= start);
  const perHour = (c: (typeof CHANNELS)[number]) => {
    const out = hours.map(() => 0);
    for (const i of r.intervals) {
      const k = hourOf(i.start);
      if (k >= 0) out[k] = (out[k] as number) + i.arrivals[c];
    }
    return out;
  };
  return {
    id: 'arrivals-staffing',
    title: 'Arrivals and voice staffing by hour',
    note: 'Bars: contacts arriving per hour by channel. Lines: agents the Erlang A model requires for 80 % of calls answered in 20 s, against voice-capable people on shift.',
    option: base({
      xAxis: { type: 'category', data: hours },
      yAxis: [
        { type: 'value', name: 'contacts' },
        { type: 'value', name: 'agents', splitLine: { show: false } },
      ],
      series: [
        ...CHANNELS.map((c) => ({
          name: c,
          type: 'bar' as const,
          stack: 'arrivals',
          color: COLORS[c],
          data: perHour(c),
        })),
        {
          name: 'required (Erlang A)',
          type: 'line',
          step: 'middle',
          showSymbol: false,
          yAxisIndex: 1,
          color: '#eb3b5a',
          data: r.hours.map((h) => h.voiceRequired),
        },
        {
          name: 'on shift (voice)',
          type: 'line',
          step: 'middle',
          showSymbol: false,
          yAxisIndex: 1,
          color: '#2d3436',
          lineStyle: { type: 'dashed' },
          data: r.hours.map((h) => h.voiceOnShift),
        },
      ],
    }),
  };
}

function serviceLevel(r: DayReport): ChartSpec {
  return {
    id: 'service-level',
    title: 'Service level over the day',
    note: 'Share of contacts offered to people in each 15-minute interval that were answered within the channel’s threshold (voice 20 s, chat 60 s, email 4 h; abandons under 5 s ignored).',
    option: base({
      xAxis: { type: 'category', data: r.intervals.map((i) => i.start) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %' } },
      series: CHANNELS.map((c) => ({
        name: c,
        type: 'line' as const,
        color: COLORS[c],
        connectNulls: true,
        showSymbol: false,
        data: r.intervals.map((i) => pct(i.serviceLevel[c])),
      })),
    }),
  };
}

function asa(r: DayReport): ChartSpec {
  const minutes = (s: number | null) => (s === null ? null : Number((s / 60).toFixed(1)));
  return {
    id: 'asa',
    title: 'Average speed of answer over the day',
    note: 'Mean wait of the contacts offered in each 15-minute interval. Voice and chat in seconds (left), email in minutes (right).',
    option: base({
      xAxis: { type: 'category', data: r.intervals.map((i) => i.start) },
      yAxis: [
        { type: 'value', name: 'seconds' },
        { type: 'value', name: 'minutes', splitLine: { show: false } },
      ],
      series: CHANNELS.map((c) => ({
        name: c === 'email' ? 'email (min)' : `${c} (s)`,
        type: 'line' as const,
        color: COLORS[c],
        connectNulls: true,
        showSymbol: false,
        yAxisIndex: c === 'email' ? 1 : 0,
        data: r.intervals.map((i) => (c === 'email' ? minutes(i.asaSeconds[c]) : i.asaSeconds[c])),
      })),
    }),
  };
}

function slaAttainment(r: DayReport): ChartSpec {
  return {
    id: 'sla-attainment',
    title: 'SLA attainment by metric',
    note: 'Metric instances achieved by their due time (open ones past due count as missed), per channel the case was opened on and overall.',
    option: base({
      xAxis: { type: 'category', data: [...REPORTED_METRICS] },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %' } },
      series: [
        ...CHANNELS.map((c) => ({
          name: c,
          type: 'bar' as const,
          color: COLORS[c],
          data: REPORTED_METRICS.map((m) => pct(r.cases.attainmentByChannel[m]?.[c] ?? null)),
        })),
        {
          name: 'all',
          type: 'bar',
          color: '#4b6584',
          label: { show: true, position: 'top', formatter: '{c} %' },
          data: REPORTED_METRICS.map((m) => pct(r.cases.attainment[m] ?? null)),
        },
      ],
    }),
  };
}

function sentiment(r: DayReport): ChartSpec {
  const labels = [
    ['negative', '#eb3b5a'],
    ['neutral', '#a5b1c2'],
    ['positive', '#20bf6b'],
  ] as const;
  return {
    id: 'sentiment',
    title: 'Sentiment over the day',
    note: 'First messages of each 15-minute interval by sentiment label (areas, left) and their mean score from −1 to 1 (line, right).',
    option: base({
      xAxis: { type: 'category', data: r.intervals.map((i) => i.start) },
      yAxis: [
        { type: 'value', name: 'contacts' },
        { type: 'value', name: 'mean score', min: -1, max: 1, splitLine: { show: false } },
      ],
      series: [
        ...labels.map(([label, color]) => ({
          name: label,
          type: 'line' as const,
          stack: 'sentiment',
          areaStyle: {},
          showSymbol: false,
          color,
          data: r.intervals.map((i) => i.sentiment[label]),
        })),
        {
          name: 'mean score',
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          connectNulls: true,
          color: '#2d3436',
          data: r.intervals.map((i) => i.sentiment.mean),
        },
      ],
    }),
  };
}

function topics(r: DayReport): ChartSpec {
  const starts = r.intervals.map((i) => i.start);
  // Only the tail test's alarms are spikes; EWMA/CUSUM alarms are drift warnings (in the table).
  const spikes = r.insights.spikes.filter((s) => s.detectors.includes('tail'));
  const slotOf = (hhmm: string) => starts.findLast((s) => s <= hhmm) ?? starts[0];
  // A window is plotted at its start; its band runs to the next interval's start.
  const nextOf = (hhmm: string) => starts[Math.min(starts.length - 1, starts.indexOf(hhmm) + 1)];
  return {
    id: 'topics',
    title: 'Topic volumes, spikes and when they were detected',
    note: 'Contacts per 15 minutes by detected topic. Shaded: windows the spike detector flagged (tail test against the seasonal baseline); the vertical line marks when it raised the signal.',
    option: base({
      xAxis: { type: 'category', data: starts },
      yAxis: { type: 'value', name: 'contacts' },
      series: TOPICS.map((t, k) => {
        const own = spikes.filter((s) => s.topic === t);
        return {
          name: t,
          type: 'line' as const,
          showSymbol: false,
          color: TOPIC_COLORS[k] as string,
          data: r.intervals.map((i) => i.topics[t]),
          ...(own.length === 0
            ? {}
            : {
                markArea: {
                  itemStyle: { color: 'rgba(235, 59, 90, 0.15)' },
                  label: { show: false },
                  data: own.map((s) => [
                    { name: `${t} spike: ${s.count} vs ~${s.expected}`, xAxis: s.window },
                    { xAxis: nextOf(s.window) },
                  ]),
                },
                markLine: {
                  symbol: 'none',
                  lineStyle: { color: '#eb3b5a', type: 'solid' },
                  label: { formatter: '{b}', position: 'insideEndTop', fontSize: 10 },
                  data: own.map((s) => ({
                    name: `${t} detected ${s.detectedAt}`,
                    xAxis: slotOf(s.detectedAt),
                  })),
                },
              }),
        };
      }),
    }),
  };
}

function waits(r: DayReport): ChartSpec {
  return {
    id: 'waits',
    title: 'Queue waits',
    note: 'How long contacts offered to people waited before an agent answered, as a share of each channel’s offered contacts; the last column is those who gave up.',
    option: base({
      xAxis: { type: 'category', data: [...WAIT_BUCKETS], axisLabel: { interval: 0 } },
      yAxis: { type: 'value', axisLabel: { formatter: '{value} %' } },
      series: CHANNELS.map((c) => {
        const counts = r.waits[c];
        const total = WAIT_BUCKETS.reduce((s, b) => s + counts[b], 0);
        return {
          name: c,
          type: 'bar' as const,
          color: COLORS[c],
          data: WAIT_BUCKETS.map((b) => (total === 0 ? 0 : pct(counts[b] / total))),
        };
      }),
    }),
  };
}

/** Every chart of the HTML report, in page order. */
export function chartSpecs(report: DayReport): ChartSpec[] {
  const outage = outageChart(report);
  return [
    arrivalsAndStaffing(report),
    serviceLevel(report),
    asa(report),
    slaAttainment(report),
    sentiment(report),
    topics(report),
    waits(report),
    ...(outage === undefined ? [] : [outage]),
  ];
}
