// The `telemetry-hub` command. `start` (the default) runs the hub until SIGINT or SIGTERM, then
// shuts down in order so pending readings are flushed before the process exits.
import { type Config, ConfigError, loadConfig, settingsTable } from './config/settings.js';
import { energyPricesOf } from './config/energy-prices.js';
import { Hub } from './hub.js';
import { createLogger, type LogFormat } from './observability/logger.js';
import { portsCommand } from './commands/ports-command.js';
import { VERSION } from './version.js';
import { TOKEN_USAGE, tokenCommand } from './commands/token-command.js';
import { DEVICE_USAGE, deviceCommand } from './commands/device-command.js';

const HELP = `telemetry-hub ${VERSION}

Usage:
  telemetry-hub [start] [options]   run the hub
  telemetry-hub settings            print the configuration table (Markdown)
  ${TOKEN_USAGE}
  ${DEVICE_USAGE}
  telemetry-hub ports [--json]      list serial ports with their USB ids (for the devices file)
  telemetry-hub --version
  telemetry-hub --help

Options (each also settable by the environment variable shown):
${settingsTable()}
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === 'token') return tokenCommand(rest);
  if (first === 'device') return deviceCommand(rest);
  if (first === 'settings') {
    process.stdout.write(`${settingsTable()}\n`);
    return 0;
  }
  if (first === 'ports') return portsCommand(rest);
  const args = first === 'start' ? rest : argv;
  if (first !== undefined && first !== 'start' && !first.startsWith('--')) {
    process.stderr.write(`unknown command "${first}"; see telemetry-hub --help\n`);
    return 2;
  }
  return run(args);
}

async function run(args: string[]): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(process.env, args);
    // Checked here too, so a malformed price stops the start with the setting named.
    energyPricesOf(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel, config.logFormat as LogFormat);
  const hub = new Hub(config, log);
  try {
    await hub.start();
  } catch (err) {
    log.fatal({ err }, 'hub could not start');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await hub.stop();
  log.info({}, 'stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`telemetry-hub failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
