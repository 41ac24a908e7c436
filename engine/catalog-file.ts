// Durable catalog file: <data>/schema.mpk, replaced atomically (temp, fsync, rename,
// fsync directory) so a crash leaves either the old or the new catalog.

import fs from 'node:fs';
import path from 'node:path';
import { decode, encode } from './codec.js';
import { emptyCatalog, type CatalogState } from './catalog.js';

export const CATALOG_FILE = 'schema.mpk';

export function loadCatalog(dataDir: string): CatalogState {
  const file = path.join(dataDir, CATALOG_FILE);
  if (!fs.existsSync(file)) return emptyCatalog();
  const bytes = fs.readFileSync(file);
  try {
    const state = decode<CatalogState>(bytes);
    if (typeof state?.version !== 'number' || !Array.isArray(state.tables)) throw new Error('bad shape');
    return state;
  } catch (e) {
    throw new Error(`schema file ${file} is corrupt (${(e as Error).message}); restore it from a backup`);
  }
}

export function saveCatalog(dataDir: string, state: CatalogState): void {
  const file = path.join(dataDir, CATALOG_FILE);
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, encode(state));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dataDir);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
