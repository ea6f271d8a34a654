// Frame time of the dashboard with 50 live series updating at 10 Hz: 25 simulated devices with
// two metrics each, sampling every 100 ms, shown in Debian's chromium (headless, no GPU).
// Reported: the interval between animation frames (median, p95, p99) and the share of frames
// slower than 20 ms while the charts update, the same on an idle page as a baseline, the time
// the dashboard spends redrawing charts per frame, and how busy the page's main thread is.
import type { CDPSession, Page } from 'playwright-core';
import { startHub, waitFor } from '../test/helpers/hub.ts';
import { buildDashboard, launchChromium } from '../test/dashboard/browser.ts';
import { median, percentile, report } from './stats.ts';

const DEVICES = 25;
const INTERVAL_MS = 100;
const WARMUP_MS = 3_000;
const MEASURE_MS = 10_000;

/**
 * Intervals between animation frames over `ms`, measured inside the page. Passed as source
 * text: tsx would wrap named inner functions in `__name` calls the page cannot resolve.
 */
async function frameIntervals(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const end = last + ${ms};
    function tick(now) {
      gaps.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick);
      else resolve(gaps);
    }
    requestAnimationFrame(tick);
  })`);
}

async function rendererBusySeconds(cdp: CDPSession): Promise<{ busy: number; script: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const value = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { busy: value('TaskDuration'), script: value('ScriptDuration') };
}

function figures(gaps: number[]) {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    frames: gaps.length,
    frameMedianMs: round(median(gaps)),
    frameP95Ms: round(percentile(gaps, 95)),
    frameP99Ms: round(percentile(gaps, 99)),
    slowFramesPct: round((100 * gaps.filter((g) => g > 20).length) / gaps.length),
  };
}

await buildDashboard();
const hub = await startHub({ simulate: DEVICES, simulateIntervalMs: INTERVAL_MS });
const browser = await launchChromium();
try {
  // Tall enough that all 50 charts are on screen: charts out of view are not redrawn, and the
  // point is the cost of drawing every one of them.
  const page = await browser.newPage({ viewport: { width: 1600, height: 4000 } });
  await page.goto('about:blank');
  const idle = figures(await frameIntervals(page, 3_000));

  await page.goto(hub.url);
  await waitFor(
    '50 live charts drawn with data',
    async () => (await page.locator('.live-chart:not([data-points="0"])').count()) >= DEVICES * 2,
    30_000,
    200,
  );
  await page.waitForTimeout(WARMUP_MS);
  // The renderer's own busy time (script, layout, paint) separates the page's cost from the
  // machine's: the hub and its 25 MQTT devices run on the same cores.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const busyBefore = await rendererBusySeconds(cdp);
  const before = await page.evaluate(() => ({ ...(window as any).__dashboardStats, drawMs: [...(window as any).__dashboardStats.drawMs] }));
  const live = figures(await frameIntervals(page, MEASURE_MS));
  const busyAfter = await rendererBusySeconds(cdp);
  const afterStats = await page.evaluate(() => ({
    ...(window as any).__dashboardStats,
    drawMs: [...(window as any).__dashboardStats.drawMs],
  }));
  const drawMs: number[] = afterStats.drawMs.slice(-(afterStats.frames - before.frames));
  const redrawFrames = afterStats.frames - before.frames;

  report('dashboard.frames.idle-page', { ...idle });
  report('dashboard.frames.50-series-10hz', {
    series: DEVICES * 2,
    updatesPerSeriesPerS: 1000 / INTERVAL_MS,
    measuredS: MEASURE_MS / 1000,
    ...live,
    frameMedianRatioToIdle: Math.round((live.frameMedianMs / idle.frameMedianMs) * 100) / 100,
    rendererBusyPct: Math.round(((busyAfter.busy - busyBefore.busy) / (MEASURE_MS / 1000)) * 1000) / 10,
    scriptBusyPct: Math.round(((busyAfter.script - busyBefore.script) / (MEASURE_MS / 1000)) * 1000) / 10,
    redrawFrames,
    chartsRedrawnPerFrame: Math.round(((afterStats.chartsDrawn - before.chartsDrawn) / Math.max(1, redrawFrames)) * 10) / 10,
    redrawMedianMs: Math.round(median(drawMs) * 100) / 100,
    redrawP95Ms: Math.round(percentile(drawMs, 95) * 100) / 100,
  });
} finally {
  await browser.close();
  await hub.stop();
}
