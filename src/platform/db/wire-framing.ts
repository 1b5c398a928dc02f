import type { Socket } from 'node:net';

/** The PostgreSQL wire protocol's framing, as the embedded engine's wire server (wire-server.ts) reads it. */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
/** PostgreSQL's own bound on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_LENGTH = 10_000;
/**
 * Far above any statement this server's clients send, far below what would exhaust memory: a longer claimed
 * length is a broken or hostile client, and its connection is closed instead of buffered.
 */
const MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;

const TERMINATE = 'X'.charCodeAt(0);
const READY_FOR_QUERY = 'Z'.charCodeAt(0);
const IDLE = 'I'.charCodeAt(0);

/** Follows the backend's message framing across output chunks, to tell whether its last message said idle. */
export class BackendFraming {
  private readonly header = Buffer.alloc(5);
  private headerLength = 0;
  private type = 0;
  private bodyLeft = 0;
  idle = false;

  feed(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.bodyLeft === 0) {
        this.header[this.headerLength++] = chunk[offset++]!;
        if (this.headerLength === this.header.length) {
          this.headerLength = 0;
          this.type = this.header[0]!;
          this.bodyLeft = Math.max(0, this.header.readUInt32BE(1) - 4);
          this.idle = false;
        }
        continue;
      }
      // ReadyForQuery's whole body is the one status byte.
      if (this.type === READY_FOR_QUERY) this.idle = chunk[offset] === IDLE;
      const taken = Math.min(this.bodyLeft, chunk.length - offset);
      offset += taken;
      this.bodyLeft -= taken;
    }
  }
}

/** One client connection: its messages split out of the byte stream, the startup phase answered. */
export class WireConnection {
  closed = false;
  /** Complete messages received and not yet run, in order. */
  inbox: Buffer[] = [];
  readonly framing = new BackendFraming();
  private started = false;
  private unread: Buffer = Buffer.alloc(0);
  /** Chunks of a message still incomplete, joined once all of it is here (not copied again per chunk). */
  private arriving: Buffer[] = [];
  private arrivingLength = 0;
  /** Bytes the incomplete message at the front of `unread` needs in all (0 while its header is incomplete). */
  private needed = 0;

  constructor(readonly socket: Socket) {}

  /** Splits what arrived into messages; false when the client broke the protocol and must be dropped. */
  receive(chunk: Buffer): boolean {
    this.arriving.push(chunk);
    this.arrivingLength += chunk.length;
    if (this.unread.length + this.arrivingLength < this.needed) return true;
    this.unread = Buffer.concat([this.unread, ...this.arriving]);
    this.arriving = [];
    this.arrivingLength = 0;
    this.needed = 0;
    while (!this.closed) {
      const message = this.started ? this.nextTypedMessage() : this.nextStartupPacket();
      if (message === false) return false;
      if (message === undefined) return true;
    }
    return true;
  }

  private nextStartupPacket(): Buffer | false | undefined {
    if (this.unread.length < 8) return undefined;
    const length = this.unread.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_LENGTH) return false;
    if (this.unread.length < length) return this.awaiting(length);
    const packet = this.take(length);
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      // Loopback only: the client carries on unencrypted, as it would with a server that has no TLS.
      this.socket.write('N');
      return packet;
    }
    // A CancelRequest, or a protocol PGlite does not speak: nothing to answer on this connection.
    if (code !== PROTOCOL_3) return false;
    this.started = true;
    this.inbox.push(packet);
    return packet;
  }

  private nextTypedMessage(): Buffer | false | undefined {
    if (this.unread.length < 5) return undefined;
    const length = this.unread.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_LENGTH) return false;
    if (this.unread.length < length + 1) return this.awaiting(length + 1);
    const message = this.take(length + 1);
    if (message[0] === TERMINATE) {
      // PGlite's backend must outlive every client, so Terminate ends only this connection.
      this.socket.end();
      this.closed = true;
      return message;
    }
    this.inbox.push(message);
    return message;
  }

  private awaiting(length: number): undefined {
    this.needed = length;
    return undefined;
  }

  private take(length: number): Buffer {
    const taken = this.unread.subarray(0, length);
    this.unread = this.unread.subarray(length);
    return taken;
  }
}
