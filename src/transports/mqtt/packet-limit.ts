// A cap on the size of any MQTT packet, checked as soon as its length header has arrived.
// aedes itself buffers a packet of up to 256 MB before anyone sees it; with this cap a client
// announcing a packet far beyond the payload limit is disconnected before the bytes pile up.
// Payloads only somewhat over the limit are still read and refused politely with a reason
// (see device-messages.ts), so the cap leaves headroom for the topic and headers.
import type { Client } from 'aedes';

/** Room for the topic, the packet id and MQTT 5 properties on top of the payload limit. */
export const PACKET_HEADROOM_BYTES = 64 * 1024;

interface ParserInternals {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/**
 * Wraps the length step of this client's packet parser (mqtt-packet, reached through aedes'
 * private `_parser`). Returns false when those internals are not there, leaving the client as is.
 */
export function limitPacketSize(client: Client, maxPayload: number, onRefused: (bytes: number) => void): boolean {
  const parser = (client as unknown as { _parser?: Partial<ParserInternals> })._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') return false;
  const parseLength = parser._parseLength;
  const limit = maxPayload + PACKET_HEADROOM_BYTES;
  parser._parseLength = function limitedParseLength(this: ParserInternals): boolean {
    const complete = parseLength.call(this);
    if (complete && this.packet.length > limit) {
      onRefused(this.packet.length);
      this._emitError(new Error(`packet too large: ${this.packet.length} bytes announced, at most ${limit} accepted`));
      return false;
    }
    return complete;
  };
  return true;
}
