// Sensor values: a raw Firmata sample (0-1023 from the 10-bit ADC, 0/1 from a digital pin) is
// mapped linearly onto the configured range, so a light sensor can report percent and a
// thermistor divider degrees without any code per sensor.

export interface LinearScale {
  from: [number, number];
  to: [number, number];
}

export interface SensorPin {
  kind: 'analog' | 'digital';
  /** What johnny-five takes: "A0".."A5" for analog inputs, the pin number for digital ones. */
  j5Pin: string | number;
  /** The analog channel (0 for A0) or the digital pin number, as Firmata reports it. */
  channel: number;
}

/** Reads a devices-file pin (A0-A5 or 0-13, as a string or a number) into its kind and channel. */
export function sensorPin(pin: string | number): SensorPin {
  const text = String(pin).trim().toUpperCase();
  const analog = /^A(\d)$/.exec(text);
  if (analog) return { kind: 'analog', j5Pin: `A${analog[1]}`, channel: Number(analog[1]) };
  const digital = Number(text);
  if (!Number.isInteger(digital) || digital < 0) throw new Error(`pin ${String(pin)} is neither A0-A5 nor a digital pin number`);
  return { kind: 'digital', j5Pin: digital, channel: digital };
}

/** Maps `raw` from scale.from onto scale.to; without a scale the raw value is the reading. */
export function scaleValue(raw: number, scale?: LinearScale): number {
  if (!scale) return raw;
  const [inLow, inHigh] = scale.from;
  const [outLow, outHigh] = scale.to;
  // A degenerate input range cannot be mapped; the config schema refuses it, this keeps NaN out.
  if (inHigh === inLow) return outLow;
  const value = outLow + ((raw - inLow) * (outHigh - outLow)) / (inHigh - inLow);
  // Round away float noise (0.1 + 0.2) without losing the resolution of a 10-bit ADC.
  return Math.round(value * 1e6) / 1e6;
}
