// Splits the client's byte stream into frames. Before the StartupMessage completes, packets
// are untyped (int32 length including itself, then the body); afterwards every message is a
// type byte, an int32 length including itself, then the body. The type byte and the length are
// checked as soon as they arrive, so an unknown type or an oversized length ends the
// connection at once instead of waiting for a body that may never come. No buffer is sized
// from a client's length: chunks accumulate until the frame is complete.

import { protocolViolation } from './errors.js';
import { FrontendCode, isFrontendCode, isLargeMessage } from './messages.js';

export interface FrameLimits {
  /** Largest startup-phase packet, length included (PostgreSQL: MAX_STARTUP_PACKET_LENGTH). */
  startupPacketBytesMax: number;
  /** Largest Query, Parse, Bind, FunctionCall, CopyData, CopyFail (PostgreSQL: PQ_LARGE_MESSAGE_LIMIT). */
  messageBytesMax: number;
  /** Largest other message (PostgreSQL: PQ_SMALL_MESSAGE_LIMIT). */
  smallMessageBytesMax: number;
  /** Largest password/SASL message (PostgreSQL: PG_MAX_AUTH_TOKEN_LENGTH). */
  authMessageBytesMax: number;
}

/** A startup-phase packet: the body after the length (it starts with the int32 code). */
export interface StartupFrame {
  readonly kind: 'startup';
  readonly body: Buffer;
}

export interface MessageFrame {
  readonly kind: 'message';
  readonly code: FrontendCode;
  readonly body: Buffer;
}

export type Frame = StartupFrame | MessageFrame;

/** Length of the header (type byte + int32, or just the int32 in the startup phase). */
const MESSAGE_HEADER_BYTES = 5;
const STARTUP_HEADER_BYTES = 4;
/** A startup packet holds at least its length and its code. */
const STARTUP_PACKET_BYTES_MIN = 8;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Startup packets until the connection says otherwise. */
  private startupPhase = true;

  constructor(private readonly limits: FrameLimits) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Switches to typed messages once the StartupMessage has been read. */
  endStartupPhase(): void {
    this.startupPhase = false;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame, or undefined when more bytes are needed. Throws FATAL 08P01
   * for an unknown message type or a length outside the limits. `expectPassword` applies
   * the authentication limits and accepts only 'p' (PostgreSQL's rule during auth).
   */
  next(expectPassword = false): Frame | undefined {
    return this.startupPhase ? this.nextStartup() : this.nextMessage(expectPassword);
  }

  /** True when the buffer holds the whole next frame (used to decide on backpressure). */
  hasCompleteFrame(): boolean {
    const headerBytes = this.startupPhase ? STARTUP_HEADER_BYTES : MESSAGE_HEADER_BYTES;
    if (this.buffered < headerBytes) return false;
    const head = this.peek(headerBytes);
    const total = this.startupPhase ? head.readInt32BE(0) : 1 + head.readInt32BE(1);
    return this.buffered >= total;
  }

  private nextStartup(): StartupFrame | undefined {
    if (this.buffered < STARTUP_HEADER_BYTES) return undefined;
    const length = this.peek(STARTUP_HEADER_BYTES).readInt32BE(0);
    if (length < STARTUP_PACKET_BYTES_MIN || length > this.limits.startupPacketBytesMax) {
      throw protocolViolation('invalid length of startup packet');
    }
    if (this.buffered < length) return undefined;
    const packet = this.take(length);
    return { kind: 'startup', body: packet.subarray(STARTUP_HEADER_BYTES) };
  }

  private nextMessage(expectPassword: boolean): MessageFrame | undefined {
    if (this.buffered < 1) return undefined;
    const code = this.peek(1)[0];
    if (expectPassword && code !== FrontendCode.Password) {
      throw protocolViolation(`expected password response, got message type ${code}`);
    }
    if (!isFrontendCode(code)) throw protocolViolation(`invalid frontend message type ${code}`);
    if (this.buffered < MESSAGE_HEADER_BYTES) return undefined;
    const length = this.peek(MESSAGE_HEADER_BYTES).readInt32BE(1);
    const max = expectPassword
      ? this.limits.authMessageBytesMax
      : isLargeMessage(code) ? this.limits.messageBytesMax : this.limits.smallMessageBytesMax;
    if (length < 4 || length > max) throw protocolViolation(`invalid message length ${length}`);
    if (this.buffered < 1 + length) return undefined;
    const message = this.take(1 + length);
    return { kind: 'message', code, body: message.subarray(MESSAGE_HEADER_BYTES) };
  }

  /** The first n buffered bytes (n ≤ buffered), joining chunks only when they are split. */
  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0];
  }

  private take(n: number): Buffer {
    const head = this.peek(n);
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }
}
