// The hub as its own process for the explorer: one data directory and one MQTT port for the
// whole run, so a SIGKILLed hub comes back where devices expect it, with the store it left.
import type { TestContext } from 'node:test';
import { freePort, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { teardown } from '../helpers/teardown.js';

export class HubRunner {
  hub: HubProcess | null = null;
  readonly mqttPort: Promise<number> = freePort();
  /** Every process started, for the log check and the teardown. */
  readonly processes: HubProcess[] = [];
  kills = 0;
  /** Kills asked for and not yet done (a kill waits for the restart before it). */
  pendingKills = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    t: TestContext,
    private readonly dataDir: string,
    private readonly args: string[],
  ) {
    teardown(t, () => {
      for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    });
  }

  async url(): Promise<string> {
    return `mqtt://127.0.0.1:${await this.mqttPort}`;
  }

  async start(): Promise<void> {
    const hub = await startHubProcess({ dataDir: this.dataDir, mqttPort: await this.mqttPort, args: this.args, timeoutMs: 60_000 });
    this.processes.push(hub);
    this.hub = hub;
  }

  /**
   * SIGKILL, down for `downMs`, then a restart. Kills queue behind each other so a second kill
   * always meets a running hub; the devices' clocks go on meanwhile.
   */
  killAndRestart(downMs: number): Promise<void> {
    this.pendingKills += 1;
    this.chain = this.chain
      .then(async () => {
        await this.hub?.stop('SIGKILL');
        this.kills += 1;
        this.hub = null;
        await new Promise((r) => setTimeout(r, downMs));
        await this.start();
      })
      .finally(() => {
        this.pendingKills -= 1;
      });
    return this.chain;
  }

  /** Resolves once no kill or restart is under way. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** SIGTERM: the hub flushes and closes its store. Returns the exit code. */
  async stop(): Promise<number | null> {
    await this.chain.catch(() => {});
    const hub = this.hub;
    this.hub = null;
    return hub ? hub.stop('SIGTERM') : null;
  }

  /** Error-level lines (pino level 50 and up) the hub processes logged. */
  errorLines(): string[] {
    return this.processes
      .flatMap((p) => p.lines)
      .filter((l) => {
        try {
          return (JSON.parse(l) as { level?: number }).level! >= 50;
        } catch {
          return false;
        }
      });
  }
}
