// A week of history in the dashboard, from a fresh navigation: the device's page is opened by its
// address, the 7 d range chosen as soon as its radio exists, and the time taken from the
// navigation's start (the page's own clock) until the week's charts are loaded and a frame has
// been drawn. The device has two metrics at one reading a second for 7 days (1.2 million
// readings), so the chart's windows are folded from the samples. Beside it, in the same run, the
// REST answers alone: the very requests the page made for the week, sent again at once from
// here, as the page sends them. Medians over ROUNDS navigations.
import { startHub } from '../test/helpers/hub.ts';
import { buildDashboard, launchChromium } from '../test/dashboard/browser.ts';
import { median, report } from './stats.ts';

const DEVICE = 'week-1';
const METRICS = ['power', 'temperature'];
const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
const DAY = 24 * HOUR;
const ROUNDS = 5;

const hub = await startHub();
const browser = await launchChromium();
try {
  await buildDashboard();
  await hub.hub.devices.register({
    id: DEVICE,
    name: 'A week at 1 Hz',
    transport: 'mqtt',
    sampleIntervalMs: SECOND,
    metrics: METRICS.map((name) => ({ name })),
    actuators: [],
  });
  const now = Date.now();
  const seedStarted = performance.now();
  for (let hour = Math.floor((now - 7 * DAY) / HOUR) * HOUR; hour < now; hour += HOUR) {
    const readings = [];
    for (let ts = hour; ts < Math.min(now, hour + HOUR); ts += SECOND) {
      const day = Math.sin((ts / DAY) * 2 * Math.PI);
      readings.push(
        { deviceId: DEVICE, metric: 'power', ts, value: 500 + 400 * day },
        { deviceId: DEVICE, metric: 'temperature', ts, value: 20 + 5 * day },
      );
    }
    await hub.hub.store.writeBatch({ readings, heads: [], lastSeen: [] });
  }
  report('dashboard.week.seed', {
    readings: 7 * 86_400 * METRICS.length,
    seconds: Math.round((performance.now() - seedStarted) / 100) / 10,
  });

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const history = page.locator('section.history');
  const drawnMs: number[] = [];
  const loadMs: number[] = [];
  const restMs: number[] = [];
  let every = '';
  let requests: string[] = [];
  // One navigation more than counted: the first warms the hub's page cache and chromium's.
  for (let round = 0; round <= ROUNDS; round++) {
    await page.goto('about:blank');
    const asked: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/readings?')) asked.push(request.url());
    };
    await page.goto(`${hub.url}/#/devices/${encodeURIComponent(DEVICE)}`);
    await history.getByLabel('7 d', { exact: true }).waitFor();
    page.on('request', onRequest);
    await history.getByLabel('7 d', { exact: true }).check();
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor({ timeout: 60_000 });
    // Loaded means the charts have their data; two frames later they are on screen.
    const drawn = await page.evaluate(
      () => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
    );
    page.off('request', onRequest);
    every = (await history.getAttribute('data-every')) ?? '';
    requests = asked;
    if (round === 0) continue;
    drawnMs.push(Math.round(drawn));
    loadMs.push(Number(await history.getAttribute('data-load-ms')));
    const began = performance.now();
    await Promise.all(asked.map(async (url) => (await fetch(url)).json()));
    restMs.push(Math.round((performance.now() - began) * 10) / 10);
  }
  report('dashboard.week.navigation', {
    span: '7 days, 2 metrics at 1 Hz',
    every,
    rounds: ROUNDS,
    navigationToDrawnMs: median(drawnMs),
    chooseToLoadedMs: median(loadMs),
    restSameRequestsMs: median(restMs),
    requests: requests.length,
    navigationToDrawnRuns: drawnMs,
  });
  report('dashboard.week.ratio', { drawnToRest: Math.round((median(drawnMs) / Math.max(0.1, median(restMs))) * 100) / 100 });
} finally {
  await browser.close();
  await hub.stop();
}
