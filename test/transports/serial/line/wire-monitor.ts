// Records both directions of a line-protocol conversation as frame bodies (checksums stripped),
// so a test can wait for a frame and read sequence numbers and heads off the wire.
export interface WireFrame {
  body: string;
  at: number;
}

export class WireMonitor {
  readonly fromDevice: WireFrame[] = [];
  readonly fromHub: WireFrame[] = [];
  private deviceLine: number[] = [];
  private hubLine = '';
  private readonly deviceListeners = new Set<(body: string) => void>();

  /** Feed for AvrOptions.onTransmit. */
  deviceByte = (byte: number): void => {
    if (byte !== 0x0a) {
      this.deviceLine.push(byte);
      return;
    }
    const body = stripChecksum(Buffer.from(this.deviceLine).toString('utf8'));
    this.deviceLine = [];
    this.fromDevice.push({ body, at: Date.now() });
    for (const listener of this.deviceListeners) listener(body);
  };

  /** Feed for AvrOptions.onReceive. */
  hubChunk = (chunk: Buffer): void => {
    const lines = (this.hubLine + chunk.toString('utf8')).split('\n');
    this.hubLine = lines.pop() ?? '';
    for (const line of lines) this.fromHub.push({ body: stripChecksum(line), at: Date.now() });
  };

  /** Calls `listener` with each later device frame; returns an unsubscribe. */
  onDeviceFrame(listener: (body: string) => void): () => void {
    this.deviceListeners.add(listener);
    return () => this.deviceListeners.delete(listener);
  }

  /** Sequence numbers of the telemetry frames the device sent, from index `since` on. */
  telemetrySeqs(since = 0): number[] {
    return this.fromDevice
      .slice(since)
      .filter((f) => f.body.startsWith('t '))
      .map((f) => Number(f.body.split(' ')[1]));
  }

  /** Heads of the `h` acks the hub sent, from index `since` on. */
  acks(since = 0): number[] {
    return this.fromHub
      .slice(since)
      .filter((f) => f.body.startsWith('h '))
      .map((f) => Number(f.body.split(' ')[1]));
  }
}

function stripChecksum(line: string): string {
  return line.replace(/\r$/, '').replace(/\*[0-9A-F]{2}$/, '');
}
