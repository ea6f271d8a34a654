// Debian's chromium driven by playwright-core (never a downloaded browser), a current dashboard
// build for it to load, and the axe-core audit the tests run on its pages. Shared by the browser
// tests and the dashboard benchmark.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
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

interface Violation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * The page's axe-core violations, as "rule: help (where)"; empty when there are none. axe-core's
 * own source is injected into the page; nothing is fetched.
 */
export async function audit(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: source });
  }
  const { violations, passes }: { violations: Violation[]; passes: number } = await page.evaluate(async () => {
    const results = await (window as any).axe.run(document);
    return { violations: results.violations, passes: results.passes.length };
  });
  // A run that checked nothing would pass too: make sure the rules ran.
  assert.ok(passes >= 10, `axe passed only ${passes} rules`);
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
