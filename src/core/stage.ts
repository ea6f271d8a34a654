// The lifecycle every part of the hub with something to open or run shares. The composition
// root starts the stages in order and stops the started ones in reverse, so a stage may rely on
// every stage before it while it starts, runs and stops.
export interface Stage {
  readonly name: string;
  /** Opens, listens or loads: the I/O a constructor must not do. */
  start(): Promise<void>;
  /** Releases what start() took; called only after start() succeeded. */
  stop(): Promise<void>;
}
