// Opens the demo's report.html in real Chromium (Debian's `chromium`, driven by playwright-core)
// and checks that every chart rendered with data, offline, with no console errors; saves the
// screenshot the root README shows (docs/images/report.png).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../../docs/images/report.png', import.meta.url));
/** The charts the page promises, in page order. */
const CHARTS = [
  'arrivals-staffing',
  'service-level',
  'asa',
  'sla-attainment',
  'sentiment',
  'topics',
  'waits',
  'outage',
];

interface ChartCheck {
  id: string;
  svgs: number;
  marks: number;
  series: {
    name: string;
    type: string;
    /** Data points that are neither empty nor zero. */
    points: number;
    /** SVG elements painted in the series' colour: its legend icon plus its line, area or bars. */
    painted: number;
    markAreas: number;
    markLines: number;
  }[];
}

describe('report.html in Chromium (40 agents, 3,000 interactions)', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: this test needs Debian's chromium package ` +
          '(apt-get install -y chromium; .ci/run installs it in CI).',
      );
    dir = mkdtempSync(join(tmpdir(), 'threadline-report-'));
    // The real command line, as `pnpm demo` runs it (progress goes to stderr, not a TTY here).
    ({ stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@threadline/source',
        '--import',
        'tsx',
        'src/main.ts',
        '--agents',
        '40',
        '--interactions',
        '3000',
        '--out',
        join(dir, 'out'),
      ],
      { cwd: PACKAGE, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    ));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes report.html under --out, prints its path last and shows progress lines', () => {
    const path = join(dir, 'out', 'report.html');
    expect(existsSync(path)).toBe(true);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`Report with charts: ${path}`);
    expect(stderr).toMatch(/^progress \d+%: \d\d:\d\d simulated · [\d,]+\/3,000 contacts · /m);
    expect(stderr).toMatch(/3,000\/3,000 contacts · .* · done in [\d.]+ s/);
    // The charting library is inlined (about 1 MB), not fetched.
    expect(statSync(path).size).toBeGreaterThan(500_000);
  });

  it('renders every chart with data in Chromium, offline, with no console errors', async () => {
    const context = await (browser as Browser).newContext({ viewport: { width: 1440, height: 1500 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const failed: string[] = [];
    const external: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    // Offline: anything but the file itself (and inline data) would be a network request.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(join(dir, 'out', 'report.html')).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset['charts'] !== undefined, undefined, {
      timeout: 30_000,
    });
    const charts = await page.evaluate(() => {
      const g = globalThis as unknown as {
        echarts: {
          getInstanceByDom(el: Element):
            | {
                getOption(): {
                  series: {
                    name: string;
                    type: string;
                    data: unknown[];
                    markArea?: { data?: unknown[] };
                    markLine?: { data?: unknown[] };
                  }[];
                };
              }
            | undefined;
        };
      };
      return [...document.querySelectorAll('.plot')].map((el) => {
        const series = g.echarts.getInstanceByDom(el)?.getOption().series ?? [];
        return {
          id: el.id.replace(/^chart-/, ''),
          svgs: el.querySelectorAll('svg').length,
          marks: el.querySelectorAll('svg path, svg rect, svg polyline, svg polygon').length,
          longestPath: Math.max(
            0,
            ...[...el.querySelectorAll('svg path')].map((p) => p.getAttribute('d')?.length ?? 0),
          ),
          series: series.map((s) => ({
            name: String(s.name),
            type: s.type,
            points: s.data.filter((v) => v !== null && v !== undefined && v !== 0 && v !== '-').length,
            painted: el.querySelectorAll(`svg [fill="${s.color}"], svg [stroke="${s.color}"]`).length,
            markAreas: s.markArea?.data?.length ?? 0,
            markLines: s.markLine?.data?.length ?? 0,
          })),
        };
      });
    });
    expect(charts.map((c: ChartCheck) => c.id)).toEqual(CHARTS);
    for (const c of charts as ChartCheck[]) {
      expect(c.svgs, c.id).toBe(1);
      expect(c.marks, c.id).toBeGreaterThan(10);
      expect(c.series.length, c.id).toBeGreaterThan(0);
      expect(
        c.series.some((s) => s.points > 0),
        c.id,
      ).toBe(true);
      // Each series with data is drawn: a bar per point, or its line/area, besides its legend icon.
      for (const s of c.series)
        if (s.points > 0)
          expect(s.painted, `${c.id} / ${s.name}`).toBeGreaterThanOrEqual(
            1 + (s.type === 'bar' ? s.points : 1),
          );
    }
    // Every channel has arrivals, and the storm is marked where the detector found it.
    const arrivals = charts.find((c: ChartCheck) => c.id === 'arrivals-staffing') as ChartCheck;
    for (const s of arrivals.series) expect(s.points, s.name).toBeGreaterThan(0);
    const disruptions = (charts.find((c: ChartCheck) => c.id === 'topics') as ChartCheck).series.find(
      (s) => s.name === 'disruptions',
    );
    expect(disruptions?.markAreas).toBeGreaterThan(0);
    expect(disruptions?.markLines).toBe(disruptions?.markAreas);
    // One self-contained file: nothing loaded from elsewhere.
    expect(await page.$$eval('script[src], link[href], img[src], iframe', (els) => els.length)).toBe(0);
    // The drill-down tables are there and filled.
    const rows = await page.$$eval('details table tbody tr', (trs) => trs.length);
    expect(rows).toBeGreaterThan(50);
    expect(await page.$$eval('#table-waits tbody tr', (trs) => trs.length)).toBe(25);

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    expect(external).toEqual([]);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    // The header, the tiles and the first three rows of charts (down to the topic spikes).
    const topics = await page.locator('[data-chart="topics"]').boundingBox();
    const height = Math.ceil((topics?.y ?? 1300) + (topics?.height ?? 200) + 14);
    await page.screenshot({ path: SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1440, height } });
    await context.close();
  }, 120_000);
});
