// N real WebSocket clients and a receipt tracker: a broadcast counts as delivered when every client
// has a frame carrying its tag. Each frame costs one Buffer search, so the clients stay cheap next to
// the server side they share this process with.
import pLimit from 'p-limit';
import WebSocket from 'ws';

export interface Receipt {
  /** Distinct clients that got the tagged frame. */
  received: number;
  /** Extra copies beyond one per client (must stay 0). */
  duplicates: number;
  /** performance.now() of the last first-copy receipt. */
  lastAt: number;
  complete: boolean;
}

interface Expectation {
  tag: Buffer;
  seq: number;
  receipt: Receipt;
  done: (receipt: Receipt) => void;
}

export class Receivers {
  private expectation: Expectation | undefined;
  private seq = 0;
  /** Per client, the last broadcast it has seen: a repeat is a duplicate, not a second recipient. */
  private readonly lastSeen: Int32Array;

  private constructor(private readonly sockets: WebSocket[]) {
    this.lastSeen = new Int32Array(sockets.length).fill(-1);
    sockets.forEach((socket, index) => socket.on('message', (data: Buffer) => this.onFrame(index, data)));
  }

  /** Opens `count` connections, `parallel` handshakes at a time (each runs a `$connect`). */
  static async open(url: string, count: number, parallel = 64): Promise<Receivers> {
    const limit = pLimit(parallel);
    const sockets = await Promise.all(Array.from({ length: count }, () => limit(() => connect(url))));
    return new Receivers(sockets);
  }

  get size(): number {
    return this.sockets.length;
  }

  /** Sends a frame from client `index` (the broadcast's sender, itself one of the recipients). */
  send(index: number, text: string): void {
    const socket = this.sockets[index];
    if (!socket) throw new Error(`no client ${index}`);
    socket.send(text);
  }

  /**
   * Resolves when every client has a frame containing `tag`, or after `timeoutMs` (or `giveUp()`) with
   * what arrived. Call before sending, so no early copy is missed.
   */
  expect(tag: string, timeoutMs: number): Promise<Receipt> {
    if (this.expectation) throw new Error('one broadcast at a time');
    const seq = (this.seq += 1);
    return new Promise((resolve) => {
      const receipt: Receipt = { received: 0, duplicates: 0, lastAt: 0, complete: false };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.expectation = undefined;
        resolve(receipt);
      };
      this.expectation = { tag: Buffer.from(tag), seq, receipt, done: finish };
    });
  }

  /** Ends the expectation of `tag` now, with what has arrived (if it is still the current one). */
  giveUp(tag: string): void {
    const expectation = this.expectation;
    if (expectation?.tag.equals(Buffer.from(tag))) expectation.done(expectation.receipt);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close();
            setTimeout(() => socket.terminate(), 2000).unref();
          }),
      ),
    );
  }

  private onFrame(index: number, data: Buffer): void {
    const expectation = this.expectation;
    if (!expectation || !data.includes(expectation.tag)) return;
    const { receipt } = expectation;
    if (this.lastSeen[index] === expectation.seq) {
      receipt.duplicates += 1;
      return;
    }
    this.lastSeen[index] = expectation.seq;
    receipt.received += 1;
    receipt.lastAt = performance.now();
    if (receipt.received === this.sockets.length) {
      receipt.complete = true;
      expectation.done(receipt);
    }
  }
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // a reset during shutdown is not the benchmark's concern
      resolve(socket);
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      reject(new Error(`handshake refused: HTTP ${response.statusCode}`));
    });
  });
}
