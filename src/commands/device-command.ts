// `telemetry-hub device <list|add|rename|rekey|remove>`: a device's life, worked on the hub's
// store as the admin API works on the running hub (core/device-lifecycle.ts does both). A running
// hub reads keys when devices log in, so a new or replaced key works at once and a revoked one
// is refused at the next login; closing open connections takes the admin API.
import { DeviceAdminError, DeviceLifecycle } from '../core/device-lifecycle.js';
import { DeviceCredentials } from '../core/credentials.js';
import { DeviceRegistry } from '../core/devices.js';
import { EventBus } from '../core/events.js';
import { StreamLedger } from '../core/streams.js';
import type { Store } from '../core/store.js';
import { parseVerb, type VerbSpec, verbsUsage } from './command-args.js';
import { formatDeviceTable } from './device-table.js';
import { DIALECT_NAMES, chooseDialect } from '../transports/mqtt/dialects/provision.js';
import { withConfiguredStore } from './with-store.js';

/** Each verb: its positional arguments, its own options (one entry each) and what it does. */
interface Verb extends VerbSpec {
  run(tools: Tools, positional: string[], options: Partial<Record<string, string | true>>): Promise<number>;
}

interface Tools {
  store: Store;
  lifecycle: DeviceLifecycle;
  devices: DeviceRegistry;
  credentials: DeviceCredentials;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const VERBS: Record<string, Verb> = {
  list: {
    args: [],
    options: {},
    summary: 'list the devices in the store: name, transport, when their key was made (- for none), last seen',
    async run({ devices, credentials, out }) {
      const rows = await Promise.all(devices.list().map(async (d) => ({ ...d, keyCreatedAt: await credentials.keyCreatedAt(d.id) })));
      out.write(formatDeviceTable(rows));
      return 0;
    },
  },
  add: {
    args: ['<id>'],
    options: {
      name: { kind: 'value', description: 'a name to show instead of the id' },
      replace: { kind: 'flag', description: 'give a device that has a key a new one (the old one stops working)' },
      dialect: { kind: 'value', description: `the MQTT convention it speaks: ${DIALECT_NAMES.join(', ')} (default hub)` },
      topic: {
        kind: 'value',
        description: 'its own topic in that dialect (Tasmota Topic, Shelly prefix, Homie base, ESPHome topic prefix)',
      },
      'move-to-mqtt': { kind: 'flag', description: 'move a device known on a serial port to MQTT' },
    },
    summary: 'add an MQTT device and print its key once',
    async run({ lifecycle, out, err }, [id], options) {
      const text = (value: string | true | undefined) => (typeof value === 'string' ? value : undefined);
      const { key, replaced } = await lifecycle.add({
        id,
        name: text(options.name),
        replace: options.replace === true,
        dialect: text(options.dialect),
        topic: text(options.topic),
        moveToMqtt: options['move-to-mqtt'] === true,
      });
      out.write(`${key}\n`);
      err.write(
        `${replaced ? 'the new' : 'the'} key of ${id}; it is shown only this once. Devices log in over MQTT with username ${id} and this key as password.\n`,
      );
      return 0;
    },
  },
  rename: {
    args: ['<id>', '<name>'],
    options: {},
    summary: "change a device's name",
    async run({ lifecycle, err }, [id, name]) {
      await lifecycle.rename(id, name);
      err.write(`${id} is now named ${JSON.stringify(name)}\n`);
      return 0;
    },
  },
  rekey: {
    args: ['<id>'],
    options: {},
    summary: 'give a device a new key and print it once; the old one stops working',
    async run({ lifecycle, out, err }, [id]) {
      const { key } = await lifecycle.rekey(id);
      out.write(`${key}\n`);
      err.write(`the new key of ${id}; it is shown only this once. The old key no longer logs in.\n`);
      return 0;
    },
  },
  remove: {
    args: ['<id>'],
    options: { purge: { kind: 'flag', description: 'also delete its readings, presence history and commands' } },
    summary: 'remove a device and its key',
    async run({ lifecycle, err }, [id], options) {
      const removed = await lifecycle.remove(id, { purge: options.purge === true });
      const purged =
        options.purge === true
          ? `; purged ${removed.buckets} bucket segments, ${removed.presence} presence changes, ${removed.commands} commands`
          : '; its readings stay in the store (--purge deletes them)';
      err.write(`removed ${id}${removed.key ? ' and its key' : ''}${purged}\n`);
      return 0;
    },
  },
};

export const DEVICE_USAGE = verbsUsage('device', VERBS);

export async function deviceCommand(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const chosen = parseVerb(args, VERBS, err);
  if (!chosen) return usage(err);
  const { verb, parsed } = chosen;
  return withConfiguredStore(
    parsed.settings,
    async (store) => {
      const bus = new EventBus();
      const streams = new StreamLedger();
      const devices = new DeviceRegistry(store, streams, bus);
      await devices.start();
      const credentials = new DeviceCredentials(store);
      const lifecycle = new DeviceLifecycle({
        devices,
        credentials,
        chooseDialect: (id, dialect, topic) => chooseDialect(credentials, id, dialect, topic),
        store,
        streams,
        bus,
      });
      try {
        return await verb.run({ store, lifecycle, devices, credentials, out, err }, parsed.positional, parsed.options);
      } catch (error) {
        if (!(error instanceof DeviceAdminError)) throw error;
        err.write(`refused: ${error.message}\n`);
        return error.code === 'bad_id' || error.code === 'bad_dialect' ? 2 : 1;
      }
    },
    err,
  );
}

function usage(err: NodeJS.WritableStream): number {
  err.write(`usage:\n  ${DEVICE_USAGE}\n`);
  return 2;
}
