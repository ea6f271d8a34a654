// Lists the serial ports of a Linux machine from sysfs. serialport's own list asks `udevadm`,
// which a minimal Debian install and the slim container image do not have; the kernel's sysfs
// holds the same facts (which ttys have hardware behind them and, for USB adapters, the ids and
// strings udev would report) and needs no daemon, no package and no extra process.
import { access, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { PortInfo } from './port.js';

/**
 * The ports under `sysfsRoot`/class/tty that have hardware behind them and a node in `devRoot`,
 * sorted by path. Both roots are parameters so a test can hand in a fixture tree.
 */
export async function listSysfsSerialPorts(sysfsRoot = '/sys', devRoot = '/dev'): Promise<PortInfo[]> {
  // Resolved once, so the containment check while walking up compares resolved paths.
  const root = await realpath(sysfsRoot).catch(() => null);
  if (root === null) return [];
  const classDir = join(root, 'class', 'tty');
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch (err) {
    // No tty class at all (a chroot or a container without sysfs) means no serial ports.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found = await Promise.all(names.map((name) => describeTty(root, join(classDir, name), devRoot)));
  return found.filter((p): p is PortInfo => p !== null).sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

async function describeTty(root: string, ttyDir: string, devRoot: string): Promise<PortInfo | null> {
  // Consoles, ptmx and other virtual ttys have no `device` link: nothing can be plugged into them.
  const devicePath = await realpath(join(ttyDir, 'device')).catch(() => null);
  if (devicePath === null) return null;
  if (!(await hasUart(ttyDir, devicePath))) return null;
  const path = join(devRoot, await nodeName(ttyDir));
  // In a container sysfs shows every tty of the host, but /dev holds only the devices passed in;
  // a port without a node could not be opened, so it is not offered.
  if (!(await exists(path))) return null;
  const usbDir = await findUsbDevice(root, devicePath);
  if (usbDir === null) return { path };
  const [vendorId, productId, serial, manufacturer] = await Promise.all(
    ['idVendor', 'idProduct', 'serial', 'manufacturer'].map((name) => readAttribute(usbDir, name)),
  );
  const port: PortInfo = { path };
  // Only present fields are set, so the JSON output and deep comparisons see no undefined keys.
  if (manufacturer !== undefined) port.manufacturer = manufacturer;
  if (vendorId !== undefined) port.vendorId = vendorId.toLowerCase();
  if (productId !== undefined) port.productId = productId.toLowerCase();
  // udev (and so serialport) reports the serial with whitespace runs turned into "_"; doing the
  // same keeps `match` entries written from its output matching.
  if (serial !== undefined) port.serialNumber = serial.replace(/\s+/g, '_');
  return port;
}

/**
 * The 8250 driver registers ttyS0..ttyS(nr_uarts-1) whether or not a UART answers at their
 * address, so a PC shows dozens of ttyS ports that cannot talk to anything. Ports of the serial
 * core report their UART type in `type`, and 0 (PORT_UNKNOWN, "unknown" in setserial) means no
 * UART is there. Ports without that file (USB adapters, very old kernels) fall back to pyserial's
 * rule that a tty hanging directly off a platform device is a placeholder. That rule alone would
 * not do: with the serial-base bus (Linux 6.5 and later) every 8250 port's device is a
 * serial-base port, phantom or not.
 */
async function hasUart(ttyDir: string, devicePath: string): Promise<boolean> {
  const type = await readAttribute(ttyDir, 'type');
  if (type !== undefined) return type !== '0';
  const subsystem = await realpath(join(devicePath, 'subsystem')).catch(() => null);
  return subsystem === null || basename(subsystem) !== 'platform';
}

/** The node's name under /dev as the kernel announces it; sysfs spells "/" in names as "!". */
async function nodeName(ttyDir: string): Promise<string> {
  const uevent = await readFile(join(ttyDir, 'uevent'), 'utf8').catch(() => '');
  const devname = /^DEVNAME=(.+)$/m.exec(uevent)?.[1]?.trim();
  return devname || basename(ttyDir).replaceAll('!', '/');
}

/**
 * A USB serial tty's device is an interface (cdc_acm) or a port below an interface (usb-serial
 * drivers such as ftdi_sio or ch341); the ids and strings sit on the USB device above it. Walking
 * up to the nearest directory with idVendor and idProduct covers both, and stops at the adapter
 * itself rather than a hub further up. Non-USB ports (PCI, platform, pnp) find none.
 */
async function findUsbDevice(root: string, devicePath: string): Promise<string | null> {
  const devicesRoot = join(root, 'devices');
  for (let dir = devicePath; dir.startsWith(devicesRoot + sep); dir = dirname(dir)) {
    if ((await exists(join(dir, 'idVendor'))) && (await exists(join(dir, 'idProduct')))) return dir;
  }
  return null;
}

/** The first line of a sysfs attribute, trimmed; undefined when missing, unreadable or empty. */
async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(dir, name), 'utf8')).split('\n', 1)[0].trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
