// An MQTT device takes its commands while at least one of its connections is open: the first
// connection attaches its sink in the command service, the last one to close detaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'aedes';
import type { CommandSink } from '../../../src/core/commands.js';
import { Connections } from '../../../src/transports/mqtt/connections.js';

function setup() {
  const attached = new Map<string, CommandSink>();
  const commands = {
    attach(deviceId: string, sink: CommandSink) {
      if (attached.has(deviceId)) return null;
      attached.set(deviceId, sink);
      return () => attached.delete(deviceId);
    },
  };
  const presence = { online() {}, offline() {}, heard() {} };
  const sink: CommandSink = { deliver: async () => true };
  const connections = new Connections(presence, commands, sink);
  const connect = (clientId: string, deviceId: string) => {
    const client = { id: clientId } as Client;
    connections.identify(client, deviceId);
    connections.ready(client);
    return client;
  };
  return { attached, connections, connect, sink };
}

test('commands are attached with the first connection of a device and detached with its last', () => {
  const { attached, connections, connect, sink } = setup();
  const firmware = connect('relay-1', 'relay-1');
  assert.equal(attached.get('relay-1'), sink);
  const shell = connect('relay-1-shell', 'relay-1');
  connections.disconnected(firmware);
  assert.equal(attached.get('relay-1'), sink, 'still connected through the second connection');
  connections.disconnected(shell);
  assert.equal(attached.has('relay-1'), false);
  connect('relay-1', 'relay-1');
  assert.equal(attached.get('relay-1'), sink, 'attached again on reconnect');
});

test('a device whose id another transport serves does not take its commands, and its disconnect leaves them there', () => {
  const { attached, connections, connect } = setup();
  const serial: CommandSink = { deliver: async () => true };
  attached.set('uno-1', serial);
  const client = connect('uno-1', 'uno-1');
  assert.equal(attached.get('uno-1'), serial);
  connections.disconnected(client);
  assert.equal(attached.get('uno-1'), serial);
});
