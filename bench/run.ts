// Runs every bench/*.bench.ts in its own process and prints one JSON line per result.
// Each benchmark file prints JSON lines itself ({"bench": name, ...figures}); this runner adds
// nothing but order and a non-zero exit when one fails. `npm run bench -- mqtt` runs matching files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

// The hub processes the benchmarks start run the compiled hub (dist/), as `npm start` does: build it
// from the sources as they are now.
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  process.stdout.write(`${JSON.stringify({ bench: 'build', error: `npm run build exited with ${build.status ?? build.signal}` })}\n`);
  process.exit(1);
}

const filters = process.argv.slice(2);
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`${JSON.stringify({ bench: file, error: `exited with ${result.status ?? result.signal}` })}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
