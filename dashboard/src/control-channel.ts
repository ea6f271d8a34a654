// The WebSocket control channel: commands go out with a requestId, and the hub answers with the
// command at every state (queued, sent, acked, failed, expired) or an error. The socket opens
// on first use and reopens after a drop; requests made while it is down wait for it.
import type { Command } from './types.js';
import { isFinal } from './types.js';

export type ControlUpdate = { command: Command } | { error: { code: string; message: string } };

export interface CommandRequest {
  device: string;
  action: string;
  params: Record<string, unknown>;
  timeoutMs: number;
}

const PING_EVERY_MS = 20_000;

export class ControlChannel {
  private socket: WebSocket | null = null;
  private readonly waiting = new Map<string, (update: ControlUpdate) => void>();
  private readonly unsent: string[] = [];
  private pingTimer: number | null = null;
  private nextId = 1;
  private stopped = false;

  constructor(private readonly url: () => string) {}

  send(request: CommandRequest, onUpdate: (update: ControlUpdate) => void): string {
    const requestId = `r${Date.now().toString(36)}-${this.nextId++}`;
    this.waiting.set(requestId, onUpdate);
    const text = JSON.stringify({ type: 'command', requestId, ...request });
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else {
      this.unsent.push(text);
      this.connect();
    }
    return requestId;
  }

  stop(): void {
    this.stopped = true;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.socket?.close();
  }

  private connect(): void {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      for (const text of this.unsent.splice(0)) socket.send(text);
      this.pingTimer = window.setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), PING_EVERY_MS);
    };
    socket.onmessage = (e) => this.receive(e.data);
    socket.onclose = () => {
      if (this.pingTimer !== null) clearInterval(this.pingTimer);
      this.pingTimer = null;
      // Requests still waiting will not hear back on a new socket; say so instead of hanging.
      // The next request opens a new socket.
      this.unsent.length = 0;
      for (const [requestId, onUpdate] of this.waiting) {
        onUpdate({
          error: { code: 'disconnected', message: 'the control channel closed before the hub answered; check the device before retrying' },
        });
        this.waiting.delete(requestId);
      }
    };
  }

  private receive(data: unknown): void {
    let message: { type?: string; requestId?: string; command?: Command; code?: string; message?: string };
    try {
      message = JSON.parse(String(data));
    } catch {
      console.warn('control channel: answer that is not JSON', data);
      return;
    }
    const onUpdate = message.requestId ? this.waiting.get(message.requestId) : undefined;
    if (!onUpdate || !message.requestId) return;
    if (message.type === 'command' && message.command) {
      onUpdate({ command: message.command });
      if (isFinal(message.command.state)) this.waiting.delete(message.requestId);
    } else if (message.type === 'error') {
      onUpdate({ error: { code: message.code ?? 'error', message: message.message ?? 'command refused' } });
      this.waiting.delete(message.requestId);
    }
  }
}
