// The HTML report: one self-contained file that works offline. ECharts is read from node_modules
// when the report is written and inlined; the chart options and the report data travel as JSON.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { DayReport } from '@threadline/testing';
import { chartSpecs } from './charts.js';
import { drillDownTables, escapeHtml } from './tables.js';
import { describeText } from './text.js';

/** The file name of the HTML report inside the output folder. */
export const REPORT_FILE = 'report.html';

let echartsSource: string | undefined;

/** The minified ECharts bundle from node_modules (read once). */
function echarts(): string {
  if (echartsSource === undefined) {
    // `echarts` resolves (require condition) to dist/echarts.js; the minified build sits beside it.
    const main = createRequire(import.meta.url).resolve('echarts');
    const source = readFileSync(join(dirname(main), 'echarts.min.js'), 'utf8');
    // Inlined in a <script> element, the bundle must not close it early.
    if (/<\/script/i.test(source)) throw new Error('echarts.min.js contains "</script"; cannot inline it');
    echartsSource = source;
  }
  return echartsSource;
}

/** JSON safe inside a <script> element (no `<`, so no `</script>` and no `<!--`). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const STYLE = `
  :root { color-scheme: light; --ink: #2d3436; --muted: #636e72; --line: #dfe6e9; }
  body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--ink); background: #f5f6fa; }
  header { padding: 20px 28px 8px; }
  h1 { margin: 0 0 4px; font-size: 22px; }
  header p { margin: 0; color: var(--muted); }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(136px, 1fr)); gap: 10px; padding: 12px 28px; }
  .tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .tile b { display: block; font-size: 20px; }
  .tile span { color: var(--muted); font-size: 12px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 14px; padding: 8px 28px; }
  .chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .chart h2 { margin: 0; font-size: 15px; }
  .chart p { margin: 2px 0 6px; color: var(--muted); font-size: 12px; }
  .plot { height: 300px; }
  .tables { padding: 8px 28px 28px; }
  details { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; padding: 8px 12px; }
  summary { cursor: pointer; font-weight: 600; }
  table { border-collapse: collapse; margin: 8px 0; font-size: 12px; }
  th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

/** The page's own script: one ECharts instance (SVG renderer) per chart container. */
const BOOT = `
  const specs = JSON.parse(document.getElementById('chart-options').textContent);
  for (const spec of specs) {
    const chart = echarts.init(document.getElementById('chart-' + spec.id), null, { renderer: 'svg' });
    chart.setOption(spec.option);
    window.addEventListener('resize', () => chart.resize());
  }
  document.body.dataset.charts = String(specs.length);
`;

function tiles(r: DayReport): string {
  const pct = (x: number | null | undefined) =>
    x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`;
  const voice = r.channels.find((c) => c.channel === 'voice');
  const tail = r.insights.spikes.filter((s) => s.detectors.includes('tail'));
  const list: [string, string][] = [
    [r.setup.interactions.toLocaleString('en-US'), 'interactions'],
    [`${r.setup.agents - r.setup.bots} + ${r.setup.bots}`, 'people + bots'],
    [pct(voice?.serviceLevel), 'voice service level (20 s)'],
    [
      voice?.asaSeconds === null || voice === undefined ? '—' : `${voice.asaSeconds.toFixed(0)} s`,
      'voice ASA',
    ],
    [r.outcomes.contained.toLocaleString('en-US'), 'resolved by bots'],
    [r.outcomes.abandoned.toLocaleString('en-US'), 'abandoned'],
    [pct(r.cases.attainment['first_reply']), 'first-reply SLA met'],
    [pct(r.insights.csat), 'CSAT'],
    [
      String(tail.length),
      tail.length === 0
        ? 'spikes (tail test)'
        : `spikes: ${tail.map((s) => `${s.topic} ${s.window}`).join(', ')}`,
    ],
  ];
  return list
    .map(
      ([value, label]) =>
        `<div class="tile"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`,
    )
    .join('');
}

/**
 * The report as one self-contained HTML page (charts inline, no network needed).
 *
 * @example
 * ```ts
 * const html = renderHtmlReport(buildReport(await simulateDay({ agents: 20, interactions: 500 })));
 * ```
 */
export function renderHtmlReport(report: DayReport): string {
  const specs = chartSpecs(report);
  const s = report.setup;
  const title = `Threadline contact center — ${s.date}`;
  const charts = specs
    .map(
      (c) =>
        `<section class="chart" data-chart="${escapeHtml(c.id)}"><h2>${escapeHtml(c.title)}</h2>` +
        `<p>${escapeHtml(c.note)}</p><div class="plot" id="chart-${escapeHtml(c.id)}"></div></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(
    `A simulated day in ${s.timeZone}, seed ${s.seed}: ${s.agents} agents (${s.bots} bots), ` +
      `${s.interactions.toLocaleString('en-US')} interactions, customer text: ${describeText(s.text)}; ` +
      `last contact ended ${s.lastContactEnded}.`,
  )}</p>
</header>
<div class="tiles">${tiles(report)}</div>
<main class="charts">
${charts}
</main>
<div class="tables">
${drillDownTables(report)}
</div>
<script type="application/json" id="report-data">${scriptJson(report)}</script>
<script type="application/json" id="chart-options">${scriptJson(specs)}</script>
<script>${echarts()}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}

/** Writes `report.html` into `dir` (created when missing) and returns its absolute path. */
export function writeHtmlReport(report: DayReport, dir: string): string {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, REPORT_FILE);
  writeFileSync(path, renderHtmlReport(report));
  return path;
}
