// CRC16/ARC as DSMR 4+ uses it to protect a P1 telegram: polynomial 0x8005 (0xA001 reflected),
// initial value 0, no final XOR, over every byte from "/" through "!" inclusive.
// Check value: crc16Arc("123456789") === 0xBB3D.
const TABLE = buildTable();

export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff];
  return crc;
}

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
}
