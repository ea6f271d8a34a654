#!/usr/bin/env node
// Compiles the hub (src/ → dist/) only when dist/ is missing or older than its sources, so
// `npm start` starts at once when nothing changed. The compile itself is incremental (its state
// in dist/.tsbuildinfo), so a change to one file does not type-check the whole tree again.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.tsbuildinfo');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function builtAt() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

/** Returns true when it compiled, false when the build was up to date. */
export function ensureBuild() {
  const sources = ['src', 'tsconfig.json', 'package.json'].map((p) => join(root, p));
  if (builtAt() >= Math.max(...sources.map(newest))) return false;
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', stamp],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  // tsc leaves its state file alone when the sources' contents did not change (a touched file).
  const now = new Date();
  utimesSync(stamp, now, now);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!ensureBuild()) console.error('hub build is up to date (dist/); not compiling');
}
