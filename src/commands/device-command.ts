// `telemetry-hub device add <id>`: provisions an MQTT device in the hub's store and prints its
// key once. A running hub accepts the new key at once (it reads keys when devices log in).
import { CredentialError, DeviceCredentials } from '../core/credentials.js';
import { withConfiguredStore } from './with-store.js';

export const DEVICE_USAGE = 'telemetry-hub device add <id> [options]   provision an MQTT device and print its key once';

export async function deviceCommand(args: string[]): Promise<number> {
  const [verb, id, ...rest] = args;
  if (verb !== 'add' || !id || id.startsWith('--')) {
    process.stderr.write(`usage: ${DEVICE_USAGE}\n`);
    return 2;
  }
  return withConfiguredStore(rest, async (store) => {
    try {
      const { key } = await new DeviceCredentials(store).provision(id);
      process.stdout.write(`${key}\n`);
    } catch (err) {
      if (!(err instanceof CredentialError)) throw err;
      process.stderr.write(`cannot provision ${JSON.stringify(id)}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(
      `the key of ${id}; it is shown only this once. Devices log in over MQTT with username ${id} and this key as password.\n`,
    );
    return 0;
  });
}
