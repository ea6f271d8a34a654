// What the control channel needs beyond the command service: every state a recent command went
// through (the service emits `queued` and often `sent` before create() returns, so they are
// recorded here from the bus), and the command each request id produced, so a repeated request
// is answered with the same command instead of making a second one. Both are bounded.
import type { EventBus } from '../core/events.js';
import type { Command } from '../core/model.js';

const MAX_COMMANDS = 10_000;
const MAX_REQUESTS = 10_000;

export class CommandTracker {
  private readonly states = new Map<string, Command[]>();
  private readonly requests = new Map<string, { command: Promise<Command>; at: number }>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly requestTtlMs = 10 * 60_000,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.on('command', (command) => {
      let seen = this.states.get(command.id);
      if (!seen) {
        this.states.set(command.id, (seen = []));
        evictOldest(this.states, MAX_COMMANDS);
      }
      seen.push(command);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Every state of the command seen so far, oldest first. */
  history(commandId: string): Command[] {
    return [...(this.states.get(commandId) ?? [])];
  }

  /**
   * The command a request (scoped by who sent it) produced, creating it with `create` the first
   * time. A failed create is forgotten so a corrected request can be sent with the same id.
   */
  once(key: string, create: () => Promise<Command>): Promise<Command> {
    const now = Date.now();
    const known = this.requests.get(key);
    if (known && now - known.at < this.requestTtlMs) return known.command;
    const command = create();
    this.requests.delete(key);
    this.requests.set(key, { command, at: now });
    evictOldest(this.requests, MAX_REQUESTS);
    command.catch(() => this.requests.delete(key));
    return command;
  }
}

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}
