// Commands on the device side. The hub publishes every unanswered command again whenever the
// device subscribes to `cmd` (each reconnect), so one command can arrive several times: while
// its handler still runs, after the answer was lost with a connection, or after the device
// process restarted. Each command id is applied once; every delivery is answered with that
// one result. Answers are remembered with their results (in a file next to the queue file when
// there is one, so a restarted process does not apply old commands again) and published on the
// connection current when the result is ready, or after the next resume when there is none.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface DeviceCommand {
  id: string;
  action: string;
  params: Record<string, unknown>;
  expiresAt: number;
}

export type CommandResult = { ok: true } | { ok: false; error: string };

export type CommandHandler = (command: DeviceCommand) => CommandResult | Promise<CommandResult>;

/** How many answered command ids are kept; far more than a device has open at any time. */
export const ANSWERS_KEPT = 1000;

/** Answered command ids with their results, oldest first, bounded; in a file when one is given. */
export class CommandAnswers {
  private readonly answers = new Map<string, CommandResult>();
  private loaded = false;

  constructor(
    private readonly file?: string,
    private readonly limit = ANSWERS_KEPT,
  ) {}

  /** Reads the file once; unreadable lines (a torn write cannot happen: writes are renames) are skipped. */
  load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file || !existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const { id, ok, error } = JSON.parse(line);
        if (typeof id === 'string' && typeof ok === 'boolean') this.remember(id, ok ? { ok } : { ok, error: String(error ?? 'failed') });
      } catch {
        // not ours to act on
      }
    }
  }

  get(id: string): CommandResult | undefined {
    return this.answers.get(id);
  }

  get size(): number {
    return this.answers.size;
  }

  /** Remembers an answer; with a file, written whole to a temporary file and renamed over it. */
  record(id: string, result: CommandResult): void {
    this.remember(id, result);
    if (!this.file) return;
    const lines = [...this.answers].map(([answered, r]) => JSON.stringify({ id: answered, ...r }));
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    renameSync(tmp, this.file);
  }

  private remember(id: string, result: CommandResult): void {
    this.answers.delete(id);
    this.answers.set(id, result);
    while (this.answers.size > this.limit) this.answers.delete(this.answers.keys().next().value!);
  }
}

export interface CommandDeskOptions {
  file?: string;
  handler?: CommandHandler;
  /** Publishes an answer on the current connection; false when there is none (or it failed at once). */
  publish: (id: string, result: CommandResult, done: (err?: Error) => void) => boolean;
  /** Something went wrong that the device owner should hear about (the answers file could not be written). */
  onError: (err: Error) => void;
}

/** Receives commands, applies each id once, and answers every delivery. Nothing it does rejects. */
export class CommandDesk {
  readonly answers: CommandAnswers;
  private readonly running = new Map<string, Promise<CommandResult>>();
  /** Answers that found no connection; published after the next resume. */
  private readonly unsent = new Map<string, CommandResult>();

  constructor(private readonly options: CommandDeskOptions) {
    this.answers = new CommandAnswers(options.file);
  }

  load(): void {
    this.answers.load();
  }

  /** Commands whose handler is still running. */
  get inFlight(): number {
    return this.running.size;
  }

  receive(command: DeviceCommand): void {
    if (typeof command?.id !== 'string' || command.id.length === 0) return;
    const { id } = command;
    const known = this.answers.get(id);
    if (known) {
      this.answer(id, known);
      return;
    }
    // A redelivery while the handler runs waits for the same result instead of applying again.
    let result = this.running.get(id);
    if (!result) {
      result = this.apply(command);
      this.running.set(id, result);
    }
    void result.then((r) => this.answer(id, r));
  }

  /** Publishes the answers that found no connection (called once the device has resumed). */
  flush(): void {
    const due = [...this.unsent];
    this.unsent.clear();
    for (const [id, result] of due) this.answer(id, result);
  }

  private async apply(command: DeviceCommand): Promise<CommandResult> {
    let result: CommandResult;
    try {
      const { handler } = this.options;
      result = handler ? normalise(await handler(command)) : { ok: false, error: 'this device takes no commands' };
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    // Recorded before it is published: an answer the hub saw is never applied again after a restart.
    try {
      this.answers.record(command.id, result);
    } catch (err) {
      this.report(new Error(`could not record the answer to command ${command.id}: ${(err as Error).message}`));
    }
    this.running.delete(command.id);
    return result;
  }

  private answer(id: string, result: CommandResult): void {
    const failed = () => this.unsent.set(id, result);
    try {
      if (
        !this.options.publish(id, result, (err) => {
          if (err) failed();
        })
      )
        failed();
    } catch {
      // The connection went away under the publish: the answer waits for the next resume.
      failed();
    }
  }

  private report(err: Error): void {
    try {
      this.options.onError(err);
    } catch {
      // a throwing listener must not turn into an unhandled rejection here
    }
  }
}

/** A handler's result as the protocol wants it, whatever the handler returned. */
function normalise(result: CommandResult | undefined): CommandResult {
  if (result && result.ok === true) return { ok: true };
  if (result && result.ok === false) return { ok: false, error: String(result.error ?? 'failed') };
  return { ok: false, error: 'the command handler returned no result' };
}
