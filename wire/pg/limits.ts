// Every bound the protocol layer enforces, with its unit in its name. Defaults follow
// PostgreSQL where it has the same limit.

import type { FrameLimits } from './frame-reader.js';

export interface PgWireLimits extends FrameLimits {
  /** Open client connections; one more gets FATAL 53300 (PostgreSQL: max_connections). */
  connectionsMax: number;
  /** Named prepared statements per connection (PostgreSQL has none; a leaking client would grow forever). */
  statementsMax: number;
  /** Open portals per connection. */
  portalsMax: number;
  /** Time from accept to the end of authentication (PostgreSQL: authentication_timeout). */
  startupTimeoutMs: number;
  /** Input buffered beyond the frame being read before the socket is paused. */
  inputBufferBytesHigh: number;
  /** Output gathered before it is written and the connection yields to other work. */
  outputFlushBytes: number;
}

export const DEFAULT_LIMITS: PgWireLimits = {
  startupPacketBytesMax: 10_000,
  messageBytesMax: 0x3fffffff - 1,
  smallMessageBytesMax: 10_000,
  authMessageBytesMax: 65_535,
  connectionsMax: 1_000,
  statementsMax: 10_000,
  portalsMax: 10_000,
  startupTimeoutMs: 60_000,
  inputBufferBytesHigh: 1024 * 1024,
  outputFlushBytes: 64 * 1024,
};
