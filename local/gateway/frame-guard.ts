// Reads the headers of inbound WebSocket frames as they arrive on the raw socket, before `ws` buffers
// them, to apply API Gateway's limits: a frame over 32 KB or a message (frames reassembled) over 128 KB
// closes the connection with 1009, a binary frame with 1003. `ws` alone only knows one maxPayload for
// whole messages and would hand binary data on. Payload bytes are skipped, never copied.

export interface FrameViolation {
  code: 1003 | 1009;
  cause: 'binary-frame' | 'frame-too-big' | 'message-too-big';
}

const OPCODE_CONTINUATION = 0x0;
const OPCODE_BINARY = 0x2;
const MAX_HEADER_BYTES = 14; // 2 + 8 (64-bit length) + 4 (mask)

export class InboundFrameGuard {
  private readonly header = Buffer.alloc(MAX_HEADER_BYTES);
  private headerFilled = 0;
  private payloadToSkip = 0;
  private messageSoFar = 0;
  private stopped = false;

  constructor(
    private readonly frameBytes: number,
    private readonly messageBytes: number,
  ) {}

  /** Feeds one chunk of socket data; returns the first limit it breaks, after which it stops reading. */
  inspect(chunk: Buffer): FrameViolation | undefined {
    if (this.stopped) return undefined;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadToSkip > 0) {
        const skipped = Math.min(this.payloadToSkip, chunk.length - offset);
        this.payloadToSkip -= skipped;
        offset += skipped;
        continue;
      }
      // Collect the 2-byte base header, then as many extension bytes as it announces.
      const needed = this.headerFilled < 2 ? 2 : headerLength(this.header);
      const copied = chunk.copy(this.header, this.headerFilled, offset, offset + (needed - this.headerFilled));
      this.headerFilled += copied;
      offset += copied;
      if (this.headerFilled < 2 || this.headerFilled < headerLength(this.header)) continue;
      const violation = this.onFrameHeader();
      this.headerFilled = 0;
      if (violation) {
        this.stopped = true;
        return violation;
      }
    }
    return undefined;
  }

  private onFrameHeader(): FrameViolation | undefined {
    const opcode = (this.header[0] ?? 0) & 0x0f;
    const length = payloadLength(this.header);
    this.payloadToSkip = length;
    if (opcode > OPCODE_BINARY) return undefined; // control frames: ws handles them
    if (opcode === OPCODE_BINARY) return { code: 1003, cause: 'binary-frame' };
    if (length > this.frameBytes) return { code: 1009, cause: 'frame-too-big' };
    // A text frame starts a message; continuation frames add to it (FIN needs no tracking).
    this.messageSoFar = opcode === OPCODE_CONTINUATION ? this.messageSoFar + length : length;
    if (this.messageSoFar > this.messageBytes) return { code: 1009, cause: 'message-too-big' };
    return undefined;
  }
}

function headerLength(header: Buffer): number {
  const length7 = (header[1] ?? 0) & 0x7f;
  const masked = ((header[1] ?? 0) & 0x80) !== 0;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const length7 = (header[1] ?? 0) & 0x7f;
  if (length7 === 126) return header.readUInt16BE(2);
  if (length7 === 127) return Number(header.readBigUInt64BE(2));
  return length7;
}
