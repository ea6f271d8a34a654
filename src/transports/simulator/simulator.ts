// Simulated devices for a first run and for demos: climate sensors and power meters with a relay.
// They register, send sequenced readings and answer commands through the same core paths as
// real devices, so everything downstream (store, REST, live push) sees ordinary devices.
import type { Command } from '../../core/model.js';
import type { Stage, TransportContext } from '../context.js';
import { ClimateSignal, PowerSignal, seededRandom } from './signals.js';

interface SimDevice {
  id: string;
  signal: ClimateSignal | PowerSignal;
  seq: number;
  timer: NodeJS.Timeout | null;
}

export class Simulator implements Stage {
  readonly name = 'simulator';
  private readonly sims = new Map<string, SimDevice>();

  constructor(private readonly ctx: TransportContext, private readonly options: { count: number; intervalMs: number }) {}

  async start(): Promise<void> {
    this.ctx.commands.registerSink('simulator', { deliver: (cmd) => this.deliver(cmd) });
    for (let i = 1; i <= this.options.count; i++) {
      const id = `sim-${String(i).padStart(3, '0')}`;
      const isMeter = i % 2 === 0;
      await this.ctx.devices.register({
        id,
        name: isMeter ? `Simulated power meter ${i}` : `Simulated climate sensor ${i}`,
        transport: 'simulator',
        firmware: 'simulator-1',
        sampleIntervalMs: this.options.intervalMs,
        metrics: isMeter
          ? [{ name: 'power', unit: 'W' }, { name: 'energy', unit: 'kWh' }]
          : [{ name: 'temperature', unit: '°C' }, { name: 'humidity', unit: '%' }],
        actuators: [{ name: 'relay', type: 'relay' }],
      });
      const random = seededRandom(i);
      const signal = isMeter ? new PowerSignal(random) : new ClimateSignal(random);
      const sim: SimDevice = { id, signal, seq: this.ctx.streams.nextSeqFor(id), timer: null };
      this.sims.set(id, sim);
      this.ctx.presence.online(id, 'simulation started');
      sim.timer = setInterval(() => this.tick(sim), this.options.intervalMs);
    }
    this.ctx.log.info({ devices: this.options.count, intervalMs: this.options.intervalMs }, 'simulated devices started');
  }

  async stop(): Promise<void> {
    for (const sim of this.sims.values()) {
      if (sim.timer) clearInterval(sim.timer);
      this.ctx.presence.offline(sim.id, 'simulation stopped');
    }
    this.sims.clear();
  }

  /** Stops one simulated device as if it lost power (for demos and tests of presence). */
  halt(id: string): boolean {
    const sim = this.sims.get(id);
    if (!sim?.timer) return false;
    clearInterval(sim.timer);
    sim.timer = null;
    this.ctx.presence.offline(id, 'simulated power loss');
    return true;
  }

  private tick(sim: SimDevice): void {
    const ts = Date.now();
    const values = sim.signal.sample(ts);
    const outcome = this.ctx.ingest.submit({
      deviceId: sim.id,
      seq: sim.seq,
      source: 'simulator',
      readings: Object.entries(values).map(([metric, value]) => ({ metric, value, ts })),
    });
    if (outcome.status !== 'refused') sim.seq = (sim.seq + 1) % 2 ** 32;
  }

  private async deliver(cmd: Command): Promise<boolean> {
    const sim = this.sims.get(cmd.deviceId);
    if (!sim?.timer) return false;
    // Answer like a device would, a moment after receiving the command.
    setTimeout(() => {
      const result = this.apply(sim, cmd);
      void this.ctx.commands.ack(cmd.deviceId, cmd.id, result);
    }, 20);
    return true;
  }

  private apply(sim: SimDevice, cmd: Command): { ok: boolean; error?: string } {
    if (cmd.action !== 'set') return { ok: false, error: `unknown action ${cmd.action}; simulated devices know "set"` };
    const relay = cmd.params.relay;
    if (typeof relay !== 'boolean') return { ok: false, error: 'params.relay must be true or false' };
    if (sim.signal instanceof PowerSignal) sim.signal.relayOn = relay;
    return { ok: true };
  }
}
