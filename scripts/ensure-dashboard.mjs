#!/usr/bin/env node
// Builds the dashboard (dashboard/dist) when it is missing or older than its sources, so
// `npm start` always serves a current one. `--force` builds regardless.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../dashboard/', import.meta.url));
const built = join(root, 'dist', 'index.html');

function newestSource(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

function builtAt() {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return -1;
  }
}

export async function ensureDashboard({ force = false } = {}) {
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => join(root, p));
  const newest = Math.max(
    ...sources.map((p) => {
      try {
        return newestSource(p);
      } catch {
        return 0;
      }
    }),
  );
  if (!force && builtAt() >= newest) return false;
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rebuilt = await ensureDashboard({ force: process.argv.includes('--force') });
  process.stdout.write(rebuilt ? 'dashboard built into dashboard/dist\n' : 'dashboard/dist is up to date\n');
}
