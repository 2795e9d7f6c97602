// Deferred tasks on AWS: one SQS SendMessage per task, with DelaySeconds = the wait (SQS holds a
// message up to 900 s), to the queue whose consumer is functions/handlers/later.ts.
//
// Not through @aws-sdk/client-sqs: it adds 26.5 KiB to every handler's bundle (539,131 → 566,300 bytes
// with the project's esbuild options), which would put the handlers at ≈ 597 of their 600 KiB budget;
// this file adds 4.3 KiB (→ 543,520). It is the one call, in SQS's JSON protocol, signed by the SDK's
// own SigV4 signer (@smithy/signature-v4, in the bundles already) with the container's signing
// identity (aws-signing.ts), sent over keep-alive-http.ts (the first fetch of a process loads undici,
// ≈30 ms of a cold `$disconnect` that defers a leave); test/later-queue.test.ts sends the same message
// with client-sqs and requires the same request, each signature re-derived by the signer.
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning } from './aws-signing.ts';
import type { LaterTask, Scheduler } from './chat/later.ts';
import { isJsonObject, jsonFields, parseJson } from './json-values.ts';
import { createKeepAliveHttp } from './keep-alive-http.ts';

/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;
/** SendMessage answers in milliseconds; this is for an endpoint that stopped answering. */
const SEND_TIMEOUT_MS = 5000;
/** A deferral is one message per leave: a few sockets are plenty. */
const MAX_SOCKETS = 8;

/** A SendMessage that was refused or whose answer does not match what was sent. */
export class QueueSendError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'QueueSendError';
  }
}

export interface QueueSchedulerOptions {
  queueUrl: string;
  signing: AwsSigning;
}

export function createQueueScheduler(options: QueueSchedulerOptions): Scheduler {
  const queue = new URL(options.queueUrl);
  const http = createKeepAliveHttp(queue.origin, { maxSockets: MAX_SOCKETS, timeoutMs: SEND_TIMEOUT_MS });
  let signer: SignatureV4 | undefined;
  const signerFor = async (): Promise<SignatureV4> =>
    (signer ??= new SignatureV4({
      service: 'sqs',
      region: await options.signing.region(),
      credentials: options.signing.credentials,
      sha256: options.signing.sha256,
      applyChecksum: false,
    }));

  return {
    async schedule(delayMs, task) {
      const message = messageBody(task);
      const body = JSON.stringify({ QueueUrl: options.queueUrl, MessageBody: message, DelaySeconds: delaySeconds(delayMs) });
      const request = {
        method: 'POST',
        protocol: queue.protocol,
        hostname: queue.hostname,
        ...(queue.port ? { port: Number(queue.port) } : {}),
        path: '/',
        query: {},
        headers: {
          host: queue.host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessage',
          // As the SDK sends it: SQS then names errors as its query protocol did (QueueDoesNotExist, ...).
          'x-amzn-query-mode': 'true',
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      };
      const signed = await (await signerFor()).sign(request);
      const answer = await http.request({ method: 'POST', path: '/', headers: Object.entries(signed.headers).flat(), body });
      const text = answer.body.toString('utf8');
      if (answer.status < 200 || answer.status >= 300) throw new QueueSendError(`SendMessage failed: ${answer.status} ${errorOf(text)}`, answer.status);
      // As the SDK checks: the body SQS kept is the body sent.
      if (md5OfBodyIn(text) !== createHash('md5').update(message).digest('hex')) throw new QueueSendError('SendMessage: MD5OfMessageBody does not match', answer.status);
    },
  };
}

export function messageBody(task: LaterTask): string {
  return JSON.stringify(task);
}

/** Whole seconds, rounded up (a grace is never cut short), within what SQS allows. */
export function delaySeconds(delayMs: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}

function md5OfBodyIn(text: string): string | undefined {
  const md5 = jsonFields(parseJson(text)).get('MD5OfMessageBody');
  return typeof md5 === 'string' ? md5 : undefined;
}

/** `__type` and `message` of a JSON-protocol error, as far as the answer has them. */
function errorOf(text: string): string {
  const value: unknown = parseJson(text);
  if (!isJsonObject(value)) return text.slice(0, 200);
  const fields = jsonFields(value);
  return [fields.get('__type'), fields.get('message')].filter((part) => typeof part === 'string').join(': ').slice(0, 300);
}
