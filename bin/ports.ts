// Client ports are bound by every shard process through node:cluster; the supervisor checks
// each is free before forking, so a taken port is one clear line naming its flag.

import net from 'node:net';
import { UsageError } from './config.js';

export async function checkPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UsageError(`${what} port ${port} is already in use; stop the other process or choose another with ${flag}`));
      else if (e.code === 'EACCES') reject(new UsageError(`${what} port ${port} needs privileges this user lacks; choose another with ${flag}`));
      else reject(new UsageError(`cannot listen on ${host}:${port} (${e.code ?? e.message}); fix --listen or choose another ${flag}`));
    });
    s.listen(port, host, () => s.close(() => resolve()));
  });
}

/** A port free on 127.0.0.1 right now (tests and benchmarks start servers on it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
