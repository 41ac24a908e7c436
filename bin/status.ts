// `tessera status`: the ring as `nodetool status` prints it, from a node's admin port.

import { parseArgs } from 'node:util';
import type { NodeStatus } from './admin.js';
import { UsageError } from './config.js';

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
  return `${bytes.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

export function formatStatus(s: NodeStatus): string {
  const up = s.shards.filter((x) => x.up).length;
  const state = up === s.shards.length ? 'UN' : up === 0 ? 'DN' : 'UJ';
  const rows = [
    ['--', 'Address', 'Load', 'Shards', 'Owns', 'Host ID'],
    [state, s.address, human(s.loadBytes), `${up}/${s.shards.length}`, '100.0%', `node-${s.nodeId}`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  return ['Datacenter: local', '=================', 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving', ...lines, ''].join('\n');
}

export async function status(argv: string[]): Promise<string> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { host: { type: 'string', default: '127.0.0.1' }, 'admin-port': { type: 'string', default: '9180' } }, strict: true }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see tessera help)`);
  }
  const url = `http://${values.host}:${values['admin-port']}/status`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    throw new UsageError(`no Tessera node answers at ${values.host}:${values['admin-port']}; start one or pass --host/--admin-port`);
  }
  if (!res.ok) throw new UsageError(`${url} answered HTTP ${res.status}`);
  return formatStatus((await res.json()) as NodeStatus);
}
