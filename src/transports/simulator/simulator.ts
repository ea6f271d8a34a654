// Simulated devices for a first run and for demos: climate sensors and power meters with a relay.
// Each one is a real MQTT device: it gets its own device key, connects to the hub's embedded
// broker on loopback with the device client, publishes its meta, sends sequenced telemetry and
// answers commands, so everything downstream (auth, acked streams, presence, store, REST, live
// push) treats it exactly like hardware.
import type { DeviceCommand, CommandResult, DeviceMetaBody } from '../../device-client/client.js';
import { DeviceClient } from '../../device-client/client.js';
import type { Stage } from '../../core/stage.js';
import type { TransportContext } from '../context.js';
import { ClimateSignal, PowerSignal, seededRandom } from './signals.js';

interface SimDevice {
  id: string;
  signal: ClimateSignal | PowerSignal;
  client: DeviceClient;
  timer: NodeJS.Timeout | null;
}

export interface SimulatorOptions {
  count: number;
  intervalMs: number;
  /** Where the embedded broker listens, known only once it has started. */
  broker: () => { url: string; tls: boolean };
}

/** Devices connecting at once; each login costs the hub a key check. */
const CONNECT_CONCURRENCY = 20;

export class Simulator implements Stage {
  readonly name = 'simulator';
  private readonly sims = new Map<string, SimDevice>();

  constructor(
    private readonly ctx: TransportContext,
    private readonly options: SimulatorOptions,
  ) {}

  async start(): Promise<void> {
    if (!this.ctx.credentials) throw new Error('simulated devices need device credentials to log in');
    const ids = Array.from({ length: this.options.count }, (_, i) => i + 1);
    for (let i = 0; i < ids.length; i += CONNECT_CONCURRENCY) {
      await Promise.all(ids.slice(i, i + CONNECT_CONCURRENCY).map((n) => this.startDevice(n)));
    }
    this.ctx.log.info({ devices: this.options.count, intervalMs: this.options.intervalMs }, 'simulated devices started');
  }

  async stop(): Promise<void> {
    const sims = [...this.sims.values()];
    this.sims.clear();
    for (const sim of sims) if (sim.timer) clearInterval(sim.timer);
    await Promise.all(sims.map((sim) => sim.client.stop()));
  }

  /** Stops one simulated device as if it lost power: its connection drops without a goodbye. */
  halt(id: string): boolean {
    const sim = this.sims.get(id);
    if (!sim?.timer) return false;
    clearInterval(sim.timer);
    sim.timer = null;
    sim.client.cut({ stay: true });
    // The simulation knows at once what the broker learns a moment later from the dead socket.
    this.ctx.presence.offline(id, 'simulated power loss');
    return true;
  }

  private async startDevice(n: number): Promise<void> {
    const id = `sim-${String(n).padStart(3, '0')}`;
    const isMeter = n % 2 === 0;
    const { key } = await this.ctx.credentials!.provision(id);
    const random = seededRandom(n);
    const signal = isMeter ? new PowerSignal(random) : new ClimateSignal(random);
    const broker = this.options.broker();
    const client = new DeviceClient({
      url: broker.url,
      deviceId: id,
      key,
      meta: this.meta(n, isMeter),
      onCommand: (cmd) => this.apply(signal, cmd),
      keepaliveSeconds: 10,
      // Loopback to our own broker: its certificate may well be self-signed.
      ...(broker.tls && { mqtt: { rejectUnauthorized: false } }),
    });
    client.on('refused', (body) => this.ctx.log.warn({ deviceId: id, ...body }, 'hub refused a simulated message'));
    await client.start();
    const sim: SimDevice = { id, signal, client, timer: null };
    sim.timer = setInterval(() => this.tick(sim), this.options.intervalMs);
    this.sims.set(id, sim);
  }

  private meta(n: number, isMeter: boolean): DeviceMetaBody {
    return {
      name: isMeter ? `Simulated power meter ${n}` : `Simulated climate sensor ${n}`,
      firmware: 'simulator-1',
      sampleIntervalMs: this.options.intervalMs,
      metrics: isMeter
        ? [
            { name: 'power', unit: 'W' },
            { name: 'energy', unit: 'kWh' },
          ]
        : [
            { name: 'temperature', unit: '°C' },
            { name: 'humidity', unit: '%' },
          ],
      actuators: [{ name: 'relay', type: 'relay' }],
    };
  }

  private tick(sim: SimDevice): void {
    const ts = Date.now();
    sim.client.send(sim.signal.sample(ts), ts);
  }

  private apply(signal: ClimateSignal | PowerSignal, cmd: DeviceCommand): CommandResult {
    if (cmd.action !== 'set') return { ok: false, error: `unknown action ${cmd.action}; simulated devices know "set"` };
    const relay = cmd.params?.relay;
    if (typeof relay !== 'boolean') return { ok: false, error: 'params.relay must be true or false' };
    if (signal instanceof PowerSignal) signal.relayOn = relay;
    return { ok: true };
  }
}
