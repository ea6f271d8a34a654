// The live event log on the real event bus: consecutive ids, the size and age bounds, and the
// resume answers (exactly the missed events, or a reset naming the oldest kept id).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from '../../src/core/events.js';
import type { Device } from '../../src/core/model.js';
import { LiveEventLog } from '../../src/live/event-log.js';

function device(id: string): Device {
  return { id, name: id, transport: 'simulator', metrics: [], actuators: [], presence: 'unknown', lastSeen: null, createdAt: 0 };
}

function setup(maxEvents: number, maxAgeMs = 60_000) {
  let now = Date.UTC(2026, 0, 1);
  const bus = new EventBus();
  const log = new LiveEventLog(bus, { maxEvents, maxAgeMs, clock: () => now });
  log.start();
  return {
    bus,
    log,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test('ids are consecutive, start above the start time and every kind of bus event is logged', () => {
  const { bus, log } = setup(100);
  const first = log.lastId + 1;
  assert.ok(first >= Date.UTC(2026, 0, 1) * 1000);
  bus.emit('device', device('a'));
  bus.emit('readings', { deviceId: 'a', readings: [{ deviceId: 'a', metric: 't', ts: 1, value: 2 }] });
  bus.emit('presence', { deviceId: 'a', state: 'online', previous: 'unknown', ts: 1, reason: 'x' });
  bus.emit('command', { id: 'c', deviceId: 'a', action: 'set', params: {}, state: 'queued', createdAt: 1, updatedAt: 1, expiresAt: 2 });
  bus.emit('refusal', { deviceId: 'a', source: 'x', code: 'malformed', detail: 'not a live event' });
  const { events } = log.since(first - 1);
  assert.deepEqual(
    events.map((e) => e.id),
    [first, first + 1, first + 2, first + 3],
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ['device', 'reading', 'presence', 'command'],
  );
  // Readings are sent without the repeated deviceId on every reading.
  assert.deepEqual(JSON.parse(JSON.stringify(events[1].data)), { deviceId: 'a', readings: [{ metric: 't', ts: 1, value: 2 }] });
});

test('a resume inside the history gets exactly the missed events; at the head, none', () => {
  const { bus, log } = setup(100);
  for (let i = 0; i < 10; i++) bus.emit('device', device(`d${i}`));
  const ids = log.since(log.oldestId - 1).events.map((e) => e.id);
  const missed = log.since(ids[6]);
  assert.ok(!('reset' in missed));
  assert.deepEqual(
    missed.events.map((e) => e.id),
    ids.slice(7),
  );
  assert.deepEqual(log.since(log.lastId).events, []);
});

test('beyond the size bound the oldest events go and an older id gets a reset', () => {
  const { bus, log } = setup(5);
  const before = log.lastId;
  for (let i = 0; i < 2000; i++) bus.emit('device', device(`d${i}`));
  assert.equal(log.size, 5);
  assert.equal(log.oldestId, log.lastId - 4);
  const resume = log.since(before);
  assert.ok('reset' in resume);
  assert.deepEqual(resume.reset, { oldestId: log.lastId - 4 });
  assert.deepEqual(
    resume.events.map((e) => e.id),
    [0, 1, 2, 3, 4].map((i) => log.lastId - 4 + i),
  );
  // The id just before the oldest kept one is still a clean resume.
  assert.ok(!('reset' in log.since(log.oldestId - 1)));
});

test('events older than the age bound are dropped', () => {
  const { bus, log, advance } = setup(100, 1_000);
  bus.emit('device', device('old'));
  const oldId = log.lastId;
  advance(1_500);
  bus.emit('device', device('new'));
  assert.equal(log.size, 1);
  assert.equal(log.oldestId, oldId + 1);
  assert.ok('reset' in log.since(oldId - 1));
  advance(1_500);
  // Nothing kept: the oldest id is the one the next event gets.
  assert.equal(log.oldestId, log.lastId + 1);
  assert.ok(!('reset' in log.since(log.lastId)));
});

test('an id this hub never handed out (ahead of it, or from before its start) gets a reset', () => {
  const { log } = setup(100);
  assert.ok('reset' in log.since(log.lastId + 10));
  assert.ok('reset' in log.since(5));
});

test('subscribers see every new event in order until they unsubscribe', () => {
  const { bus, log } = setup(3);
  const seen: number[] = [];
  const off = log.subscribe((e) => seen.push(e.id));
  for (let i = 0; i < 5; i++) bus.emit('device', device(`d${i}`));
  off();
  bus.emit('device', device('late'));
  assert.equal(seen.length, 5);
  assert.deepEqual(
    seen,
    seen.map((_, i) => seen[0] + i),
  );
});
