// A meter's device id when the devices file gives none: its equipment id. DSMR sends that as
// hex-encoded ASCII ("4B384547303034303436333935353037" is "K8EG004046395507", the number printed
// on the meter), so it is decoded when it decodes to printable text, then fitted to the hub's
// id charset (letters, digits, ".", "_", "-"; at most 64 characters).
import { LIMITS, checkDeviceId } from '../../../core/model.js';

export function meterDeviceId(equipmentId: string): string | null {
  const text = decodeHexAscii(equipmentId) ?? equipmentId;
  const id = text
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, LIMITS.idMaxLength)
    .replace(/[^A-Za-z0-9]+$/, '');
  return checkDeviceId(id) === null ? id : null;
}

function decodeHexAscii(value: string): string | null {
  if (value.length === 0 || value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return null;
  const text = Buffer.from(value, 'hex').toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? text : null;
}
