// Debian's chromium driven by playwright-core (never a downloaded browser), and a current
// dashboard build for it to load. Shared by the browser tests and the dashboard benchmark.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error plain JavaScript module without type declarations
import { ensureDashboard } from '../../scripts/ensure-dashboard.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const ARTIFACTS_DIR = join('test-artifacts', 'dashboard');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Builds dashboard/dist when it is missing or older than its sources. */
export async function buildDashboard(): Promise<void> {
  await (ensureDashboard as () => Promise<boolean>)();
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}
