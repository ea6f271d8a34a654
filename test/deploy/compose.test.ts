// The deployment files, checked without a Docker engine (none runs here): docker-compose (the
// Debian package) validates and normalises the compose files, and the Dockerfile is read for the
// properties that matter: several stages, production dependencies only, not root at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

function compose(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('docker-compose', args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SERIAL_DEVICE: '' } });
  if (result.error) throw new Error(`docker-compose could not run (Debian package docker-compose): ${result.error.message}`);
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

test('docker-compose config -q accepts the compose file, alone and with the serial override', () => {
  const plain = compose('-f', 'docker-compose.yml', 'config', '-q');
  assert.equal(plain.status, 0, plain.stderr);
  const serial = compose('-f', 'docker-compose.yml', '-f', 'docker-compose.serial.yml', 'config', '-q');
  assert.equal(serial.status, 0, serial.stderr);
});

test('the compose file runs mongo:7 as a healthy replica set with a volume, and the hub on 8080 and 1883 after it', () => {
  const out = compose('-f', 'docker-compose.yml', '-f', 'docker-compose.serial.yml', 'config');
  assert.equal(out.status, 0, out.stderr);
  const config = parseYaml(out.stdout);
  const { mongo, hub, contract } = config.services;
  assert.equal(mongo.image, 'mongo:7');
  assert.ok(mongo.command.includes('--replSet'));
  assert.match(mongo.healthcheck.test.join(' '), /rs\.initiate/);
  assert.ok(mongo.volumes.some((v: string) => v.startsWith('mongo-data:/data/db')));
  assert.equal(hub.build.target, 'runtime');
  assert.deepEqual(hub.depends_on, { mongo: { condition: 'service_healthy' } });
  assert.match(hub.environment.MONGODB_URI, /^mongodb:\/\/mongo:27017\/\w+\?replicaSet=rs0$/);
  assert.deepEqual(hub.ports.map((p: { target: number }) => p.target).sort(), [1883, 8080]);
  assert.ok(hub.volumes.some((v: string) => v.startsWith('hub-data:/data')));
  assert.deepEqual(hub.devices, ['/dev/ttyACM0:/dev/ttyACM0']);
  assert.deepEqual(hub.group_add, ['dialout']);
  // The contract suite against this MongoDB, only with --profile test.
  assert.deepEqual(contract.profiles, ['test']);
  assert.ok(contract.environment.MONGODB_URI.startsWith('mongodb://mongo:27017/'));
  assert.match(contract.command.join(' '), /npm test -- test\/storage/);
});

interface Stage {
  name: string;
  lines: string[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  for (const line of dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[1] ?? `stage${out.length}`, lines: [] });
    else out[out.length - 1]?.lines.push(line);
  }
  return out;
}

test('the Dockerfile is multi-stage, installs production dependencies only and runs as a non-root user', () => {
  const all = stages(readFileSync('Dockerfile', 'utf8'));
  assert.ok(all.length >= 2, 'more than one stage');
  const runtime = all[all.length - 1];
  const users = runtime.lines.filter((l) => /^USER\s/i.test(l));
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0], /^USER\s+(root|0)(:|\s|$)/i);
  // node_modules in the runtime stage come from a stage that ran `npm ci --omit=dev`, nothing else installs.
  const copied = runtime.lines.map((l) => /^COPY\s+--from=(\S+)\s+\S*node_modules\s/i.exec(l)).filter((m) => m !== null);
  assert.equal(copied.length, 1);
  const deps = all.find((s) => s.name === copied[0]![1])!;
  assert.ok(
    deps.lines.some((l) => /npm ci\b.*--omit=dev/.test(l)),
    'production install',
  );
  assert.ok(!deps.lines.some((l) => /npm (ci|install)\b/.test(l) && !/--omit=dev/.test(l)), 'no dev install in the deps stage');
  assert.ok(!runtime.lines.some((l) => /npm (ci|install)\b/.test(l)), 'the runtime stage installs nothing');
  assert.ok(!runtime.lines.some((l) => /^COPY\b.*\bsrc\b/.test(l)), 'no TypeScript sources at run time');
  // The build stage compiles the TypeScript and the dashboard with dev dependencies.
  const build = all.find((s) => s.lines.some((l) => /npm run build\b/.test(l)))!;
  assert.ok(build.lines.some((l) => /npm ci --no-audit/.test(l)));
  assert.ok(build.lines.some((l) => /npm run build:dashboard --if-present/.test(l)));
  // Started without npm: `npm start` would try to rebuild with tools the image does not have.
  assert.match(runtime.lines.find((l) => /^CMD/.test(l)) ?? '', /bin\/telemetry-hub\.js/);
  assert.ok(runtime.lines.some((l) => /^EXPOSE\s+8080\s+1883$/.test(l)));
});

test('.dockerignore keeps local state and installed modules out of the build context', () => {
  const ignored = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['node_modules', '.git', 'data', 'dist']) assert.ok(ignored.includes(entry), entry);
});
