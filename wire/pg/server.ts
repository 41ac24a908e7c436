// The listener: accepts sockets, runs one PgConnection per socket, routes CancelRequests by
// (process id, secret key), enforces the connection limit, and stops cleanly.
//
// Several servers can share one port (one per shard process under node:cluster), and a
// CancelRequest arrives on a new connection that may land on any of them. So a process id
// carries the number of the server that issued it (`owner`, bits 20-30); a server that
// receives a CancelRequest for another owner hands it to `forwardCancel`, and the owner
// checks the secret key (cancelLocal).

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import type { PgAuthOptions } from './auth.js';
import type { PgBackend } from './backend.js';
import { PgConnection, type ConnectionContext, type PgWireLogger } from './connection.js';
import { PgError } from './errors.js';
import { DEFAULT_LIMITS, type PgWireLimits } from './limits.js';
import { MessageWriter } from './serialize.js';
import { SqlState } from './sqlstate.js';

/** What clients see as server_version: a 15.x version, so psql and drivers use PG15 behaviour. */
export const DEFAULT_SERVER_VERSION = '15.20 (Tessera)';

/** First per-owner counter value handed out; counters grow from here and are never reused while open. */
const PROCESS_ID_FIRST = 1000;
/** Bits of a process id below the owner: per-owner connection counter. */
const PROCESS_ID_COUNTER_BITS = 20;
const PROCESS_ID_COUNTER_MAX = (1 << PROCESS_ID_COUNTER_BITS) - 1;
/** Owners fit in bits 20-30, so every process id is a positive int32. */
export const PROCESS_ID_OWNER_MAX = 2047;

/** The owner (server number) encoded in a BackendKeyData process id. */
export function processIdOwner(processId: number): number {
  return (processId >>> PROCESS_ID_COUNTER_BITS) & PROCESS_ID_OWNER_MAX;
}

export interface PgServerOptions {
  backend: PgBackend;
  /** Default: trust, anyone. */
  auth?: PgAuthOptions;
  serverVersion?: string;
  limits?: Partial<PgWireLimits>;
  /** Source of salts, nonces and cancel keys; default crypto.randomBytes. */
  random?: (bytes: number) => Buffer;
  /** Where internal errors (bugs) are reported; default console.error. */
  log?: PgWireLogger;
  /** This server's number among those sharing the port (0..PROCESS_ID_OWNER_MAX); default 0. */
  owner?: number;
  /**
   * Called for a CancelRequest whose process id names another owner; it should deliver
   * (processId, secretKey) to that owner's cancelLocal(). Without it such requests are ignored.
   */
  forwardCancel?: (owner: number, processId: number, secretKey: number) => void;
  /** Observes every CancelRequest received: handled here or forwarded (for metrics and tests). */
  onCancelRequest?: (route: 'local' | 'forwarded' | 'unknown') => void;
}

const consoleLogger: PgWireLogger = {
  error: (obj, msg) => console.error(msg, obj),
};

export class PgServer {
  private readonly ctx: ConnectionContext;
  /** Authenticated connections by process id, for CancelRequest. */
  private readonly connections = new Map<number, PgConnection>();
  /** Every accepted connection and the promise of its end. */
  private readonly open = new Map<PgConnection, Promise<void>>();
  private server: Server | undefined;
  private nextCounter = PROCESS_ID_FIRST;
  private stopping = false;
  private readonly owner: number;

  constructor(private readonly options: PgServerOptions) {
    const random = options.random ?? randomBytes;
    this.owner = options.owner ?? 0;
    if (!Number.isInteger(this.owner) || this.owner < 0 || this.owner > PROCESS_ID_OWNER_MAX) {
      throw new Error(`PgServer owner ${this.owner} outside 0..${PROCESS_ID_OWNER_MAX}`);
    }
    this.ctx = {
      backend: options.backend,
      auth: options.auth ?? { method: 'trust' },
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      serverVersion: options.serverVersion ?? DEFAULT_SERVER_VERSION,
      log: options.log ?? consoleLogger,
      random,
      register: (conn) => this.register(conn),
      unregister: (conn) => this.connections.get(conn.processId) === conn && this.connections.delete(conn.processId),
      cancel: (processId, secretKey) => this.routeCancel(processId, secretKey),
    };
  }

  private routeCancel(processId: number, secretKey: number): void {
    const owner = processIdOwner(processId);
    if (owner === this.owner) {
      this.options.onCancelRequest?.('local');
      this.cancelLocal(processId, secretKey);
    } else if (this.options.forwardCancel !== undefined) {
      this.options.onCancelRequest?.('forwarded');
      this.options.forwardCancel(owner, processId, secretKey);
    } else {
      this.options.onCancelRequest?.('unknown');
    }
  }

  /**
   * Cancels the running statement of this server's connection `processId` if `secretKey`
   * matches (a CancelRequest received here or forwarded by another server). Like
   * PostgreSQL, a wrong key or an unknown id is silently ignored.
   */
  cancelLocal(processId: number, secretKey: number): void {
    const conn = this.connections.get(processId);
    if (conn !== undefined && conn.secretKey === secretKey) conn.cancel();
  }

  /** Connections currently open (accepted and not yet closed). */
  get connectionCount(): number {
    return this.open.size;
  }

  /** Listens on host:port (port 0: any free port). */
  async listen(port = 5432, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.server !== undefined) throw new Error('already listening');
    const server = createServer((socket) => this.handle(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Serves one accepted socket (also for embedding behind another listener). */
  handle(socket: Socket): void {
    if (this.stopping || this.open.size >= this.ctx.limits.connectionsMax) {
      const out = new MessageWriter();
      out.errorResponse(new PgError(SqlState.TooManyConnections, 'sorry, too many clients already', {}, 'FATAL'));
      socket.on('error', () => undefined);
      socket.end(out.take());
      return;
    }
    const conn = new PgConnection(socket, this.ctx);
    this.open.set(conn, conn.run().finally(() => this.open.delete(conn)));
  }

  private register(conn: PgConnection): { processId: number; secretKey: number } {
    // Skip ids still in use after the counter wraps.
    let processId: number;
    do {
      this.nextCounter = this.nextCounter >= PROCESS_ID_COUNTER_MAX ? PROCESS_ID_FIRST : this.nextCounter + 1;
      processId = (this.owner << PROCESS_ID_COUNTER_BITS) | this.nextCounter;
    } while (this.connections.has(processId));
    const secretKey = this.ctx.random(4).readInt32BE(0);
    this.connections.set(processId, conn);
    return { processId, secretKey };
  }

  /** Stops listening, ends every connection (their sessions close), and waits for them. */
  async close(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    this.server = undefined;
    const closed = server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.open.keys()) conn.terminate();
    await Promise.all([...this.open.values()]);
    await closed;
  }
}
