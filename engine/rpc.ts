// Request/response messaging between processes of one node: msgpackr frames
// (u32 big-endian length + encode(message)) over a stream socket. Requests are
// [id, op, args]; replies are [id, 0, result] or [id, 1, error]. Typed errors cross
// the boundary by name so a front end can still map them to SQLSTATE / Dynamo types.

import net from 'node:net';
import { SchemaError, type SchemaErrorCode } from './catalog.js';
import { decode, encode } from './codec.js';

/** Largest frame accepted; a bigger length means a broken peer and closes the connection. */
export const FRAME_BYTES_MAX = 256 * 1024 * 1024;

export type RpcHandler = (op: string, args: unknown) => unknown;

export interface WireError { name: string; message: string; code?: string }

/** An error the remote side raised that has no local type. */
export class RemoteError extends Error {
  constructor(message: string, readonly remoteName: string) {
    super(message);
  }
}

export function errorToWire(e: unknown): WireError {
  if (e instanceof SchemaError) return { name: 'SchemaError', message: e.message, code: e.code };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export function errorFromWire(w: WireError): Error {
  if (w.name === 'SchemaError') return new SchemaError(w.code as SchemaErrorCode, w.message);
  return new RemoteError(w.message, w.name);
}

/** Splits a byte stream into frames; calls onFrame with each decoded message. */
function readFrames(socket: net.Socket, onFrame: (msg: unknown) => void): void {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let need = -1;
  socket.on('data', (chunk: Buffer) => {
    buffered.push(chunk);
    bufferedBytes += chunk.length;
    for (;;) {
      if (need < 0) {
        if (bufferedBytes < 4) return;
        const all = buffered.length === 1 ? buffered[0] : Buffer.concat(buffered);
        buffered = [all];
        need = all.readUInt32BE(0);
        if (need > FRAME_BYTES_MAX) {
          socket.destroy(new Error(`rpc frame of ${need} bytes exceeds ${FRAME_BYTES_MAX}`));
          return;
        }
      }
      if (bufferedBytes < 4 + need) return;
      const all = buffered.length === 1 ? buffered[0] : Buffer.concat(buffered);
      const frame = all.subarray(4, 4 + need);
      const rest = all.subarray(4 + need);
      buffered = rest.length ? [rest] : [];
      bufferedBytes = rest.length;
      need = -1;
      let msg: unknown;
      try {
        msg = decode(frame);
      } catch (e) {
        socket.destroy(new Error(`undecodable rpc frame: ${(e as Error).message}`));
        return;
      }
      onFrame(msg);
    }
  });
}

/**
 * Frames written to one socket in the same tick go out in one write: a shard answering
 * (or forwarding) many requests per event-loop turn pays one syscall, not one per frame.
 */
const pendingFrames = new Map<net.Socket, Buffer[]>();

function flushFrames(): void {
  for (const [socket, frames] of pendingFrames) {
    if (!socket.destroyed) socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }
  pendingFrames.clear();
}

function writeFrame(socket: net.Socket, msg: unknown): void {
  const body = encode(msg);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  let frames = pendingFrames.get(socket);
  if (!frames) {
    if (pendingFrames.size === 0) process.nextTick(flushFrames);
    pendingFrames.set(socket, (frames = []));
  }
  frames.push(header, body);
}

export class RpcServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(handler: RpcHandler) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      readFrames(socket, (msg) => {
        if (!Array.isArray(msg) || msg.length !== 3 || typeof msg[1] !== 'string') {
          socket.destroy();
          return;
        }
        const [id, op, args] = msg as [number, string, unknown];
        Promise.resolve()
          .then(() => handler(op, args))
          .then(
            (result) => { if (!socket.destroyed) writeFrame(socket, [id, 0, result ?? null]); },
            (e) => { if (!socket.destroyed) writeFrame(socket, [id, 1, errorToWire(e)]); },
          );
      });
    });
  }

  listen(address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    readFrames(socket, (msg) => {
      const [id, failed, body] = msg as [number, number, unknown];
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (failed) p.reject(errorFromWire(body as WireError));
      else p.resolve(body);
    });
    const fail = (e?: Error) => {
      this.closedError ??= e ?? new Error('rpc connection closed');
      for (const p of this.pending.values()) p.reject(this.closedError);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  static connect(address: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(address);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RpcClient(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  call<T = unknown>(op: string, args: unknown): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      writeFrame(this.socket, [id, op, args]);
    });
  }

  close(): void {
    this.socket.end();
  }
}
