// Signal generators for simulated devices: plausible, deterministic for a given seed, and cheap.

/** Small seeded PRNG (mulberry32) so a simulated device behaves the same on every start. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Room climate: a daily temperature swing, slow drift, sensor noise; humidity moves against it. */
export class ClimateSignal {
  private drift = 0;

  constructor(
    private readonly random: () => number,
    private readonly baseC = 20 + random() * 4,
  ) {}

  sample(ts: number): Record<string, number> {
    const dayPhase = ((ts % 86_400_000) / 86_400_000) * 2 * Math.PI;
    this.drift = Math.max(-2, Math.min(2, this.drift + gaussian(this.random) * 0.01));
    const temperature = this.baseC + 2.5 * Math.sin(dayPhase - Math.PI / 2) + this.drift + gaussian(this.random) * 0.05;
    const humidity = Math.max(5, Math.min(95, 55 - (temperature - this.baseC) * 3 + gaussian(this.random) * 0.4));
    return { temperature: round(temperature, 2), humidity: round(humidity, 1) };
  }
}

/** A household meter: a base load with appliances switching on and off; energy only ever rises. */
export class PowerSignal {
  private energyKwh: number;
  private applianceW = 0;
  private lastTs: number | null = null;
  /** The simulated relay; with it off the metered circuit draws nothing. */
  relayOn = true;

  constructor(private readonly random: () => number) {
    this.energyKwh = round(1000 + random() * 9000, 3);
  }

  sample(ts: number): Record<string, number> {
    if (this.random() < 0.02) this.applianceW = this.applianceW > 0 ? 0 : 500 + this.random() * 2000;
    const baseW = 120 + gaussian(this.random) * 8;
    const powerW = this.relayOn ? Math.max(0, baseW + this.applianceW) : 0;
    if (this.lastTs !== null && ts > this.lastTs) this.energyKwh += (powerW * (ts - this.lastTs)) / 3_600_000 / 1000;
    this.lastTs = ts;
    return { power: round(powerW, 1), energy: round(this.energyKwh, 4) };
  }
}
