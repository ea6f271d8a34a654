// Listing serial ports from sysfs, without udevadm. No USB serial adapter is attached to the
// machines the tests run on, so the USB cases run against a fixture tree built in a temp dir with
// the layout of a real /sys: class/tty entries that are symlinks into devices/, relative `device`
// and `subsystem` links, and the USB attribute files on the USB device above the tty. The real
// /sys of this machine and `telemetry-hub ports --json` are checked as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { listSysfsSerialPorts } from '../../../src/transports/serial/port-list.js';
import { matchesUsb } from '../../../src/transports/serial/port.js';
import { tempDir } from '../../helpers/teardown.js';

/** Builds a sysfs-shaped tree under `root` and a dev dir next to it. */
class FakeSysfs {
  readonly sys: string;
  readonly dev: string;

  constructor(readonly root: string) {
    this.sys = join(root, 'sys');
    this.dev = join(root, 'dev');
    for (const dir of ['class/tty', 'bus/usb', 'bus/usb-serial', 'bus/serial-base', 'bus/platform', 'bus/pnp', 'bus/pci']) {
      mkdirSync(join(this.sys, dir), { recursive: true });
    }
    mkdirSync(this.dev);
  }

  /** A device directory under devices/ on `bus`, with attribute files. */
  device(path: string, bus: string, attributes: Record<string, string> = {}): string {
    const dir = join(this.sys, 'devices', path);
    mkdirSync(dir, { recursive: true });
    this.link(join(dir, 'subsystem'), join(this.sys, 'bus', bus));
    for (const [name, value] of Object.entries(attributes)) writeFileSync(join(dir, name), `${value}\n`);
    return dir;
  }

  /** A tty below `parent` (a devices/ path), its class/tty link and, unless told not to, its /dev node. */
  tty(name: string, parent: string, opts: { device?: boolean; type?: string; node?: boolean } = {}): void {
    const dir = join(this.sys, 'devices', parent, 'tty', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'uevent'), `MAJOR=4\nMINOR=64\nDEVNAME=${name}\n`);
    this.link(join(dir, 'subsystem'), join(this.sys, 'class', 'tty'));
    if (opts.device !== false) this.link(join(dir, 'device'), join(this.sys, 'devices', parent));
    if (opts.type !== undefined) writeFileSync(join(dir, 'type'), `${opts.type}\n`);
    this.link(join(this.sys, 'class', 'tty', name), dir);
    if (opts.node !== false) writeFileSync(join(this.dev, name), '');
  }

  /** Relative, as the kernel makes them, so the tree resolves wherever it lies. */
  private link(at: string, target: string): void {
    symlinkSync(relative(dirname(at), target), at);
  }
}

function buildMachine(root: string): FakeSysfs {
  const fs = new FakeSysfs(root);
  const usb = 'pci0000:00/0000:00:14.0/usb1';
  // An Arduino Uno: cdc_acm, the tty's device is the USB interface.
  fs.device(`${usb}/1-2`, 'usb', {
    idVendor: '2341',
    idProduct: '0043',
    serial: '85735313932351D0E1A1',
    manufacturer: 'Arduino (www.arduino.cc)',
    product: 'Arduino Uno',
  });
  fs.device(`${usb}/1-2/1-2:1.0`, 'usb', { bInterfaceClass: '02' });
  fs.tty('ttyACM0', `${usb}/1-2/1-2:1.0`);
  // An FTDI adapter: ftdi_sio, the tty's device is a usb-serial port below the interface.
  fs.device(`${usb}/1-3`, 'usb', {
    idVendor: '0403',
    idProduct: '6001',
    serial: 'A50285BI',
    manufacturer: 'FTDI',
    product: 'FT232R USB UART',
  });
  fs.device(`${usb}/1-3/1-3:1.0`, 'usb', { bInterfaceClass: 'ff' });
  fs.device(`${usb}/1-3/1-3:1.0/ttyUSB0`, 'usb-serial');
  fs.tty('ttyUSB0', `${usb}/1-3/1-3:1.0/ttyUSB0`);
  // A CH340 without serial or manufacturer string, behind a hub that has ids of its own.
  fs.device(`${usb}/1-4`, 'usb', { idVendor: '05e3', idProduct: '0608', product: 'USB2.0 Hub' });
  fs.device(`${usb}/1-4/1-4.2`, 'usb', { idVendor: '1a86', idProduct: '7523', product: 'USB Serial' });
  fs.device(`${usb}/1-4/1-4.2/1-4.2:1.0`, 'usb');
  fs.device(`${usb}/1-4/1-4.2/1-4.2:1.0/ttyUSB1`, 'usb-serial');
  fs.tty('ttyUSB1', `${usb}/1-4/1-4.2/1-4.2:1.0/ttyUSB1`);
  // An adapter of the host whose node was not passed into this container.
  fs.device(`${usb}/1-5`, 'usb', { idVendor: '10c4', idProduct: 'ea60' });
  fs.device(`${usb}/1-5/1-5:1.0/ttyUSB7`, 'usb-serial');
  fs.tty('ttyUSB7', `${usb}/1-5/1-5:1.0/ttyUSB7`, { node: false });
  // A real 16550A on the serial-base bus (Linux 6.5+) and a phantom 8250 port next to it.
  fs.device('pnp0/00:00', 'pnp', { id: 'PNP0501' });
  fs.device('pnp0/00:00/00:00:0/00:00:0.0', 'serial-base');
  fs.tty('ttyS0', 'pnp0/00:00/00:00:0/00:00:0.0', { type: '4' });
  fs.device('platform/serial8250', 'platform');
  fs.device('platform/serial8250/serial8250:0/serial8250:0.1', 'serial-base');
  fs.tty('ttyS1', 'platform/serial8250/serial8250:0/serial8250:0.1', { type: '0' });
  // Older kernel layout without a `type` file: phantom on the platform device, real on a PCI card.
  fs.tty('ttyS2', 'platform/serial8250');
  fs.device('pci0000:00/0000:00:1e.0/0000:05:00.0', 'pci', { vendor: '0x1415', device: '0xc158' });
  fs.tty('ttyS3', 'pci0000:00/0000:00:1e.0/0000:05:00.0');
  // A Raspberry Pi's PL011 hangs off a platform device but has a UART type, so it is real.
  fs.device('platform/soc/fe201000.serial', 'platform');
  fs.tty('ttyAMA0', 'platform/soc/fe201000.serial', { type: '32' });
  // A virtual console: no device link.
  fs.tty('tty1', 'virtual/tty', { device: false });
  return fs;
}

test('sysfs listing: USB ids from the USB device, phantom 8250 ports, virtual ttys and missing nodes left out', async (t) => {
  const root = tempDir(t, 'port-list-');
  const fs = buildMachine(root);
  const ports = await listSysfsSerialPorts(fs.sys, fs.dev);
  const dev = (name: string) => join(fs.dev, name);
  assert.deepEqual(ports, [
    {
      path: dev('ttyACM0'),
      manufacturer: 'Arduino (www.arduino.cc)',
      vendorId: '2341',
      productId: '0043',
      serialNumber: '85735313932351D0E1A1',
    },
    { path: dev('ttyAMA0') },
    { path: dev('ttyS0') },
    { path: dev('ttyS3') },
    { path: dev('ttyUSB0'), manufacturer: 'FTDI', vendorId: '0403', productId: '6001', serialNumber: 'A50285BI' },
    { path: dev('ttyUSB1'), vendorId: '1a86', productId: '7523' },
  ]);
  // What ReconnectingPort does with `match`: find the adapter by its ids, not its path.
  const ftdi = ports.find((p) => matchesUsb(p, { vendorId: '0403', serialNumber: 'a50285bi' }));
  assert.equal(ftdi?.path, dev('ttyUSB0'));
});

test('a sysfs root without class/tty, or none at all, lists no ports', async (t) => {
  const root = tempDir(t, 'port-list-');
  assert.deepEqual(await listSysfsSerialPorts(root, root), []);
  assert.deepEqual(await listSysfsSerialPorts(join(root, 'absent'), root), []);
});

test('the real /sys of this machine lists ports whose nodes exist', { skip: process.platform !== 'linux' }, async () => {
  const ports = await listSysfsSerialPorts();
  assert.ok(Array.isArray(ports));
  for (const p of ports) {
    assert.match(p.path, /^\/dev\//);
    assert.ok(existsSync(p.path), p.path);
  }
});

test('`telemetry-hub ports --json` lists from sysfs with no udevadm to be found', { skip: process.platform !== 'linux' }, async () => {
  // An empty PATH hides udevadm whether or not this machine has one.
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ports', '--json'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PATH: '' },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), await listSysfsSerialPorts());
});
