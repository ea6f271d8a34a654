// `telemetry-hub device add <id>`: provisions an MQTT device in the hub's store and prints its
// key once. A running hub accepts the new key at once (it reads keys when devices log in).
import { CredentialError, DeviceCredentials } from '../core/credentials.js';
import { DIALECT_NAMES, chooseDialect } from '../transports/mqtt/dialects/provision.js';
import { withConfiguredStore } from './with-store.js';

export const DEVICE_USAGE = `telemetry-hub device add <id> [--dialect ${DIALECT_NAMES.join('|')} [--topic <its topic>]] [options]
                                    provision an MQTT device and print its key once`;

export async function deviceCommand(args: string[]): Promise<number> {
  const [verb, id, ...rest] = args;
  if (verb !== 'add' || !id || id.startsWith('--')) {
    process.stderr.write(`usage: ${DEVICE_USAGE}\n`);
    return 2;
  }
  const { dialect, topic, others } = takeDialectOptions(rest);
  return withConfiguredStore(others, async (store) => {
    const credentials = new DeviceCredentials(store);
    const choice = await chooseDialect(credentials, id, dialect, topic);
    if (!choice.ok) {
      process.stderr.write(`cannot provision ${JSON.stringify(id)}: ${choice.detail}\n`);
      return 2;
    }
    try {
      const { key } = await credentials.provision(id, choice.value);
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

/** `--dialect <kind>` and `--topic <topic>` belong to this command; the rest are the hub's settings. */
function takeDialectOptions(args: string[]): { dialect?: string; topic?: string; others: string[] } {
  const taken: { dialect?: string; topic?: string } = {};
  const others: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2) as [string, string | undefined];
    if (flag !== '--dialect' && flag !== '--topic') {
      others.push(args[i]);
      continue;
    }
    const value = inline ?? args[++i];
    taken[flag === '--dialect' ? 'dialect' : 'topic'] = value;
  }
  return { ...taken, others };
}
