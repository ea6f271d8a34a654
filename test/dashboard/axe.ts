// The axe-core audit the browser tests run on a page: axe-core's own source is injected into the
// page (nothing is fetched), and the violations come back as one line each, so a test can expect
// an empty list and a failure says what and where.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** The page's axe-core violations, as "rule: help (where)"; empty when there are none. */
export async function audit(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const { violations, passes }: { violations: Violation[]; passes: number } = await page.evaluate(async () => {
    const results = await (window as any).axe.run(document);
    return { violations: results.violations, passes: results.passes.length };
  });
  // A run that checked nothing would pass too: make sure the rules ran.
  assert.ok(passes >= 10, `axe passed only ${passes} rules`);
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
