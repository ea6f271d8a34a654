#!/usr/bin/env node
// Runs the compiled hub (npm run build writes dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('telemetry-hub is not built yet: run "npm run build" (npm start does it for you)\n');
  process.exit(1);
}
await import(entry.href);
