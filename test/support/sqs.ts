// A stand-in for SQS's SendMessage on loopback, in the JSON protocol the real SDK client speaks: it
// keeps each request as it arrived (to compare with the SDK's own) and each message, and hands the
// messages over as an SQS event, which a test passes to the deferred-work consumer when the test
// decides the delay is over (playing SQS's part, without waiting out real seconds). It can be told to
// refuse. No SQS emulator runs without Docker; this is the one call the handlers make.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { SQSEvent } from 'aws-lambda';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface QueuedMessage {
  messageId: string;
  body: string;
  delaySeconds: number;
}

const QUEUE_PATH = '/000000000000/wschat-later';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:wschat-later';

export class SqsStandIn {
  readonly requests: ReceivedRequest[] = [];
  /** Sent and not yet handed over (`takeEvent`). */
  readonly messages: QueuedMessage[] = [];
  /** While set, SendMessage answers this error. */
  refusing: { status: number; type: string } | undefined;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  get queueUrl(): string {
    return SqsStandIn.queueUrlAt(this.endpoint);
  }

  /** This stand-in's queue as reached through `endpoint` (itself, or a proxy in front of it). */
  static queueUrlAt(endpoint: string): string {
    return `${endpoint}${QUEUE_PATH}`;
  }

  static async start(): Promise<SqsStandIn> {
    const holder: { standIn?: SqsStandIn } = {};
    const server = createServer((req, res) => {
      void buffer(req).then((received) => {
        const self = holder.standIn;
        const body = received.toString('utf8');
        const json = (status: number, answer: object) => {
          res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
          res.end(JSON.stringify(answer));
        };
        if (!self) return json(500, { __type: 'com.amazonaws.sqs#InternalError' });
        self.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessage') return json(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: 'not SendMessage' });
        if (self.refusing) return json(self.refusing.status, { __type: `com.amazonaws.sqs#${self.refusing.type}`, message: 'refused by the stand-in' });
        const sent = JSON.parse(body) as { QueueUrl?: string; MessageBody?: string; DelaySeconds?: number };
        // By path: a recording proxy in front of the stand-in may be the host the sender was given.
        if (!sent.QueueUrl || new URL(sent.QueueUrl).pathname !== QUEUE_PATH) return json(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'no such queue' });
        if (typeof sent.MessageBody !== 'string') return json(400, { __type: 'com.amazonaws.sqs#MissingParameter', message: 'MessageBody' });
        const messageId = randomUUID();
        self.messages.push({ messageId, body: sent.MessageBody, delaySeconds: sent.DelaySeconds ?? 0 });
        json(200, { MessageId: messageId, MD5OfMessageBody: createHash('md5').update(sent.MessageBody).digest('hex') });
      });
    });
    holder.standIn = new SqsStandIn(server, await listenOnLoopback(server));
    return holder.standIn;
  }

  /** The messages sent so far, as the SQS event Lambda would get once their delay is over; they leave the queue. */
  takeEvent(): SQSEvent {
    const now = String(Date.now());
    return {
      Records: this.messages.splice(0).map((message) => ({
        messageId: message.messageId,
        receiptHandle: randomUUID(),
        body: message.body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'AROAEXAMPLE', ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(message.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: 'us-east-1',
      })),
    };
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }
}
