// The load probes' WebSocket client: a real `ws` socket that parses the chat's JSON events and lets a
// probe wait for one matching a predicate, or count those of a type, without keeping the rest.
import WebSocket from 'ws';

export interface ChatEvent {
  type: string;
  nickname?: string;
  text?: string;
  code?: string;
}

interface Waiter {
  match: (event: ChatEvent) => boolean;
  resolve: (event: ChatEvent) => void;
}

export class ProbeClient {
  /** Events of each type received so far. */
  readonly counts = new Map<string, number>();
  private waiters: Waiter[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as ChatEvent;
      this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(event)) return true;
        waiter.resolve(event);
        return false;
      });
    });
  }

  static async open(url: string): Promise<ProbeClient> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new ProbeClient(socket);
  }

  /** Opens a connection and logs in as `nickname`. */
  static async login(url: string, nickname: string): Promise<ProbeClient> {
    const client = await ProbeClient.open(url);
    await client.nick(nickname);
    return client;
  }

  count(type: string): number {
    return this.counts.get(type) ?? 0;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** Sends `/nick NAME` and resolves with the time (ms) until its login event came back. */
  async nick(nickname: string): Promise<number> {
    const started = performance.now();
    const login = this.next((event) => event.type === 'login' && event.nickname === nickname);
    this.send(`/nick ${nickname}`);
    await login;
    return performance.now() - started;
  }

  next(match: (event: ChatEvent) => boolean, timeoutMs = 60_000): Promise<ChatEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('probe: no matching event within the timeout')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  /** Resolves once `count` events of `type` have arrived in all. */
  async untilCount(type: string, count: number, timeoutMs = 120_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.count(type) < count) {
      if (performance.now() > deadline) throw new Error(`probe: ${this.count(type)} of ${count} "${type}" events within the timeout`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
