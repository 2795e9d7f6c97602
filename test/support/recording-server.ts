// A loopback HTTP server that keeps every request as it arrived and answers as told: the far end for
// tests that compare the requests our signed clients send with the SDK client's for the same call.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class RecordingServer {
  /** Every request so far, oldest first (tests empty it with `length = 0`). */
  readonly recorded: Recorded[] = [];
  /** Answered first, one each, before `answer`; `hang-up` closes the socket without an answer. */
  readonly queue: (RecordedAnswer | 'hang-up')[] = [];
  answer: RecordedAnswer = { status: 200 };

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
  ) {}

  static async start(): Promise<RecordingServer> {
    const holder: { recorder?: RecordingServer } = {};
    const server = createServer((req, res) => {
      void buffer(req).then((received) => {
        const recorder = holder.recorder;
        if (!recorder) return;
        recorder.recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: received });
        const answer = recorder.queue.shift() ?? recorder.answer;
        if (answer === 'hang-up') {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    holder.recorder = new RecordingServer(server, await listenOnLoopback(server));
    return holder.recorder;
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }
}
