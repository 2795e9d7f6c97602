// Deferred tasks on in-process timers, for `npm start` and the tests (their process lives between
// events; a Lambda's does not, see later-queue.ts). When a timer fires, the task goes to the consumer
// as a one-record SQS event, shaped as SQS delivers it, so the local path runs the code AWS runs.
// A reported failure is logged, not redelivered: there is no dead-letter queue to end the retries.
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LaterTask, Scheduler } from './chat/later.ts';
import type { Logger } from './log.ts';

export type LaterConsumer = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface TimerScheduler extends Scheduler {
  /** The consumer the timers hand tasks to; set once the chat it belongs to is built. */
  consumeWith(consumer: LaterConsumer): void;
  /** Resolves once no task is waiting or running (tests). */
  settled(): Promise<void>;
  /**
   * Drops the tasks still waiting and resolves once those running are done: the chat they would run
   * on is shutting down (its emulator and gateway are about to go), so a late one could only fail.
   */
  close(): Promise<void>;
}

/** The queue ARN the local events name: no queue exists, so an account of zeros, as the local gateway's ARNs. */
const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:wschat-later';

export function createTimerScheduler(log: Logger, clock: () => number = Date.now): TimerScheduler {
  let consumer: LaterConsumer | undefined;
  const running = new Set<Promise<void>>();
  const waiting = new Set<NodeJS.Timeout>();

  async function deliver(task: LaterTask, sentAt: number): Promise<void> {
    if (!consumer) throw new Error('a deferred task is due before the chat that runs it was built');
    const result = await consumer(sqsEvent(task, sentAt, clock()));
    for (const failure of result.batchItemFailures) log.warn('a deferred task failed (no redelivery locally)', { messageId: failure.itemIdentifier });
  }

  return {
    consumeWith(next) {
      consumer = next;
    },
    schedule(delayMs, task) {
      const sentAt = clock();
      const timer = setTimeout(() => {
        waiting.delete(timer);
        const run = deliver(task, sentAt)
          .catch((error: unknown) => log.warn('a deferred task failed', { kind: task.kind, error: String(error) }))
          .finally(() => running.delete(run));
        running.add(run);
      }, delayMs).unref();
      waiting.add(timer);
      return Promise.resolve();
    },
    async settled() {
      while (waiting.size > 0 || running.size > 0) {
        await Promise.allSettled([...running]);
        if (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      for (const timer of waiting) clearTimeout(timer);
      waiting.clear();
      await Promise.allSettled([...running]);
    },
  };
}

function sqsEvent(task: LaterTask, sentAt: number, receivedAt: number): SQSEvent {
  const body = JSON.stringify(task);
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(sentAt),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(receivedAt),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: LOCAL_QUEUE_ARN,
        awsRegion: 'local',
      },
    ],
  };
}
