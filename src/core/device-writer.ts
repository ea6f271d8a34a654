// Device descriptions as a group commit: a write starts as soon as the previous one is done and
// takes every description saved meanwhile, in one store call (one transaction). Each caller
// still waits for its own description to be durable: the callers of one write share its promise.
// A fleet registering at once (new devices connecting after a restart) then costs a few fsyncs,
// not one per device. A device saved twice before its write keeps only its newer description,
// which is what the store would hold after both writes.
import type { Device } from './model.js';
import type { Store } from './store.js';

interface Group {
  devices: Map<string, Device>;
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

export class DeviceWriter {
  private queued: Group | null = null;
  private writing = false;

  constructor(private readonly store: Pick<Store, 'saveDevices'>) {}

  /** Resolves once `device` (or a newer description of it) is durable; rejects if its write failed. */
  save(device: Device): Promise<void> {
    const group = (this.queued ??= newGroup());
    group.devices.set(device.id, device);
    this.kick();
    return group.done;
  }

  private kick(): void {
    const group = this.queued;
    if (this.writing || !group) return;
    this.queued = null;
    this.writing = true;
    this.store.saveDevices([...group.devices.values()]).then(
      () => this.finish(group),
      (err: unknown) => this.finish(group, err),
    );
  }

  private finish(group: Group, err?: unknown): void {
    this.writing = false;
    group.settle(err);
    this.kick();
  }
}

function newGroup(): Group {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  return { devices: new Map(), done, settle };
}
