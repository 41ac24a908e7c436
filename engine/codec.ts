// The one msgpackr configuration used for every binary encoding Tessera writes:
// commit-log records, SSTable blocks, IPC frames and (later) inter-node messages.
// Changing an option here changes the on-disk format: bump the format versions.
import { Packr } from 'msgpackr';

// A bigint round-trips as a bigint (int8 columns), a number as a number.
// useRecords: repeated object shapes (cells, rows) are written once per pack() call.
const packr = new Packr({ useRecords: true, mapsAsObjects: true });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
